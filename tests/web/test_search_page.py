"""The /search page as a visitor uses it, without JavaScript: results, facets, filters, sorting, pages."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

from photoid.extensions import db
from photoid.search import querying, queue
from tests.factories import make_authority, make_collection, make_identification, make_photo
from tests.web.pages import parse, text


def status(page: lxml.html.HtmlElement) -> str:
    return text(page.xpath("//*[@role='status']")[0])


def result_titles(page: lxml.html.HtmlElement) -> list[str]:
    return [text(h) for h in page.xpath("//main//ol//li//h3")]


def facet_list(page: lxml.html.HtmlElement, heading: str) -> dict[str, str]:
    """The links under the facet heading: visible text -> href."""
    [h2] = [h for h in page.xpath("//nav[@aria-label='Narrow the results']//h3") if text(h) == heading]
    [ul] = page.xpath(f"//ul[@aria-labelledby='{h2.get('id')}']")
    return {text(a): a.get("href") for a in ul.xpath(".//a")}


def link(page: lxml.html.HtmlElement, name: str) -> str:
    matches = [a.get("href") for a in page.xpath("//a") if text(a) == name or a.get("aria-label") == name]
    assert matches, f"no link named {name!r}"
    return matches[0]


@pytest.fixture
def archive(app):  # type: ignore[no-untyped-def]
    harbour = make_collection(title="Harbour views")
    streets = make_collection(title="Street life", institution=harbour.institution)
    person = make_authority(kind="person", heading="Müller, Anna, 1902-1988")
    pier = make_photo(collection=harbour, title="Two men on a pier", description="Fishing boats <b>moored</b>",
                      date_edtf="194X")
    make_identification(photo=pier, kind="person", authority=person, state="approved")
    make_identification(photo=pier, kind="person", text_value="Pending Pettigrew")
    parade = make_photo(collection=streets, title="Parade on Main Street", date_edtf="1952-06")
    make_identification(photo=parade, kind="person", authority=person, state="approved")
    for i in range(30):
        make_photo(collection=streets, title=f"Shop window {i}", date_edtf="1935")
    db.session.commit()
    queue.reindex(app, procs=1)
    return {"pier": pier, "parade": parade, "person": person, "harbour": harbour}


def test_results_show_the_photo_with_a_highlighted_escaped_snippet(client, archive) -> None:
    page = parse(client.get("/search?q=boats"))
    assert status(page) == "1 photo found for “boats”."
    assert result_titles(page) == ["Two men on a pier"]
    snippet = page.xpath("//main//ol//li//p[@class='snippet']")[0]
    assert [text(m) for m in snippet.xpath(".//mark")] == ["boats"]
    assert not snippet.xpath(".//b")  # the <b> in the data is shown as text, not markup
    assert "<b>moored</b>" in text(snippet)
    assert page.xpath("//main//ol//li//img")


def test_accents_stemming_and_pending_names(client, archive) -> None:
    assert sorted(result_titles(parse(client.get("/search?q=muller")))) == ["Parade on Main Street", "Two men on a pier"]
    assert result_titles(parse(client.get("/search?q=parades"))) == ["Parade on Main Street"]
    assert status(parse(client.get("/search?q=pettigrew"))).startswith("0 photos found")


def test_facets_narrow_the_results_and_the_filter_can_be_removed(client, archive) -> None:
    page = parse(client.get("/search?q=muller"))
    decades = facet_list(page, "Decade")
    assert set(decades) == {"1940s (1)", "1950s (1)"}
    assert "Harbour views (1)" in facet_list(page, "Collection")
    assert "Müller, Anna, 1902-1988 (2)" in facet_list(page, "Person")

    narrowed = parse(client.get(decades["1940s (1)"]))
    assert result_titles(narrowed) == ["Two men on a pier"]
    back = parse(client.get(link(narrowed, "Remove filter Decade: 1940s")))
    assert len(result_titles(back)) == 2


def test_sort_select_and_pages(client, archive) -> None:
    page = parse(client.get("/search?q=window"))
    [select] = page.xpath("//select[@id=//label[normalize-space()='Sort by']/@for]")
    assert [o.get("value") for o in select.xpath("option")] == ["relevance", "date", "identified"]
    assert status(page) == "30 photos found for “window”."
    assert "Page 1 of 2" in text(page.xpath("//nav[@aria-label='Pages']")[0])
    second = parse(client.get(link(page, "Next page")))
    assert len(result_titles(second)) == 30 - 24

    by_date = parse(client.get("/search?q=muller&sort=date"))
    assert result_titles(by_date) == ["Two men on a pier", "Parade on Main Street"]


def test_did_you_mean_links_to_the_corrected_search(client, archive) -> None:
    page = parse(client.get("/search?q=mullar"))
    href = link(page, "muller")
    assert parse_qs(urlsplit(href).query)["q"] == ["muller"]
    assert "Did you mean" in text(page.xpath("//p[@class='did-you-mean']")[0])


@pytest.mark.parametrize("query, message", [
    ("q=" + "x" * 201, "at most 200 characters"),
    ("q=boats&decade=abc", "filters is not one we know"),
    ("q=boats&sort=sideways", "choose one of the ways to sort"),
    ("q=boats&page=0", "choose a page between"),
])
def test_bad_searches_get_a_clear_message_and_400(client, archive, query, message) -> None:
    response = client.get("/search?" + query)
    assert response.status_code == 400
    assert message in text(parse(response).xpath("//*[@role='alert']")[0])


def test_without_an_index_visitors_still_find_photos_and_staff_are_told(client, app, login_as) -> None:
    make_photo(title="Harbour at dawn")
    db.session.commit()
    page = parse(client.get("/search?q=harbour"))
    assert result_titles(page) == [] and "1 photo found" in text(page)
    assert "photoid reindex" not in text(page)
    login_as("archivist")
    assert "photoid reindex" in text(parse(client.get("/search?q=harbour")))


def test_the_header_search_box_sends_to_the_search_page(client, archive) -> None:
    page = parse(client.get("/"))
    [form] = page.xpath("//form[@role='search']")
    assert form.get("action") == "/search" and form.xpath(".//input[@name='q']")


def test_more_matches_than_the_index_counts_say_more_than_and_still_page(client, archive, monkeypatch) -> None:
    monkeypatch.setattr(querying, "COUNT_LIMIT", 25)
    page = parse(client.get("/search?q=window OR pier"))
    assert status(page) == "More than 25 photos found for “window OR pier”."
    assert "Counts cover the first 25 matches." in text(page.xpath("//nav[@aria-label='Narrow the results']")[0])
    assert "Page 1 of more than 2" in text(page.xpath("//nav[@aria-label='Pages']")[0])
    assert len(result_titles(parse(client.get(link(page, "Next page"))))) == 31 - 24

    # One word: its exact number of photos is known without counting them; the facets say what they cover.
    page = parse(client.get("/search?q=window"))
    assert status(page) == "30 photos found for “window”."
    assert "Counts cover the first 25 matches." in text(page.xpath("//nav[@aria-label='Narrow the results']")[0])


def test_results_come_before_the_facets_in_the_page(client, archive) -> None:
    page = parse(client.get("/search?q=window"))
    [results] = page.xpath("//ol[@aria-labelledby='results-heading']")
    [facets] = page.xpath("//nav[@aria-label='Narrow the results']")
    order = [el for el in page.iter() if el is results or el is facets]
    assert order == [results, facets]


def test_a_search_of_too_many_words_is_refused_with_a_message(client, archive) -> None:
    """An OR of 28 common words walked half the index; twelve different words are plenty."""
    many = " OR ".join(["harbour", "street", "shop", "window", "pier", "boats", "parade", "main", "men", "fishing",
                        "moored", "views", "life"])
    response = client.get("/search", query_string={"q": many})
    assert response.status_code == 400
    assert "at most 12 different words" in text(parse(response).xpath("//*[@role='alert']")[0])
    twelve = " ".join(["shop", "window"] * 10)  # repeats count once
    assert client.get("/search", query_string={"q": twelve}).status_code == 200


def test_one_address_searching_too_fast_is_held_back(tmp_path, database_url, _schema) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, database_url, RATELIMIT_ENABLED=True, SEARCH_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.get("/search?q=harbour").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = app.test_client().get("/search?q=harbour", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200  # another address is not affected
