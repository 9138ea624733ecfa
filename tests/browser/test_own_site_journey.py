"""A library goes from an empty database to its first published collection, without the demo:
the first admin (made with ``photoid create-user``) creates a consortium and a member library, invites
an archivist by email, who accepts, creates a collection, uploads photos with a CSV of titles and
dates, corrects one title and withdraws another; then the public sees exactly that."""
from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHOTOID, copy_site, screenshot, server_env, serving
from tests.browser.pages import sign_in
from tests.mailbox import Mailbox

ADMIN_EMAIL = "head@millbrook.example"
ADMIN_PASSWORD = "a long admin passphrase"
ARCHIVIST_EMAIL = "ann@millbrook.example"


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox,
               migrated_site: Path) -> Iterator[str]:
    """A new site: the schema, one admin from the shell, nothing else."""
    tmp = copy_site(migrated_site, tmp_path_factory.mktemp("own-site"))
    env = server_env(tmp, PHOTOID_OAI_REPOSITORY_ID="photos.millbrook.example", ADMIN_PASSWORD=ADMIN_PASSWORD,
                     **mailbox.settings())
    made = subprocess.run([*PHOTOID, "create-user", ADMIN_EMAIL, "--role", "admin", "--display-name", "Head Librarian",
                           "--password-env", "ADMIN_PASSWORD"], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    with serving(tmp, env) as url:
        yield url


def _image(path: Path, shade: int) -> Path:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((1200, 900)).point(lambda v: (v + shade) % 256).convert("RGB").save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _sign_in(page: Page, email: str, password: str, name: str) -> None:
    sign_in(page, email, password, welcome=False)
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(name)


def test_from_an_empty_database_to_a_published_collection(browser: Browser, empty_site: str, mailbox: Mailbox,
                                                         tmp_path: Path) -> None:
    admin = browser.new_context(base_url=empty_site, viewport={"width": 1280, "height": 900}).new_page()
    admin.set_default_timeout(15_000)
    _sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD, "Head Librarian")

    # The admin creates the consortium, then a member library.
    admin.get_by_role("link", name="Admin").click()
    admin.get_by_role("navigation", name="Administration").get_by_role("link", name="Institution settings").click()
    admin.get_by_role("link", name="Add an institution").click()
    admin.get_by_label("Name", exact=True).fill("Millbrook Libraries")
    admin.get_by_label("Short name for addresses").fill("millbrook-libraries")
    admin.get_by_label("This is a consortium: other institutions are its members").check()
    admin.get_by_role("button", name="Create institution").click()
    expect(admin.get_by_role("main")).to_contain_text("Millbrook Libraries")
    admin.get_by_role("navigation", name="Administration").get_by_role("link", name="Institution settings").click()
    admin.get_by_role("link", name="Add an institution").click()
    admin.get_by_label("Name", exact=True).fill("Millbrook Public Library")
    admin.get_by_label("Short name for addresses").fill("millbrook")
    admin.get_by_label("Member of").select_option(label="Millbrook Libraries")
    admin.get_by_role("button", name="Create institution").click()

    # ... and invites the library's first archivist.
    admin.get_by_role("navigation", name="Administration").get_by_role("link", name="Staff invitations").click()
    admin.get_by_label("Email address of the person you are inviting").fill(ARCHIVIST_EMAIL)
    admin.get_by_label("Millbrook Public Library").check()
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_role("main")).to_contain_text(ARCHIVIST_EMAIL)
    link = mailbox.link_to(ARCHIVIST_EMAIL, "/invitations/")

    # The archivist accepts in a browser of her own.
    archivist = browser.new_context(base_url=empty_site, viewport={"width": 1280, "height": 900}).new_page()
    archivist.set_default_timeout(15_000)
    archivist.goto(link)
    archivist.get_by_label("Display name").fill("Archivist Ann")
    archivist.get_by_label("Password", exact=True).fill("a long archivist passphrase")
    archivist.get_by_label("Repeat password").fill("a long archivist passphrase")
    archivist.get_by_role("button", name="Create my account and accept").click()
    expect(archivist.get_by_role("navigation", name="Account")).to_contain_text("Archivist Ann")

    # She creates a collection ...
    archivist.goto("/collections/new")
    archivist.get_by_label("Title").fill("Local history")
    archivist.get_by_label("Web address name").fill("local-history")
    archivist.get_by_role("button", name="Create the collection").click()
    expect(archivist.get_by_role("heading", level=1)).to_have_text("Local history")

    # ... uploads three photos with a CSV of their titles and dates ...
    files = [_image(tmp_path / f"scan_{n}.jpg", shade=n * 40) for n in (1, 2, 3)]
    catalog = tmp_path / "box.csv"
    catalog.write_text("identifier,title,date,file\n"
                       "LH-1,Carnival on Quaysid,summer 1952,scan_1.jpg\n"
                       "LH-2,The mill in winter,1940s,scan_2.jpg\n"
                       "LH-3,Main Street shops,about 1935,scan_3.jpg\n")
    archivist.get_by_role("link", name="Add photos").click()
    archivist.get_by_label("Image files").set_input_files([str(f) for f in files])
    archivist.get_by_label("Catalog data (CSV, optional)").set_input_files(str(catalog))
    archivist.get_by_role("button", name="Upload").click()
    results = archivist.get_by_role("region", name="Results")
    for identifier in ("LH-1", "LH-2", "LH-3"):
        expect(results).to_contain_text(f"added as {identifier}", timeout=45_000)

    # ... corrects a title ...
    results.get_by_role("link", name="LH-1").click()
    expect(archivist.get_by_role("heading", level=1)).to_have_text("Carnival on Quaysid")
    archivist.get_by_role("link", name="Edit the catalog record").click()
    expect(archivist.get_by_label("Date")).to_have_value("1952-22")
    archivist.get_by_label("Title").fill("Carnival on Quayside")
    archivist.get_by_role("button", name="Save the record").click()
    expect(archivist.get_by_role("heading", level=1)).to_have_text("Carnival on Quayside")
    corrected_url = archivist.url

    # ... and withdraws another.
    archivist.goto("/collections/local-history")
    archivist.get_by_role("link", name="The mill in winter").click()
    withdrawn_url = archivist.url
    archivist.get_by_role("button", name="Withdraw this photo from the site").click()
    expect(archivist.get_by_role("main")).to_contain_text("Not on the public site")
    screenshot(archivist, "own-site-withdrawn")

    # What the public sees.
    visitor = browser.new_context(base_url=empty_site, viewport={"width": 1280, "height": 900}).new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(corrected_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Carnival on Quayside")
    assert visitor.goto(withdrawn_url).status == 404
    withdrawn_id = withdrawn_url.rstrip("/").rsplit("/", 1)[-1]
    record = visitor.request.get(f"/oai?verb=GetRecord&metadataPrefix=oai_dc"
                                 f"&identifier=oai:photos.millbrook.example:photo/{withdrawn_id}")
    assert record.ok and 'status="deleted"' in record.text()
    visitor.goto("/institutions/millbrook")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Millbrook Public Library")
    expect(visitor.get_by_role("link", name="Local history")).to_be_visible()
    visitor.goto("/institutions/millbrook-libraries")
    expect(visitor.get_by_role("link", name="Millbrook Public Library")).to_be_visible()
    screenshot(visitor, "own-site-consortium")
