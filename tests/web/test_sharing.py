"""Sharing: Open Graph and Twitter previews, schema.org JSON-LD, share links, sitemap and robots.txt,
the oEmbed provider and the embeddable photo card."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from photoid.extensions import db
from photoid.sharing import sitemap
from tests.factories import make_authority, make_collection, make_identification, make_photo

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
IMG = "{http://www.google.com/schemas/sitemap-image/1.1}"


class HeadReader(HTMLParser):
    """Collects <meta>, <link> and JSON-LD blocks, share links, inputs and iframes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.anchors: list[dict[str, str]] = []
        self.jsonld: list[str] = []
        self.textareas: list[str] = []
        self.labels: dict[str, str] = {}
        self._in: str | None = None
        self._label_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        elif tag == "link":
            self.links.append(a)
        elif tag == "a":
            self.anchors.append(a)
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in = "jsonld"
            self.jsonld.append("")
        elif tag == "textarea":
            self._in = "textarea"
            self.textareas.append("")
        elif tag == "label":
            self._label_for = a.get("for")
            self.labels[self._label_for or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "textarea"):
            self._in = None
        if tag == "label":
            self._label_for = None

    def handle_data(self, data: str) -> None:
        if self._in == "jsonld":
            self.jsonld[-1] += data
        elif self._in == "textarea":
            self.textareas[-1] += data
        if self._label_for is not None:
            self.labels[self._label_for] += data


def read(response: Any) -> HeadReader:
    reader = HeadReader()
    reader.feed(response.get_data(as_text=True))
    return reader


@pytest.fixture
def known_photo(app):  # type: ignore[no-untyped-def]
    """A published photo with an approved person (with a LoC URI), an approved place with coordinates and a year."""
    collection = make_collection(title="Main Street")
    photo = make_photo(collection=collection, title="Parade </script><b>x</b>", date_edtf="1923", width=3200, height=2000,
                       rights_uri="http://rightsstatements.org/vocab/NoC-US/1.0/", creator="Ann Lee")
    person = make_authority(kind="person", heading="Smith, John, 1890-1962", authority_uri="http://id.loc.gov/authorities/names/n1")
    place = make_authority(kind="place", heading="Main Street", latitude=44.5, longitude=-73.2)
    make_identification(photo=photo, authority=person, state="approved")
    make_identification(photo=photo, kind="place", authority=place, state="approved")
    make_identification(photo=photo, text_value="Pending Pat", state="pending")
    db.session.commit()
    return photo


# --- previews ------------------------------------------------------------------------------------

