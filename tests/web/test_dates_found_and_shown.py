"""A photo's date as people find and read it (issue #20): searching years and decades, the From/To
year filter, the shown date (the catalog's, else the community's approved one) on the photo page,
in browse by decade, sorting, the sitemap and the schema.org JSON-LD."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest

from photoid.extensions import db
from photoid.search import queue
from tests.factories import make_collection, make_identification, make_photo
from tests.web.pages import labelled, link, parse, text

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def result_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [text(h) for h in page.xpath("//main//ol//li//h3")]


def found(client, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(f"/search?{query}")
    assert response.status_code == 200, text(parse(response))
    return sorted(result_titles(parse(response)))


def definition(page, term: str) -> str:  # type: ignore[no-untyped-def]
    for dt in page.xpath("//dl//dt"):
        if text(dt) == term:
            return text(dt.getnext())
    raise AssertionError(f"no {term!r} in the page's facts")


def jsonld(client, photo) -> dict:  # type: ignore[no-untyped-def]
    [script] = parse(client.get(f"/photos/{photo.id}")).xpath("//script[@type='application/ld+json']")
    return json.loads(script.text)


@pytest.fixture
def dated(app):  # type: ignore[no-untyped-def]
    """Photos dated by the catalog in several ways, one dated only by the community, one by a pending
    suggestion only, and one whose year is only in its text."""
    collection = make_collection(title="Millbrook")
    photos = {
        "year": make_photo(collection=collection, title="Harbour panorama", date_edtf="1925"),
        "day": make_photo(collection=collection, title="Centennial parade", date_edtf="1925-07-04"),
        "season": make_photo(collection=collection, title="Town Hall steps", date_edtf="1952-22"),
        "range": make_photo(collection=collection, title="Dry goods interior", date_edtf="1921/1923"),
        "decade": make_photo(collection=collection, title="Town Hall", date_edtf="194X"),
        "about": make_photo(collection=collection, title="Main Street at midday", date_edtf="1955~"),
        "text": make_photo(collection=collection, title="Pier repairs", description="Rebuilt in 1925 after the storm.",
                           date_edtf="1960"),
        "community": make_photo(collection=collection, title="Class photograph", date_edtf=None),
        "pending": make_photo(collection=collection, title="Portrait of a young woman", date_edtf=None),
    }
    make_identification(photo=photos["community"], kind="date", date_edtf="192X", state="approved")
    make_identification(photo=photos["pending"], kind="date", date_edtf="1926", state="pending")
    # A community date on a catalogued photo is searchable, but the catalog's date is the one shown.
    make_identification(photo=photos["decade"], kind="date", date_edtf="1947", state="approved")
    db.session.commit()
    queue.reindex(app, procs=1)
    return photos


# --- search ---------------------------------------------------------------------------------------

def test_a_year_finds_the_photos_dated_in_it_and_those_naming_it(client, dated) -> None:  # type: ignore[no-untyped-def]
    # "the 1920s" overlaps 1925: a photo that may be from 1925 is found too.
    assert found(client, "q=1925") == ["Centennial parade", "Class photograph", "Harbour panorama", "Pier repairs"]
    assert found(client, "q=1952") == ["Town Hall steps"]
    assert found(client, "q=1922") == ["Class photograph", "Dry goods interior"]
    assert found(client, "q=1947") == ["Town Hall"]  # the approved community date counts too
    assert "Portrait of a young woman" not in found(client, "q=1926")  # a pending suggestion does not


def test_a_decade_a_range_and_between_find_overlapping_dates(client, dated) -> None:  # type: ignore[no-untyped-def]
    twenties = ["Centennial parade", "Class photograph", "Dry goods interior", "Harbour panorama"]
    assert found(client, "q=1920s") == twenties
    assert found(client, "q=1920-1929") == twenties
    assert found(client, "q=the+1920%27s") == twenties
    assert found(client, "q=between+1920+and+1922") == ["Class photograph", "Dry goods interior"]
    assert found(client, "q=1950s") == ["Main Street at midday", "Town Hall steps"]


def test_years_combine_with_words(client, dated) -> None:  # type: ignore[no-untyped-def]
    assert found(client, "q=parade+1925") == ["Centennial parade"]
    assert found(client, "q=parade+1930s") == []


def test_the_from_to_year_filter_is_a_labelled_form_that_works_without_javascript(client, dated) -> None:  # type: ignore[no-untyped-def]
    page = parse(client.get("/search"))
    [form] = page.xpath("//form[@aria-label='Search the photos']")
    assert labelled(form, "From year").get("name") == "from_year"
    assert labelled(form, "To year").get("name") == "to_year"
    assert form.get("method") == "get"

    assert found(client, "from_year=1950&to_year=1959") == ["Main Street at midday", "Town Hall steps"]
    assert found(client, "q=town+hall&from_year=1940&to_year=1949") == ["Town Hall"]
    assert found(client, "from_year=1956") == ["Pier repairs"]
    assert found(client, "to_year=1921") == ["Class photograph", "Dry goods interior"]

    narrowed = parse(client.get("/search?q=hall&from_year=1950&to_year=1959"))
    assert labelled(narrowed, "From year").get("value") == "1950"
    widened = link(narrowed, "Remove filter Years: 1950–1959").get("href")
    assert "from_year" not in parse_qs(urlsplit(widened).query)
    assert found(client, urlsplit(widened).query) == ["Town Hall", "Town Hall steps"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from_year=nineteen", "From year must be a year from 1000 to"),
        ("to_year=99999", "To year must be a year from 1000 to"),
        ("from_year=1950&to_year=1920", "From year (1950) is after To year (1920)."),
        ("q=parade&from_year=%C2%B2", "From year must be a year"),
    ],
)
def test_a_bad_year_is_a_400_with_a_message(client, dated, query: str, message: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/search?{query}")
    assert response.status_code == 400
    assert message in text(parse(response).xpath("//*[@role='alert']")[0])


def test_sorting_by_date_uses_the_community_date_when_the_catalog_has_none(client, dated) -> None:  # type: ignore[no-untyped-def]
    titles = result_titles(parse(client.get("/search?from_year=1900&to_year=1999&sort=date")))
    assert titles[:4] == ["Class photograph", "Dry goods interior", "Harbour panorama", "Centennial parade"]
    assert titles.index("Town Hall") < titles.index("Town Hall steps")  # 194X by the catalog, not 1947


def test_results_show_the_date_in_words_with_its_provenance(client, dated) -> None:  # type: ignore[no-untyped-def]
    page = parse(client.get("/search?q=1920s"))
    metas = {text(li.xpath(".//h3")[0]): text(li.xpath(".//p[@class='card-meta']")[0]) for li in page.xpath("//main//ol/li")}
    assert metas["Class photograph"].startswith("the 1920s (identified by the community)")


# --- the shown date -------------------------------------------------------------------------------

def test_the_photo_page_gives_the_date_in_words_never_as_edtf(client, dated) -> None:  # type: ignore[no-untyped-def]
    page = parse(client.get(f"/photos/{dated['season'].id}"))
    assert definition(page, "Date") == "summer 1952"
    assert "1952-22" not in text(page.xpath("//main")[0])


def test_an_approved_community_date_dates_the_photo_page(client, dated) -> None:  # type: ignore[no-untyped-def]
    page = parse(client.get(f"/photos/{dated['community'].id}"))
    assert definition(page, "Date") == "the 1920s (identified by the community)"
    assert "do you know when this was taken" not in text(page)
    pending = parse(client.get(f"/photos/{dated['pending'].id}"))
    assert definition(pending, "Date") == "Unknown — do you know when this was taken?"
    catalogued = parse(client.get(f"/photos/{dated['decade'].id}"))
    assert definition(catalogued, "Date") == "the 1940s"


def test_browse_by_decade_files_a_photo_under_its_approved_community_date(client, dated) -> None:  # type: ignore[no-untyped-def]
    decades = parse(client.get("/browse/decades"))
    assert text(link(decades, "The 1920s").getparent()) == "The 1920s 4 photos"
    assert text(link(decades, "Date unknown").getparent()) == "Date unknown 1 photo"
    page = parse(client.get("/browse/decades/1920"))
    cards = {text(li.xpath(".//h2")[0]): text(li.xpath(".//p[@class='card-meta']")[0]) for li in page.xpath("//main//li[h2 or a/h2]")}
    assert cards["Class photograph"] == "the 1920s (identified by the community)"
    assert cards["Dry goods interior"] == "between 1921 and 1923"
    assert list(cards) == ["Dry goods interior", "Harbour panorama", "Centennial parade", "Class photograph"]
    assert "Portrait of a young woman" in text(parse(client.get("/browse/decades/unknown")))
    # The catalog date wins: the approved 1947 does not put the 194X photo in another decade.
    assert "Town Hall" not in [text(h) for h in parse(client.get("/browse/decades/1920")).xpath("//main//h2")]


def test_the_sitemap_lists_the_decades_photos_are_shown_under(client, dated) -> None:  # type: ignore[no-untyped-def]
    locs = {u.findtext(f"{SM}loc") for u in ElementTree.fromstring(client.get("/sitemap.xml").data).findall(f"{SM}url")}
    decades = sorted(loc for loc in locs if re.search(r"/browse/decades/\d{4}$", loc))
    assert decades == [f"http://localhost/browse/decades/{d}" for d in (1920, 1940, 1950, 1960)]
    assert "http://localhost/browse/decades" in locs


# --- schema.org JSON-LD ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("key", "created"),
    [("year", "1925"), ("day", "1925-07-04"), ("range", "1921/1923"), ("decade", "1940/1949"),
     ("community", "1920/1929"), ("season", None), ("about", None), ("pending", None)],
)
def test_date_created_is_iso_8601_only(client, dated, key: str, created: str | None) -> None:  # type: ignore[no-untyped-def]
    assert jsonld(client, dated[key]).get("dateCreated") == created


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Lindqvist Studio", "Organization"), ("Valley Camera Shop", "Organization"), ("Ashford Photo Service", "Organization"),
     ("Smith & Sons", "Organization"), ("Ann Lee", "Person"), ("Lindqvist, Karl", "Person")],
)
def test_studios_are_organizations_and_photographers_people(client, app, name: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    photo = make_photo(creator=name)
    db.session.commit()
    assert jsonld(client, photo)["creator"] == {"@type": kind, "name": name}


def test_an_unknown_photographer_is_no_creator(client, app) -> None:  # type: ignore[no-untyped-def]
    photo = make_photo(creator="Unknown photographer")
    db.session.commit()
    data = jsonld(client, photo)
    assert "creator" not in data
    assert data["creditText"] == photo.institution.name


def test_the_embeddable_card_gives_the_shown_date(client, dated) -> None:  # type: ignore[no-untyped-def]
    assert definition(parse(client.get(f"/embed/photos/{dated['community'].id}")), "Date") == \
        "the 1920s (identified by the community)"
    # The catalog's 194X, not the approved 1947, as on the photo page.
    assert definition(parse(client.get(f"/embed/photos/{dated['decade'].id}")), "Date") == "the 1940s"


def test_collection_and_home_cards_give_the_shown_date(client, dated) -> None:  # type: ignore[no-untyped-def]
    for path in (f"/collections/{dated['community'].collection.slug}", "/"):
        page = parse(client.get(path))
        [card] = [li for li in page.xpath("//li[contains(@class, 'photo-card')]") if "Class photograph" in text(li)]
        assert text(card.xpath(".//p[@class='card-meta']")[0]) == "the 1920s (identified by the community)"
