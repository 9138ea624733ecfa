"""The Help identify page: photos that need the community, most promising first, one after another."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import lxml.html
import pytest
from sqlalchemy import event

from photoid.contributions.models import Confirmation
from photoid.contributions.workflow import move_identification
from photoid.extensions import db
from tests.factories import make_collection, make_identification, make_institution, make_photo, make_user
from tests.web.pages import parse as _page

BASE = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
BOX = {"region_x": 0.1, "region_y": 0.1, "region_w": 0.2, "region_h": 0.3}


def _cards(doc: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    """(title, reason) for each photo listed, in page order."""
    return [
        (item.xpath(".//h2")[0].text_content().strip(), item.xpath(".//p")[0].text_content().strip())
        for item in doc.xpath("//main//ul/li[.//h2]")
    ]


def _photo(title: str, *, days: int, collection=None) -> object:  # type: ignore[no-untyped-def]
    return make_photo(title=title, collection=collection, created_at=BASE + timedelta(days=days))


def _approve(identification) -> None:  # type: ignore[no-untyped-def]
    archivist = make_user(role="archivist", institutions=[identification.photo.institution])
    move_identification(identification, "approved", actor=archivist)


def _approved_fact(photo) -> None:  # type: ignore[no-untyped-def]
    _approve(make_identification(photo=photo, kind="keyword", text_value="street"))


def _disagree(identification, voters: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(voters):
        db.session.add(Confirmation(identification=identification, voter=make_user(), stance="disagree", state="active"))
    db.session.flush()


@pytest.fixture
def gallery(app) -> dict[str, object]:
    """One photo for each case, created so that age alone would give the opposite order."""
    collection = make_collection()
    photos = {}
    # Nothing approved at all (group 3): the oldest photos, so only the grouping can put them last.
    photos["blank"] = _photo("Blank wall", days=0, collection=collection)
    photos["suggested"] = _photo("Suggested only", days=1, collection=collection)
    make_identification(photo=photos["suggested"], kind="date", date_edtf="1950")
    # Boxes drawn but not approved (group 2).
    photos["boxes"] = _photo("Three faces", days=2, collection=collection)
    for x, name in ((0.1, "Ann"), (0.4, "Bob"), (0.7, "Cy")):  # three separate faces
        make_identification(photo=photos["boxes"], text_value=name, region_x=x, region_y=0.5, region_w=0.1, region_h=0.1)
    photos["boxes_with_fact"] = _photo("One face, one fact", days=3, collection=collection)
    make_identification(photo=photos["boxes_with_fact"], text_value="Dora", **BOX)
    _approved_fact(photos["boxes_with_fact"])
    # Contested (group 1): two rival names on the same face; and a suggestion two people dispute.
    photos["rivals"] = _photo("Same face, two names", days=4, collection=collection)
    make_identification(photo=photos["rivals"], text_value="John Smith", **BOX)
    make_identification(photo=photos["rivals"], text_value="James Smith", region_x=0.15, region_y=0.2, region_w=0.2, region_h=0.3)
    _approved_fact(photos["rivals"])
    photos["disputed"] = _photo("Disputed", days=5, collection=collection)
    _disagree(make_identification(photo=photos["disputed"], text_value="Mayor Brown"), voters=2)
    # Fully identified, nothing open: not listed.
    photos["done"] = _photo("All done", days=6, collection=collection)
    _approved_fact(photos["done"])
    # Not public: never listed, however much help they need.
    photos["hidden"] = _photo("Unpublished photo", days=7, collection=collection, )
    photos["hidden"].is_published = False
    hidden_collection = make_collection(institution=collection.institution, is_published=False)
    photos["hidden_collection"] = _photo("In a hidden collection", days=8, collection=hidden_collection)
    # Same value on overlapping boxes is agreement, not a contest; a different kind does not compete either.
    photos["agreeing"] = _photo("Two agree", days=9, collection=collection)
    make_identification(photo=photos["agreeing"], text_value="Eve", **BOX)
    make_identification(photo=photos["agreeing"], text_value="eve", **BOX)
    make_identification(photo=photos["agreeing"], kind="keyword", text_value="hat", **BOX)
    _approved_fact(photos["agreeing"])
    db.session.commit()
    return photos


def test_contested_photos_come_first_then_open_boxes_then_unidentified(client, gallery) -> None:
    response = client.get("/help")  # nobody signed in: anyone can help
    assert response.status_code == 200
    assert _cards(_page(response)) == [
        ("Disputed", "2 people disagree about who this is"),  # no approved facts: before "Same face"
        ("Same face, two names", "2 different suggestions for the same face"),
        ("Three faces", "3 faces marked, none confirmed yet"),
        ("One face, one fact", "1 face marked, waiting to be confirmed"),
        ("Two agree", "3 faces marked, waiting to be confirmed"),
        ("Blank wall", "Nothing identified yet"),
        ("Suggested only", "Suggestions are waiting, nothing confirmed yet"),
    ]


def test_within_a_group_fewest_facts_then_oldest_first(client, app) -> None:
    older = _photo("Older, two facts", days=0)
    newer = _photo("Newer, one fact", days=5)
    newest = _photo("Newest, one fact", days=9)
    for photo in (older, newer, newest):
        make_identification(photo=photo, text_value="Someone", **BOX)
        _approved_fact(photo)
    _approved_fact(older)
    db.session.commit()
    titles = [title for title, _ in _cards(_page(client.get("/help")))]
    assert titles == ["Newer, one fact", "Newest, one fact", "Older, two facts"]


def test_approving_the_last_open_suggestion_takes_a_photo_off_the_list(client, app) -> None:
    photo = _photo("Almost done", days=0)
    identification = make_identification(photo=photo, text_value="Fay", **BOX)
    db.session.commit()
    assert [t for t, _ in _cards(_page(client.get("/help")))] == ["Almost done"]
    _approve(identification)
    db.session.commit()
    doc = _page(client.get("/help"))
    assert _cards(doc) == [] and "Every published photo has been identified for now" in doc.text_content()


def test_next_photo_walks_the_list_from_the_photo_page(client, gallery) -> None:
    expected = [title for title, _ in _cards(_page(client.get("/help")))]
    start = _page(client.get("/help")).xpath("//a[normalize-space()='Start with the first photo']")[0].get("href")
    response = client.get(start)
    visited = []
    for _ in range(len(expected) + 1):
        assert response.status_code == 302
        location = response.headers["Location"]
        if location.endswith("/help"):
            break
        page = _page(client.get(location))
        visited.append(page.xpath("//h1")[0].text_content().strip())
        [next_link] = page.xpath("//a[normalize-space()='Next photo that needs help']")
        response = client.get(next_link.get("href"))
    assert visited == expected
    final = _page(client.get("/help"))
    assert "There are no more photos waiting for help right now." in final.text_content()


def test_next_from_a_photo_that_needs_no_help_starts_at_the_top(client, gallery) -> None:
    response = client.get(f"/help/next?after={gallery['done'].id}")  # type: ignore[attr-defined]
    assert response.headers["Location"].endswith(f"/photos/{gallery['disputed'].id}")  # type: ignore[attr-defined]


@pytest.mark.parametrize("query", ["after=abc", "after=-1", "after=0", "after=99999999999", "page=0", "page=x"])
def test_bad_addresses_get_a_clear_message(client, app, query: str) -> None:
    path = "/help?" + query if query.startswith("page") else "/help/next?" + query
    response = client.get(path)
    assert response.status_code == 400 and "whole number" in response.get_data(as_text=True)


def test_help_is_linked_from_the_header_and_the_home_page(client, app) -> None:
    doc = _page(client.get("/"))
    hrefs = {" ".join(a.text_content().split()): a.get("href") for a in doc.xpath("//a")}
    assert hrefs["Help identify"] == "/help"
    assert hrefs["Help identify the photos that need it most"] == "/help"


def test_the_page_costs_the_same_number_of_queries_for_many_photos(client, app) -> None:
    def queries_for_help_page() -> int:
        count = 0

        def record(*_args: object) -> None:
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/help").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return count

    collection = make_collection()

    def add_photos(n: int) -> None:
        for i in range(n):
            photo = _photo(f"Photo {i}", days=i, collection=collection)
            _disagree(make_identification(photo=photo, text_value="X", **BOX), voters=1)
            make_identification(photo=photo, text_value="Y", **BOX)
        db.session.commit()

    add_photos(2)
    few = queries_for_help_page()
    add_photos(12)
    assert queries_for_help_page() == few
    assert few <= 3  # the count, the page, and the signed-in check at most


def test_reasons_reveal_no_pending_suggestions_where_the_institution_hides_them(client, app) -> None:
    photo = _photo("Private choir", days=0, collection=make_collection(institution=make_institution(show_pending_publicly=False)))
    make_identification(photo=photo, text_value="John Smith", **BOX)
    _disagree(make_identification(photo=photo, text_value="James Smith", **BOX), voters=1)
    db.session.commit()
    assert _cards(_page(client.get("/help"))) == [("Private choir", "Nothing identified yet")]