def test_photo_page_previews_with_the_large_image_and_its_real_size(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    page = read(client.get(f"/photos/{known_photo.id}"))
    assert page.meta["og:title"] == "Parade </script><b>x</b>"
    assert page.meta["og:url"] == f"http://localhost/photos/{known_photo.id}"
    assert page.meta["og:image"] == f"http://localhost/media/photos/{known_photo.id}/display.jpg"
    assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1600", "1000")
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["og:image:alt"] == known_photo.title
    assert "Smith, John, 1890-1962" in page.meta["og:description"]
    assert "Pending Pat" not in page.meta["og:description"]


def test_a_photo_nobody_identified_asks_the_question(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    photo = make_photo(width=800, height=600)
    make_identification(photo=photo, text_value="Unsure", state="pending", region_x=0.1, region_y=0.1, region_w=0.2, region_h=0.2)
    db.session.commit()
    page = read(client.get(f"/photos/{photo.id}"))
    assert page.meta["og:description"] == "Can you identify the people in this photo?"
    assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("800", "600")


def test_person_page_and_home_page_carry_previews(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    from photoid.authorities.models import AuthorityRecord

    person = db.session.query(AuthorityRecord).filter_by(kind="person").one()
    page = read(client.get(f"/people/{person.id}"))
    assert page.meta["og:title"] == "Smith, John, 1890-1962"
    assert page.meta["og:url"] == f"http://localhost/people/{person.id}"
    assert page.meta["og:image"].endswith(f"/media/photos/{known_photo.id}/display.jpg")
    assert page.meta["og:type"] == "profile"
    assert any(a["href"].startswith("https://bsky.app/intent/compose?text=") for a in page.anchors)

    home = read(client.get("/"))
    assert home.meta["og:type"] == "website" and home.meta["og:url"] == "http://localhost/"
    assert home.meta["twitter:card"] == "summary"


# --- JSON-LD -------------------------------------------------------------------------------------

def test_photo_page_describes_a_schema_org_photograph(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    body = client.get(f"/photos/{known_photo.id}").get_data(as_text=True)
    assert "</script><b>" not in body.split('application/ld+json">', 1)[1].split("</script>", 1)[0]
    page = read(client.get(f"/photos/{known_photo.id}"))
    assert len(page.jsonld) == 1
    data = json.loads(page.jsonld[0])
    assert data["@context"] == "https://schema.org" and data["@type"] == "Photograph"
    assert data["name"] == "Parade </script><b>x</b>"
    assert data["url"] == f"http://localhost/photos/{known_photo.id}"
    assert data["dateCreated"] == "1923"
    assert data["about"] == [{
        "@type": "Person", "name": "Smith, John, 1890-1962", "url": data["about"][0]["url"],
        "sameAs": "http://id.loc.gov/authorities/names/n1",
    }]
    place = data["contentLocation"]
    assert place["@type"] == "Place" and place["geo"] == {"@type": "GeoCoordinates", "latitude": 44.5, "longitude": -73.2}
    assert "Collection" in data["isPartOf"]["@type"] and data["isPartOf"]["name"] == "Main Street"
    assert data["license"] == "http://rightsstatements.org/vocab/NoC-US/1.0/"
    assert data["copyrightNotice"] == "No Copyright - United States"
    assert data["creditText"].startswith("Ann Lee")
    image = data["image"]
    assert image["@type"] == "ImageObject" and (image["width"], image["height"]) == (1600, 1000)
    assert "@" not in json.dumps(data).replace("@context", "").replace("@type", "").replace("@id", "")  # no email


def test_an_uncertain_date_is_not_given_as_date_created(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    photo = make_photo(date_edtf="1945~")
    db.session.commit()
    data = json.loads(read(client.get(f"/photos/{photo.id}")).jsonld[0])
    assert "dateCreated" not in data and "about" not in data


def test_a_fact_approved_twice_is_described_once(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    # Issue 20: the same name boxed twice, or approved for two patrons, is one person the photo is about.
    photo = make_photo(subjects=["Parades", "parades"])
    for _patron in range(2):
        make_identification(photo=photo, text_value="Agnes  Moller", state="approved")
        make_identification(photo=photo, kind="place", text_value="Main Street", state="approved")
    make_identification(photo=photo, text_value="agnes moller", state="approved")  # case and spacing aside
    db.session.commit()
    data = json.loads(read(client.get(f"/photos/{photo.id}")).jsonld[0])
    assert [person["name"] for person in data["about"]] == ["Agnes  Moller"]
    assert data["contentLocation"]["name"] == "Main Street"
    assert data["keywords"] == "Parades"


# --- share links and embed snippet ---------------------------------------------------------------

def test_share_links_are_plain_encoded_links(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/photos/{known_photo.id}")
    page = read(response)
    hrefs = [a["href"] for a in page.anchors]
    facebook = next(h for h in hrefs if h.startswith("https://www.facebook.com/sharer/sharer.php"))
    assert parse_qs(urlsplit(facebook).query)["u"] == [f"http://localhost/photos/{known_photo.id}"]
    tweet = next(h for h in hrefs if h.startswith("https://twitter.com/intent/tweet"))
    assert parse_qs(urlsplit(tweet).query)["text"] == [known_photo.title]
    assert any(h.startswith("mailto:?subject=") for h in hrefs)
    assert page.labels.get("share-link") == "Copy link"
    assert 'value="http://localhost/photos/%d" readonly' % known_photo.id in response.get_data(as_text=True)
    assert "facebook.com/sdk" not in response.get_data(as_text=True)
    assert not any("<iframe" in t for t in page.textareas)  # the embed snippet is for staff


def test_staff_get_an_embed_snippet(client: FlaskClient, login_as, known_photo) -> None:  # type: ignore[no-untyped-def]
    login_as("archivist", institutions=[known_photo.institution])
    page = read(client.get(f"/photos/{known_photo.id}"))
    assert "Embed this photo" in page.labels["share-embed"]
    snippet = next(t for t in page.textareas if "<iframe" in t)
    assert snippet.startswith(f'<iframe src="http://localhost/embed/photos/{known_photo.id}"')
    assert 'title="Parade &lt;/script&gt;' in snippet


# --- oEmbed --------------------------------------------------------------------------------------

def test_photo_page_offers_oembed_discovery_and_the_provider_answers(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    page = read(client.get(f"/photos/{known_photo.id}"))
    discovery = [link for link in page.links if link.get("type") == "application/json+oembed"]
    assert len(discovery) == 1
    href = discovery[0]["href"]
    response = client.get(href.removeprefix("http://localhost"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert data["title"] == known_photo.title and data["provider_name"]
    assert f'src="http://localhost/embed/photos/{known_photo.id}"' in data["html"]
    assert data["html"].startswith("<iframe") and "&lt;/script&gt;" in data["html"]
    assert (data["width"], data["height"]) == (480, 480 * 2000 // 3200 + 200)
    assert data["thumbnail_url"].endswith("/thumb.jpg") and (data["thumbnail_width"], data["thumbnail_height"]) == (400, 250)


def test_oembed_honours_maxwidth_and_maxheight(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    url = f"http://localhost/photos/{known_photo.id}"
    data = client.get("/oembed", query_string={"url": url, "maxwidth": "320", "maxheight": "300"}).get_json()
    assert data["width"] <= 320 and data["height"] <= 300
    assert f'width="{data["width"]}" height="{data["height"]}"' in data["html"]
    assert "thumbnail_url" not in data  # the 400 px thumbnail would not fit


@pytest.mark.parametrize(("query", "status"), [
    ({"format": "xml"}, 501),
    ({"url": "http://evil.example/photos/{id}"}, 404),
    ({"url": "http://localhost/photos/999999"}, 404),
    ({"url": "http://localhost/privacy"}, 404),
    ({"url": "javascript:alert(1)"}, 404),
    ({"url": ""}, 400),
    ({"maxwidth": "wide"}, 400),
])
def test_oembed_refuses_what_it_cannot_embed(client: FlaskClient, known_photo, query, status) -> None:  # type: ignore[no-untyped-def]
    args = {"url": "http://localhost/photos/{id}", "format": "json", **query}
    args["url"] = args["url"].replace("{id}", str(known_photo.id))
    response = client.get("/oembed", query_string=args)
    assert response.status_code == status
    assert response.get_json()["error"]


def test_oembed_and_embed_hide_unpublished_photos(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    hidden = make_photo(is_published=False)
    db.session.commit()
    assert client.get("/oembed", query_string={"url": f"http://localhost/photos/{hidden.id}"}).status_code == 404
    assert client.get(f"/embed/photos/{hidden.id}").status_code == 404


# --- the embed card ------------------------------------------------------------------------------

def test_embed_card_is_frameable_and_sets_no_cookie(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/embed/photos/{known_photo.id}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "X-Frame-Options" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    body = response.get_data(as_text=True)
    assert "<form" not in body and "site-header" not in body
    assert "Smith, John, 1890-1962" in body and "Main Street" in body and "Pending Pat" not in body
    help_link = next(a for a in read(response).anchors if "Help identify" in body and a.get("class") == "embed-button")
    assert help_link["href"] == f"http://localhost/photos/{known_photo.id}"
    assert help_link["target"] == "_blank" and help_link["rel"] == "noopener"
    assert 'alt="Parade &lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"' in body


def test_other_pages_may_not_be_framed(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/photos/{known_photo.id}")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]


# --- sitemap and robots --------------------------------------------------------------------------

def test_sitemap_lists_public_pages_with_their_images(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    hidden = make_photo(collection=known_photo.collection, is_published=False)
    make_authority(kind="person", heading="Proposed, Pat", status="proposed")
    db.session.commit()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{SM}urlset"
    urls = {u.findtext(f"{SM}loc"): u for u in root.findall(f"{SM}url")}
    assert all(urlsplit(loc).scheme == "http" and urlsplit(loc).netloc == "localhost" for loc in urls)
    photo_url = f"http://localhost/photos/{known_photo.id}"
    assert urls[photo_url].find(f"{IMG}image/{IMG}loc").text == f"http://localhost/media/photos/{known_photo.id}/display.jpg"
    assert urls[photo_url].findtext(f"{SM}lastmod")
    assert f"http://localhost/photos/{hidden.id}" not in urls
    assert f"http://localhost/collections/{known_photo.collection.slug}" in urls
    assert sum("/people/" in loc for loc in urls) == 1 and sum("/places/" in loc for loc in urls) == 1
    assert "http://localhost/" in urls


def test_a_large_site_gets_a_sitemap_index(client: FlaskClient, known_photo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        make_photo(collection=known_photo.collection)
    db.session.commit()
    monkeypatch.setattr(sitemap, "URLS_PER_SITEMAP", 5)
    root = ElementTree.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == f"{SM}sitemapindex"
    locs = [s.findtext(f"{SM}loc") for s in root.findall(f"{SM}sitemap")]
    assert locs[0] == "http://localhost/sitemaps/1.xml"
    seen: list[str] = []
    for loc in locs:
        page = ElementTree.fromstring(client.get(urlsplit(loc).path).data)
        found = [u.findtext(f"{SM}loc") for u in page.findall(f"{SM}url")]
        assert 0 < len(found) <= 5
        seen += found
    assert len(seen) == len(set(seen)) == sitemap.total_urls()
    assert client.get(f"/sitemaps/{len(locs) + 1}.xml").status_code == 404


def test_robots_keeps_staff_pages_out_and_names_the_sitemap(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    for path in ("/moderation", "/admin", "/authorities", "/account", "/feeds/queue"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /photos" not in lines and "Disallow: /embed" not in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def test_oembed_embeds_public_campaigns_and_lists_them_in_the_sitemap(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_campaign

    running = make_campaign(photos=[known_photo], title="Who marched in 1923?")
    draft = make_campaign(photos=[known_photo], is_published=False)
    db.session.commit()
    data = client.get("/oembed", query_string={"url": f"http://localhost/campaigns/{running.id}"}).get_json()
    assert data["type"] == "rich" and data["title"] == "Who marched in 1923?"
    assert f'src="http://localhost/embed/campaigns/{running.id}"' in data["html"]
    assert client.get(f"/embed/campaigns/{running.id}").headers.get("X-Frame-Options") is None
    landing = client.get(f"/campaigns/{running.id}").get_data(as_text=True)
    assert 'type="application/json+oembed"' in landing and f"oembed?url=http://localhost/campaigns/{running.id}&amp;format=json" in landing
    assert client.get("/oembed", query_string={"url": f"http://localhost/campaigns/{draft.id}"}).status_code == 404
    locs = [u.findtext(f"{SM}loc") for u in ElementTree.fromstring(client.get("/sitemap.xml").data).findall(f"{SM}url")]
    assert f"http://localhost/campaigns/{running.id}" in locs and f"http://localhost/campaigns/{draft.id}" not in locs


def test_an_unconfirmed_box_keeps_the_question(client: FlaskClient, known_photo) -> None:  # type: ignore[no-untyped-def]
    make_identification(photo=known_photo, text_value="Maybe Mary", state="pending",
                        region_x=0.5, region_y=0.2, region_w=0.1, region_h=0.2)
    db.session.commit()
    page = read(client.get(f"/photos/{known_photo.id}"))
    assert page.meta["og:description"] == "Can you identify the people in this photo?"
    assert json.loads(page.jsonld[0])["about"][0]["name"] == "Smith, John, 1890-1962"
