"""Institution pages as people use them: an admin adds an institution and fills in its public page
(logo included); visitors read it, find its collections and campaigns, and reach it from
collections, photos and the list of institutions. Controls are found by their labels."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.photos.models import Institution
from tests.factories import make_campaign, make_collection, make_institution, make_photo, make_user
from tests.web.test_admin_pages import _doc, _initial_values, _text, alert, button_form, labelled, page_text, press


def png(size: tuple[int, int] = (800, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "PNG")
    return out.getvalue()


def press_with_file(client, page, button: str, fill: dict[str, str], files: dict[str, tuple[bytes, str]]):  # type: ignore[no-untyped-def]
    """Like ``press``, with files chosen in the file inputs labelled as in ``files``."""
    form = button_form(_doc(page), button)
    values = dict(_initial_values(form))
    for label, value in fill.items():
        values[labelled(form, label).get("name")] = value
    data: dict[str, object] = dict(values)
    for label, (content, name) in files.items():
        data[labelled(form, label).get("name")] = (io.BytesIO(content), name)
    return client.post(form.get("action"), data=data, content_type="multipart/form-data")


def institution(slug: str) -> Institution | None:
    db.session.expire_all()
    return db.session.scalar(select(Institution).where(Institution.slug == slug))


# --- creating ------------------------------------------------------------------------------------

def test_an_admin_adds_a_consortium_and_a_member_that_visitors_then_find(client, login_as) -> None:
    login_as("admin")
    listing = _doc(client.get("/admin/institutions"))
    add = [a.get("href") for a in listing.xpath("//main//a") if _text(a) == "Add an institution"][0]

    made = press(client, client.get(add), "Create institution", {
        "Name": "Valley Libraries", "Short name for addresses": "valley", "This is a consortium": True})
    assert made.status_code == 302 and made.headers["Location"].endswith("/admin/institutions/valley")
    assert "Valley Libraries is created" in page_text(client.get(made.headers["Location"]))
    member = press(client, client.get(add), "Create institution", {
        "Name": "Millbrook Library", "Short name for addresses": "millbrook", "Member of": "valley"})
    assert member.status_code == 302

    public = _doc(client.get("/institutions"))
    consortium_item = [li for li in public.xpath("//main//li") if _text(li).startswith("Valley Libraries")][0]
    assert [_text(a) for a in consortium_item.xpath(".//ul//a")] == ["Millbrook Library"]
    page = _doc(client.get("/institutions/valley"))
    assert [a.get("href") for a in page.xpath("//section[h2='Members']//a")] == ["/institutions/millbrook"]
    assert "A member of Valley Libraries" in _text(_doc(client.get("/institutions/millbrook")).xpath("//main")[0])
    assert [e.after["slug"] for e in db.session.scalars(
        select(ModerationEvent).where(ModerationEvent.action == "create_institution"))] == ["valley", "millbrook"]


def test_bad_fields_are_each_explained_and_what_was_typed_is_kept(client, login_as) -> None:
    make_institution(slug="harbor", name="Harbor Archives")
    db.session.commit()
    login_as("admin")

    response = press(client, client.get("/admin/institutions/new"), "Create institution", {
        "Name": "Old Mill Museum", "Short name for addresses": "Old Mill!"})
    taken = press(client, client.get("/admin/institutions/new"), "Create institution", {
        "Name": "", "Short name for addresses": "harbor"})

    assert response.status_code == 400
    assert "was not created" in alert(response)
    doc = _doc(response)
    assert labelled(doc, "Name").get("value") == "Old Mill Museum"
    assert labelled(doc, "Short name for addresses").get("value") == "Old Mill!"
    assert "lowercase letters, digits and hyphens" in _text(doc.xpath("//p[@class='error']")[0])
    assert labelled(doc, "Short name for addresses").get("aria-invalid") == "true"
    assert taken.status_code == 400
    messages = " ".join(_text(p) for p in _doc(taken).xpath("//p[@class='error']"))
    assert "Please give the institution's name" in messages and "“harbor” is already used" in messages
    assert institution("old-mill") is None


def test_the_new_and_the_edit_pages_are_for_admins_only(client, login_as) -> None:
    mill = make_institution(slug="millbrook")
    db.session.commit()
    login_as("archivist", institutions=[mill])
    assert client.get("/admin/institutions/new").status_code == 403


# --- the public page -----------------------------------------------------------------------------

@pytest.fixture
def mill(db_session) -> Institution:  # type: ignore[no-untyped-def]
    found = make_institution(slug="millbrook", name="Millbrook Library")
    db.session.commit()
    return found


def test_an_admin_fills_in_the_public_page_with_a_logo_and_visitors_see_it(client, login_as, app, mill) -> None:
    login_as("admin")
    page = client.get("/admin/institutions/millbrook")

    response = press_with_file(client, page, "Save public page", {
        "Name": "Millbrook Public Library",
        "Description": "We keep the photographs of the town.\r\n\r\nVisit us on Tuesdays.",
        "Website": "https://millbrook.example.org/",
        "Contact email address": "history@millbrook.example.org",
    }, {"Logo": (png(), "logo.png")})

    assert response.status_code == 302
    assert "The public page of Millbrook Public Library is saved" in page_text(client.get(response.headers["Location"]))
    visitor = app.test_client()
    public = _doc(visitor.get("/institutions/millbrook"))
    main = _text(public.xpath("//main")[0])
    assert public.xpath("//h1")[0].text_content() == "Millbrook Public Library"
    assert [_text(p) for p in public.xpath("//main/p")][:2] == ["We keep the photographs of the town.", "Visit us on Tuesdays."]
    links = {_text(a): a.get("href") for a in public.xpath("//main//a")}
    assert links["Website of Millbrook Public Library"] == "https://millbrook.example.org/"
    assert links["history@millbrook.example.org"] == "mailto:history@millbrook.example.org"
    assert "Invite an archivist" not in main
    logo = visitor.get(public.xpath("//img[contains(@class, 'institution-logo')]")[0].get("src"), buffered=True)
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert "immutable" in logo.headers["Cache-Control"]
    with Image.open(io.BytesIO(logo.data)) as stored:
        assert stored.size == (400, 200)
    assert "max-age=3600" in visitor.get("/institutions/millbrook/logo.png", buffered=True).headers["Cache-Control"]
    [event] = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "edit_institution"))
    assert event.institution_id == mill.id and event.after["name"] == "Millbrook Public Library"


def test_a_bad_logo_and_a_bad_website_are_explained_and_the_typed_text_is_kept(client, login_as, mill) -> None:
    login_as("admin")
    response = press_with_file(client, client.get("/admin/institutions/millbrook"), "Save public page", {
        "Description": "Our story", "Website": "javascript:alert(1)", "Contact email address": "nobody",
    }, {"Logo": (b"%PDF-1.4 not a picture", "logo.pdf")})

    assert response.status_code == 400
    doc = _doc(response)
    messages = " ".join(_text(p) for p in doc.xpath("//p[@class='error']"))
    assert "must be a PNG, JPEG or WebP image" in messages
    assert "must be a full address starting with https://" in messages
    assert "not a valid email address" in messages
    assert labelled(doc, "Website").get("value") == "javascript:alert(1)"
    assert "Our story" in labelled(doc, "Description").text_content()
    found = institution("millbrook")
    assert found is not None and found.description == "" and found.logo_key is None


def test_the_short_name_is_offered_until_there_are_photos(client, login_as, mill) -> None:
    login_as("admin")
    renamed = press(client, client.get("/admin/institutions/millbrook"), "Save public page",
                    {"Short name for addresses": "millbrook-library"})
    assert renamed.headers["Location"].endswith("/admin/institutions/millbrook-library")
    make_photo(collection=make_collection(institution=institution("millbrook-library")))
    db.session.commit()

    page = client.get("/admin/institutions/millbrook-library")
    assert "It cannot change any more" in page_text(page)
    with pytest.raises(AssertionError, match="no control labelled"):
        labelled(_doc(page), "Short name for addresses")
    assert client.get("/institutions/millbrook").status_code == 404


def test_the_page_lists_public_collections_and_campaigns_only(client, mill) -> None:
    shown = make_collection(institution=mill, title="Main Street", slug="main-street")
    make_photo(collection=shown)
    make_collection(institution=mill, title="Empty Shelf")
    withdrawn = make_collection(institution=mill, title="Withdrawn Box", is_published=False)
    make_photo(collection=withdrawn)
    unpublished_photos = make_collection(institution=mill, title="Backlog")
    make_photo(collection=unpublished_photos, is_published=False)
    make_campaign(institution=mill, photos=[make_photo(collection=shown)], title="Who ran the mill?")
    make_campaign(institution=mill, photos=[make_photo(collection=shown)], title="Secret draft", is_published=False)
    db.session.commit()

    doc = _doc(client.get("/institutions/millbrook"))

    assert [_text(h) for h in doc.xpath("//section[h2='Collections']//h3")] == ["Main Street"]
    assert [_text(h) for h in doc.xpath("//section[h2='Campaigns']//h3")] == ["Who ran the mill?"]
    assert [int(h.tag[1]) for h in doc.xpath("//main//*[self::h1 or self::h2 or self::h3]")][:2] == [1, 2]


def test_collections_photos_and_the_footer_lead_to_institution_pages(client, mill) -> None:
    collection = make_collection(institution=mill, slug="main-street")
    photo = make_photo(collection=collection)
    db.session.commit()

    from_collection = _doc(client.get("/collections/main-street"))
    from_photo = _doc(client.get(f"/photos/{photo.id}"))
    home = _doc(client.get("/"))

    assert [a.get("href") for a in from_collection.xpath("//main//a") if _text(a) == "Millbrook Library"] == ["/institutions/millbrook"]
    assert "From Millbrook Library" in _text(from_collection.xpath("//main")[0])
    assert [a.get("href") for a in from_photo.xpath("//main//a") if _text(a) == "Millbrook Library"] == ["/institutions/millbrook"]
    assert [a.get("href") for a in home.xpath("//footer//a") if _text(a) == "Our libraries and archives"] == ["/institutions"]


def test_an_unknown_institution_and_a_missing_logo_are_not_found(client, mill) -> None:
    assert client.get("/institutions/nowhere").status_code == 404
    assert client.get("/institutions/millbrook/logo.png").status_code == 404


def test_only_its_staff_see_the_invite_form(client, login_as, mill, app) -> None:
    harbor = make_institution(slug="harbor")
    db.session.commit()
    assert "Invite an archivist" not in page_text(client.get("/institutions/millbrook"))
    login_as("archivist", institutions=[harbor])
    assert "Invite an archivist" not in page_text(client.get("/institutions/millbrook"))
    login_as("archivist", institutions=[mill])
    doc = _doc(client.get("/institutions/millbrook"))
    assert labelled(doc, "Email address of the new archivist") is not None
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = make_user(role="admin").login_id
    db.session.commit()
    assert "Invite an archivist" in page_text(other.get("/institutions/millbrook"))
