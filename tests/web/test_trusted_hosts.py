"""A forged ``Host`` header never reaches a link: with PHOTOID_SITE_URL set every absolute address
(feeds, canonical, Open Graph, oEmbed, sitemap, OAI-PMH, IIIF, email) is on the site's own address,
PHOTOID_TRUSTED_HOSTS refuses other hosts with a 400, and kept pages are never served across hosts."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from photoid.contributions.workflow import move_identification
from photoid.extensions import db
from photoid.notifications import service as notifications
from tests.factories import make_authority, make_campaign, make_collection, make_identification, make_photo, make_user

SITE = "https://photos.example.org"
EVIL = {"Host": "evil.example"}


@pytest.fixture
def site(app):  # type: ignore[no-untyped-def]
    app.config.update(USE_SITE_URL=True, SITE_URL=SITE)
    collection = make_collection(slug="main-street", title="Main Street")
    photo = make_photo(collection=collection, title="Parade", width=800, height=600)
    person = make_authority(kind="person", heading="Smith, John")
    make_identification(photo=photo, authority=person, state="approved")
    campaign = make_campaign(collection=collection)
    db.session.commit()
    return {"photo": photo.id, "person": person.id, "campaign": campaign.id}


def _addresses(site: dict[str, int]) -> list[str]:
    photo = site["photo"]
    page = quote(f"{SITE}/photos/{photo}", safe="")
    return [
        "/", f"/photos/{photo}", "/collections/main-street", f"/people/{site['person']}", f"/campaigns/{site['campaign']}",
        f"/embed/photos/{photo}", f"/oembed?url={page}&format=json",
        "/feeds/photos.atom", "/feeds/identified.atom", "/feeds/collections/main-street/photos.atom",
        "/sitemap.xml", "/robots.txt",
        "/oai?verb=Identify", "/oai?verb=ListRecords&metadataPrefix=oai_dc", "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
        f"/iiif/3/{photo}/info.json", f"/iiif/3/{photo}/manifest", "/iiif/3/collections/main-street/manifest",
    ]


def test_a_forged_host_appears_in_no_link_when_the_site_address_is_set(client, site) -> None:  # type: ignore[no-untyped-def]
    for address in _addresses(site):
        for _ in range(2):  # the second answer may come from the kept pages
            response = client.get(address, headers=EVIL)
            body = response.get_data(as_text=True)
            assert response.status_code == 200, address
            assert "evil.example" not in body and "evil.example" not in str(response.headers), address
            assert SITE in body, address


def test_the_oembed_provider_takes_only_the_sites_own_addresses(client, site) -> None:  # type: ignore[no-untyped-def]
    forged = quote(f"http://evil.example/photos/{site['photo']}", safe="")
    assert client.get(f"/oembed?url={forged}&format=json", headers=EVIL).status_code == 404


def test_emailed_links_use_the_site_address(app, site) -> None:  # type: ignore[no-untyped-def]
    sent: list[tuple[str, str, str]] = []
    app.config["MAIL_SENDER"] = lambda to, subject, body: sent.append((to, subject, body))
    patron = make_user(email="margaret@example.org")
    photo = make_photo(title="Harbour")
    identification = make_identification(photo=photo, contributor=patron, text_value="John Smith")
    move_identification(identification, "approved", actor=make_user(role="archivist", institutions=[photo.institution]))
    with app.test_request_context("/moderation", headers=EVIL):
        notifications.notify_identification_decided(identification)
        db.session.commit()
    assert sent and f"{SITE}/photos/{photo.id}" in sent[0][2] and "evil.example" not in sent[0][2]


def test_without_a_site_address_links_follow_the_request_and_kept_pages_stay_with_their_host(app, client, site) -> None:  # type: ignore[no-untyped-def]
    app.config["USE_SITE_URL"] = False
    path = f"/photos/{site['photo']}"
    first = client.get(path, headers={"Host": "one.example"})
    again = client.get(path, headers={"Host": "one.example"})
    other = client.get(path, headers={"Host": "two.example"})
    assert first.headers["X-Page-Cache"] == "miss" and again.headers["X-Page-Cache"] == "hit"
    assert "http://one.example/photos/" in again.get_data(as_text=True)
    assert other.headers["X-Page-Cache"] == "miss"
    assert "two.example" in other.get_data(as_text=True) and "one.example" not in other.get_data(as_text=True)


def test_trusted_hosts_refuse_any_other_host(app, client, site) -> None:  # type: ignore[no-untyped-def]
    app.config["TRUSTED_HOSTS"] = ["photos.example.org", ".photos.example.org"]
    for address in (f"/photos/{site['photo']}", "/feeds/photos.atom", "/sitemap.xml", "/login"):
        refused = client.get(address, headers=EVIL)
        assert refused.status_code == 400, address
        assert "evil.example" not in refused.get_data(as_text=True)
        assert client.get(address, headers={"Host": "photos.example.org"}).status_code == 200, address
        assert client.get(address, headers={"Host": "www.photos.example.org"}).status_code == 200, address
