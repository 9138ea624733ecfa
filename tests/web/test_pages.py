"""The public pages a visitor browses without an account: home, collection, photo, search."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from photoid.extensions import db
from photoid.photos.service import add_photo
from tests.factories import make_authority, make_collection, make_identification, make_photo, make_user


def _jpeg(width: int = 800, height: int = 600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 110, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_home_lists_published_collections_with_counts_and_recent_photos(client) -> None:
    shown = make_collection(title="Main Street", slug="main-street")
    make_photo(collection=shown, title="Parade on Main Street")
    make_photo(collection=shown, title="The old bank")
    make_collection(title="Staff only", is_published=False)
    db.session.commit()

    page = client.get("/").get_data(as_text=True)
    assert "Main Street" in page and "2 photos" in page
    assert "Parade on Main Street" in page and "The old bank" in page
    assert "Staff only" not in page


def test_collection_page_pages_through_its_photos(app, client) -> None:
    app.config["PER_PAGE"] = 2
    collection = make_collection(title="School photos", slug="school")
    for n in range(5):
        make_photo(collection=collection, identifier=f"S-{n}", title=f"Class of 19{20 + n}")
    make_photo(collection=collection, identifier="S-hidden", title="Unpublished scan", is_published=False)
    db.session.commit()

    first = client.get("/collections/school").get_data(as_text=True)
    assert "5 photos" in first and "Class of 1920" in first and "Class of 1922" not in first
    assert "Page 1 of 3" in first and "Next page" in first
    last = client.get("/collections/school?page=3").get_data(as_text=True)
    assert "Class of 1924" in last and "Unpublished scan" not in last
    assert client.get("/collections/school?page=abc").status_code == 400
    assert client.get("/collections/no-such-thing").status_code == 404


def test_photo_page_shows_catalog_data_and_approved_facts_with_provenance(client) -> None:
    photo = make_photo(title="Parade on Main Street", date_edtf="1925", creator="Hill Studio",
                       rights_uri="http://rightsstatements.org/vocab/NoC-US/1.0/")
    person = make_authority(kind="person", heading="Smith, John, 1890-1962", dates_edtf="1890/1962")
    patron = make_user(display_name="Margaret H.")
    make_identification(photo=photo, kind="person", authority=person, contributor=patron, state="approved")
    make_identification(photo=photo, kind="keyword", text_value="brass band", state="rejected")
    db.session.commit()

    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "Parade on Main Street" in page and "Hill Studio" in page and "No Copyright - United States" in page
    assert "Smith, John, 1890-1962" in page
    assert "contributed by Margaret H." in page and f"verified by {photo.institution.name}" in page
    assert "brass band" not in page  # rejected claims are never shown publicly


def test_pending_identifications_are_marked_unverified_or_hidden_by_institution_policy(client) -> None:
    photo = make_photo()
    make_identification(photo=photo, kind="keyword", text_value="tram depot")
    db.session.commit()
    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "tram depot" in page and "Unverified" in page

    photo.institution.show_pending_publicly = False
    db.session.commit()
    assert "tram depot" not in client.get(f"/photos/{photo.id}").get_data(as_text=True)


def test_unpublished_photos_are_not_found_by_the_public_but_staff_see_them(client, login_as) -> None:
    photo = make_photo(is_published=False)
    db.session.commit()
    assert client.get(f"/photos/{photo.id}").status_code == 404
    login_as("archivist", institutions=[photo.institution])
    assert client.get(f"/photos/{photo.id}").status_code == 200


def test_photo_images_are_served_without_exif_and_cached(client) -> None:
    collection = make_collection()
    db.session.commit()
    photo = add_photo(collection=collection, identifier="MPL-1", title="A street", image_data=_jpeg(2400, 1200))

    with client.get(f"/media/photos/{photo.id}/thumb.jpg") as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert "immutable" in response.headers["Cache-Control"]
        thumb = Image.open(io.BytesIO(response.data))
    assert thumb.size == (400, 200)
    assert not thumb.getexif()
    with client.get(f"/media/photos/{photo.id}/display.jpg") as response:
        assert Image.open(io.BytesIO(response.data)).size == (1600, 800)
    assert client.get(f"/media/photos/{photo.id}/original.jpg").status_code == 404


def test_search_finds_titles_and_approved_names_but_not_pending_ones(client) -> None:
    match_title = make_photo(title="Harbour at dawn")
    named = make_photo(title="Two men on a pier")
    person = make_authority(kind="person", heading="Müller, Anna, 1902-1988")
    make_identification(photo=named, kind="person", authority=person, state="approved")
    pending = make_photo(title="Unnamed group")
    make_identification(photo=pending, kind="person", text_value="Anna Muller")
    db.session.commit()

    page = client.get("/search?q=harbour").get_data(as_text=True)
    assert "Harbour at dawn" in page and "1 photo found" in page
    page = client.get("/search?q=muller").get_data(as_text=True)  # accents and case ignored
    assert "Two men on a pier" in page and "Unnamed group" not in page
    assert match_title.title not in page
    too_long = client.get("/search?q=" + "x" * 300)
    assert too_long.status_code == 400 and "at most 200 characters" in too_long.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/login", "/register"])
def test_pages_send_security_headers_and_no_inline_script(client, path) -> None:
    response = client.get(path)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)


def test_an_unknown_page_gets_a_friendly_404(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_titles_are_escaped(client) -> None:
    photo = make_photo(title='<script>alert("x")</script>')
    db.session.commit()
    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page


def test_an_id_too_large_for_the_database_is_not_found_not_an_error(client) -> None:
    huge = "9" * 25
    for path in (f"/photos/{huge}", f"/iiif/3/{huge}/info.json", f"/media/photos/{huge}/display.jpg", f"/api/annotations/{huge}"):
        assert client.get(path).status_code == 404, path


def test_a_page_number_in_unusual_digits_is_a_clear_400_not_an_error(client) -> None:
    collection = make_collection(is_published=True)
    make_photo(collection=collection)  # an empty collection is not listed, so it would be a 404 whatever the page
    db.session.commit()
    assert client.get(f"/collections/{collection.slug}").status_code == 200
    for path in (f"/collections/{collection.slug}?page=²", "/help?page=²", "/browse/recent?page=²"):
        response = client.get(path)
        assert response.status_code == 400, path


def test_links_follow_the_address_the_site_is_served_under(client) -> None:
    """A site served under a path (a proxy's /photoid/) links within it, and the same page asked for
    at the root links at the root: links a template built once are not reused across addresses."""
    photo = make_photo(title="Harbour at dusk")
    db.session.commit()
    plain = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    under = client.get(f"/photos/{photo.id}", base_url="http://localhost/photoid/").get_data(as_text=True)
    again = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert f'href="/photoid/collections/{photo.collection.slug}"' in under
    assert 'href="/photoid/static/css/site.css?v=' in under
    for page in (plain, again):
        assert f'href="/collections/{photo.collection.slug}"' in page and "/photoid/" not in page
