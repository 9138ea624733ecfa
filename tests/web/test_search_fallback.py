"""Without a search index, /search falls back to plain matching: visitors still find photos, and staff
are told every time, so a site never runs on the fallback unnoticed."""
from __future__ import annotations

import lxml.html
import pytest

from photoid.extensions import db
from photoid.search import index, queue
from tests.factories import make_collection, make_photo

WARNING = "The search index has not been built yet, so only plain matches are shown."


def _page(client, query: str) -> tuple[str, lxml.html.HtmlElement]:  # type: ignore[no-untyped-def]
    response = client.get(f"/search?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, lxml.html.fromstring(html)


def _notices(page: lxml.html.HtmlElement) -> list[str]:
    return [" ".join(p.text_content().split()) for p in page.xpath("//p[@role='status']")]


@pytest.fixture
def harbour(app):  # type: ignore[no-untyped-def]
    photo = make_photo(collection=make_collection(), title="Harbour at dusk")
    db.session.commit()
    assert not index.exists(app.config["INDEX_DIR"])
    return photo


@pytest.mark.parametrize("role", ["archivist", "admin"])
def test_staff_see_a_warning_with_the_plain_matches(client, login_as, harbour, role) -> None:
    login_as(role)
    html, page = _page(client, "q=harbour")
    assert any(notice.startswith(WARNING) and "photoid reindex" in notice for notice in _notices(page))
    assert "1 photo found for “harbour”." in _notices(page)
    assert page.xpath("//a[contains(., 'Harbour at dusk')]")


def test_staff_see_the_warning_for_a_search_by_filter_alone(client, login_as, harbour) -> None:
    login_as("admin")
    _, page = _page(client, f"collection={harbour.collection_id}")
    assert any(notice.startswith(WARNING) for notice in _notices(page))


@pytest.mark.parametrize("role", [None, "patron"])
def test_visitors_and_patrons_get_the_plain_matches_without_the_warning(client, login_as, harbour, role) -> None:
    if role:
        login_as(role)
    html, page = _page(client, "q=harbour")
    assert WARNING not in html
    assert "1 photo found for “harbour”." in _notices(page)


def test_with_an_index_staff_see_no_warning(app, client, login_as, harbour) -> None:
    queue.reindex(app, procs=1)
    login_as("admin")
    html, page = _page(client, "q=harbour")
    assert WARNING not in html and page.xpath("//a[contains(., 'Harbour at dusk')]")


def test_staff_making_a_campaign_from_a_search_are_told_it_ran_on_plain_matching(app, client, login_as) -> None:
    from tests.factories import make_institution
    from tests.web.test_campaign_pages import form_data

    library = make_institution(name="Millbrook Library")
    make_photo(collection=make_collection(institution=library), title="Harbour at dusk")
    db.session.commit()
    login_as("archivist", institutions=[library])
    data = form_data(client, "/campaigns/new", institution=str(library.id), source="search", search_query="q=harbour")
    landing = client.post("/campaigns/new", data=data, follow_redirects=True).get_data(as_text=True)
    assert "with 1 photos" in landing or "with 1 photo" in landing
    assert "The search index has not been built yet, so the campaign&#39;s photos were chosen by plain matching." in landing
    queue.reindex(app, procs=1)
    data = form_data(client, "/campaigns/new", institution=str(library.id), source="search", search_query="q=harbour",
                     title="With an index")
    landing = client.post("/campaigns/new", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Created the campaign “With an index”" in landing and "plain matching" not in landing


def test_a_new_sites_empty_index_answers_searches_and_then_finds_the_first_photo(app, client) -> None:
    """What `photoid db upgrade` leaves on a new site: an index with no documents. Searching it is a
    normal "nothing found", not a 500, and the first published photo is found once indexed."""
    assert queue.reindex(app, procs=1) == 0
    response = client.get("/search?q=harbour")
    assert response.status_code == 200
    assert "0 photos found for “harbour”." in _notices(lxml.html.fromstring(response.get_data(as_text=True)))
    for query in ("q=harbour&sort=date", "q=harbour&sort=identified", "collection=1", "q=harbr"):
        assert client.get(f"/search?{query}").status_code == 200, query
    make_photo(collection=make_collection(), title="Harbour at dusk")
    db.session.commit()
    queue.drain(app, wait=True)
    _, page = _page(client, "q=harbour")
    assert "1 photo found for “harbour”." in _notices(page) and WARNING not in _notices(page)
