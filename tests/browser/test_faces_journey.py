"""Issue 24's journey: a patron picks a face nobody has named, the identify form opens with its box
drawn, and the archivist sees the person face matching suggests beside it in the queue, and links
them with one key.

A server of its own, with the demo and Millbrook's face assistance on. The faces are rows made
directly (a known box and made-up encodings): what is tested here is the pages, not the detector,
which tests/ of photoid/faces run on real portraits.
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import run_axe
from tests.browser.conftest import copy_site, screenshot, server_env, serving
from tests.browser.pages import sign_in
from tests.mailbox import Mailbox

#: Run inside the test server's environment: turn Millbrook's faces on, give the face of an approved
#: person a (made-up) encoding, and put an unnamed face that looks like theirs on another photo.
SETUP = r"""
import numpy as np
from sqlalchemy import select
from photoid import create_app
from photoid.extensions import db
from photoid.contributions.models import Identification
from photoid.faces.models import Face
from photoid.photos.models import Institution, Photo

app = create_app()
with app.app_context():
    mill = db.session.scalar(select(Institution).where(Institution.slug == "millbrook"))
    mill.faces_detection_enabled = mill.faces_matching_enabled = True
    mill.faces_patrons_see_matches = False  # staff only, whatever the demo chose
    faceless = ~select(Face.id).where(Face.photo_id == Photo.id).exists()  # not the demo's real portraits
    known = db.session.scalars(
        select(Identification).join(Photo).where(
            Photo.institution_id == mill.id, Identification.kind == "person", Identification.state == "approved",
            Identification.region_x.is_not(None), Identification.authority_id.is_not(None), faceless)
        .order_by(Identification.id)).first()
    code = np.zeros(128, dtype="<f4"); code[0] = 0.5
    db.session.add(Face(photo_id=known.photo_id, x=known.region_x, y=known.region_y, w=known.region_w,
                        h=known.region_h, confidence=1.0, encoding=code.tobytes()))
    other = db.session.scalars(select(Photo).where(Photo.institution_id == mill.id, Photo.id != known.photo_id,
                                                   Photo.is_published.is_(True), faceless).order_by(Photo.id)).first()
    near = code.copy(); near[1] = 0.2
    db.session.add(Face(photo_id=other.id, x=0.02, y=0.03, w=0.08, h=0.1, confidence=1.0, encoding=near.tobytes()))
    db.session.commit()
    print(other.id, known.authority.heading, sep="\t")
"""


@pytest.fixture(scope="module")
def faces_site(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox,
               demo_site: Path) -> Iterator[tuple[str, int, str]]:
    tmp = copy_site(demo_site, tmp_path_factory.mktemp("faces-site"))
    env = server_env(tmp, **mailbox.settings())
    made = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    photo_id, heading = made.stdout.strip().splitlines()[-1].split("\t")
    with serving(tmp, env) as url:
        yield url, int(photo_id), heading


def _page(browser: Browser, url: str) -> Page:
    page = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    return page


def test_the_faces_on_the_photo_page_and_the_identify_form_have_no_serious_accessibility_problems(
        browser: Browser, faces_site: tuple[str, int, str]) -> None:
    url, photo_id, heading = faces_site
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, "archivist@example.org")
    page.goto(f"/photos/{photo_id}")
    faces = page.get_by_role("region", name="Who is this?")
    # Staff see who the face may be, beside it, and can link them with one button.
    expect(faces.get_by_role("list", name="Possibly the same person as…")).to_contain_text(f"Possibly {heading}: Strong match")
    expect(faces.get_by_role("button", name=f"Link and approve face 1 of 1 as {heading}")).to_be_visible()
    identify = faces.get_by_role("link", name="Who is this? Face 1 of 1").get_attribute("href")
    for address in (f"/photos/{photo_id}", identify):
        page.goto(address)
        report = run_axe(page)
        assert not report.blocking, report.describe(report.blocking)
    context.close()


def test_a_patron_names_an_unnamed_face_and_the_archivist_sees_who_it_may_be(
        browser: Browser, faces_site: tuple[str, int, str]) -> None:
    url, photo_id, heading = faces_site
    patron = _page(browser, url)
    sign_in(patron, "patron@example.org")
    patron.goto(f"/photos/{photo_id}")
    questions = patron.get_by_role("region", name="Who is this?")
    expect(questions).to_contain_text("1 face on this photo has no name yet")
    patron.wait_for_function("() => window.photoidViewer && window.photoidViewer.world.getItemCount() === 1")
    expect(patron.locator(".region-box.is-question")).to_have_count(1)  # outlined on the photo as a question
    expect(questions).not_to_contain_text("Possibly")  # Millbrook shows matches to staff only
    questions.get_by_role("link", name="Who is this? Face 1 of 1").click()

    # The identify form, with the face's box already drawn.
    expect(patron.get_by_role("heading", name=re.compile("What do you recognise"))).to_be_visible()
    expect(patron.get_by_role("img", name="The face you chose on the photo")).to_be_visible()
    expect(patron.get_by_role("status").filter(has_text="Box marked")).to_contain_text("2% from the left")
    expect(patron.get_by_label("A person")).to_be_checked()
    patron.get_by_role("combobox", name="Name").fill("Aunt Lotte")
    patron.get_by_label("How do you know? (optional)").fill("She sang in the choir with my mother.")
    screenshot(patron, "faces-identify-chosen-face")
    patron.get_by_role("button", name="Send to the archivists").click()
    expect(patron.get_by_role("status")).to_contain_text("Thank you! An archivist will review")
    expect(patron.get_by_role("region", name="Who is this?")).to_have_count(0)  # the face is named now, if unverified

    # The archivist sees the suggestion with the person face matching finds, beside the face.
    archivist = _page(browser, url)
    sign_in(archivist, "archivist@example.org")
    archivist.goto("/moderation")
    item = archivist.get_by_role("article", name="Person: Aunt Lotte")
    expect(item.get_by_role("img", name="The face on this photo")).to_be_visible()
    expect(item.get_by_role("img", name=f"{heading}, in an approved photo")).to_be_visible()
    expect(item.get_by_role("list", name="Possibly the same person as…")).to_contain_text(
        f"Possibly {heading}: Strong match (distance 0.20)")
    screenshot(archivist, "faces-queue-candidate")
    item.focus()
    archivist.keyboard.press("l")  # link to the first candidate, and approve
    expect(archivist.get_by_role("status")).to_contain_text(f"Approved with changes: Person “{heading}”")
