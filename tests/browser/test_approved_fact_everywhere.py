"""One approval, seen everywhere: a patron names the sitter of an unidentified portrait, an archivist
approves it from the queue, and the fact appears on the photo page, in search (results and the
Person facet) and in the photo's OAI-PMH record for harvesters.

Issue 8's third journey, in a real Chromium against the live server. Before the approval the name
is nowhere public; after it, it is in all three places.
"""
from __future__ import annotations

import re

from lxml import etree
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.pages import sign_in
from tests.browser.test_identify_journey import drag_box, register, wait_for_viewer, watch_for_errors
from tests.web.test_oai_protocol import valid

PHOTO = "Portrait of a young woman"  # MPL-1962-002 in the demo: sitter and date unknown
PERSON = "Hale, Dorothy, 1928-2015"  # an authority record with a variant, on one other demo photo
CLAIM = f"Person: {PERSON}"
PATRON = "Cousin Ruth"
NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}


def open_the_portrait(page: Page) -> int:
    """Open the photo from a search for its title; returns its id (from its address)."""
    page.goto("/search?q=%22young+woman%22")
    page.get_by_role("list", name="Results").get_by_role("link", name=PHOTO).click()
    expect(page.get_by_role("heading", name=PHOTO, level=1)).to_be_visible()
    match = re.search(r"/photos/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def search_results(page: Page, words: str) -> Locator:
    page.goto("/search?q=" + words.replace(" ", "+"))
    expect(page.get_by_role("status").filter(has_text="found")).to_be_visible()
    return page.get_by_role("list", name="Results")


def oai_identifier(page: Page, photo_id: int) -> str:
    """The photo's OAI identifier, found as a harvester finds it: in ListIdentifiers."""
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    for _ in range(50):
        doc = valid(page.request.get("/oai", params=params).body())
        for identifier in doc.iterfind("oai:ListIdentifiers/oai:header/oai:identifier", NS):
            if (identifier.text or "").endswith(f":photo/{photo_id}"):
                return identifier.text or ""
        token = doc.findtext("oai:ListIdentifiers/oai:resumptionToken", namespaces=NS)
        if not token:
            break
        params = {"verb": "ListIdentifiers", "resumptionToken": token}
    raise AssertionError(f"photo {photo_id} is not listed by OAI-PMH ListIdentifiers")


def oai_subjects(page: Page, identifier: str) -> list[str]:
    """The dc:subject values of a record, from a schema-valid GetRecord response."""
    response = page.request.get("/oai", params={"verb": "GetRecord", "identifier": identifier, "metadataPrefix": "oai_dc"})
    assert response.ok and response.headers["content-type"].startswith("text/xml")
    doc = valid(response.body())
    assert doc.find("oai:error", NS) is None, etree.tostring(doc)
    assert doc.findtext("oai:GetRecord/oai:record/oai:header/oai:identifier", namespaces=NS) == identifier
    return [s.text or "" for s in doc.iterfind("oai:GetRecord/oai:record/oai:metadata//dc:subject", NS)]


def name_the_sitter(page: Page) -> None:
    page.get_by_role("link", name="Identify something in this photo").click()
    wait_for_viewer(page)
    page.get_by_role("button", name="Draw a box on the photo").click()
    drag_box(page, (0.35, 0.15), (0.65, 0.55))
    expect(page.get_by_role("status").filter(has_text="Box marked")).to_be_visible()
    name = page.get_by_role("combobox", name="Name")
    name.press_sequentially("dot hale", delay=40)  # a variant of the heading, as a cousin would type it
    expect(page.get_by_role("option", name=re.compile(re.escape(PERSON)))).to_be_visible()
    name.press("ArrowDown")
    name.press("Enter")
    expect(name).to_have_value(PERSON)
    page.get_by_label("How do you know? (optional)").fill("My aunt Dot; the same lace collar is in our family album.")
    page.get_by_role("button", name="Send to the archivists").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you! An archivist will review")


def find_in_queue(page: Page) -> Locator:
    """The queue item for the patron's claim on this photo, following "Next page" if need be."""
    page.goto("/moderation")
    for _ in range(20):
        item = page.get_by_role("article", name=CLAIM).filter(has_text=PHOTO).filter(has_text=PATRON)
        if item.count():
            return item
        following = page.get_by_role("navigation", name="Pages of the queue").get_by_role("link", name="Next page")
        if not following.count():
            break
        following.click()
    raise AssertionError(f"{CLAIM!r} on {PHOTO!r} is not in the archivist's queue")


def test_an_approved_identification_shows_on_the_photo_in_search_and_in_the_oai_record(page: Page, browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    errors = watch_for_errors(page)
    register(page, PATRON)
    photo_id = open_the_portrait(page)
    photo_url = page.url
    record = oai_identifier(page, photo_id)

    # Nowhere public yet.
    results = search_results(page, "Dorothy Hale")
    expect(results.get_by_role("link", name=PHOTO)).to_have_count(0)
    assert PERSON not in oai_subjects(page, record)

    page.goto(photo_url)
    name_the_sitter(page)
    expect(page.get_by_role("region", name="Suggestions waiting for review")).to_contain_text(PERSON)
    expect(page.get_by_role("region", name="What we know").get_by_text(PERSON)).to_have_count(0)
    assert PERSON not in oai_subjects(page, record)  # a suggestion is not a fact
    assert errors == []

    # The archivist approves it from the queue.
    archivist = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}).new_page()
    archivist_errors = watch_for_errors(archivist)
    sign_in(archivist, "archivist@example.org")
    item = find_in_queue(archivist)
    expect(item).to_contain_text("My aunt Dot")
    expect(item.get_by_role("img", name="The box the contributor marked, outlined in yellow on the part of the photo around it")).to_be_visible()
    item.get_by_role("button", name=f"Approve {CLAIM}").click()
    expect(archivist.get_by_role("status")).to_contain_text(f"Approved: Person “{PERSON}”")
    expect(archivist.get_by_role("article", name=CLAIM).filter(has_text=PHOTO)).to_have_count(0)
    archivist.context.close()
    assert archivist_errors == []

    # 1. The photo page: a verified fact with its provenance, linked to the person's page.
    page.goto(photo_url)
    fact = page.get_by_role("region", name="What we know").get_by_role("listitem").filter(has_text=PERSON)
    expect(fact).to_have_count(1)
    expect(fact).to_contain_text(f"contributed by {PATRON}")
    expect(fact).to_contain_text("verified by")
    expect(fact.get_by_role("link", name=PERSON)).to_be_visible()
    expect(page.get_by_role("region", name="Suggestions waiting for review").get_by_text(PERSON)).to_have_count(0)
    screenshot(page, "photo-approved-fact")

    # 2. Search: the name finds the photo, and the Person facet lists the person.
    results = search_results(page, "Dorothy Hale")
    expect(results.get_by_role("link", name=PHOTO)).to_be_visible()
    people = page.get_by_role("navigation", name="Narrow the results").get_by_role("list", name="Person")
    facet = people.get_by_role("link", name=re.compile(rf"^{re.escape(PERSON)} \(\d+\)$"))
    expect(facet).to_be_visible()
    screenshot(page, "search-person-facet")
    facet.click()
    expect(page.get_by_role("link", name=f"Remove filter Person: {PERSON}")).to_be_visible()
    expect(page.get_by_role("list", name="Results").get_by_role("link", name=PHOTO)).to_be_visible()
    # A variant of the name finds it too: the index holds the record's other names.
    expect(search_results(page, "Dot Hale").get_by_role("link", name=PHOTO)).to_be_visible()

    # 3. The OAI-PMH record harvesters fetch names the person as a subject.
    assert PERSON in oai_subjects(page, record)
    assert errors == []
