"""Institution use cases: creating one (from the shell or as an admin) and editing its public page,
logo included. Every change is audited; refused values save nothing."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from photoid.admin import institutions as service
from photoid.admin.institutions import InstitutionError
from photoid.admin.logo import LOGO_SIZE, LogoRejected, make_logo
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.photos.models import Institution
from photoid.photos.service import storage
from tests.factories import make_collection, make_institution, make_photo, make_user


def _events(action: str) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == action)
                                   .order_by(ModerationEvent.id)))


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (1200, 600), mode: str = "RGB", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "navy" if mode == "RGB" else None).save(out, kind, **save)
    return out.getvalue()


# --- creating ------------------------------------------------------------------------------------

def test_an_admin_creates_a_consortium_and_a_member_and_both_are_audited(app) -> None:
    admin = make_user(role="admin")
    db.session.commit()

    consortium = service.create_institution(slug="valley-libraries", name="Valley Libraries", is_consortium=True,
                                            actor=admin)
    member = service.create_institution(slug="millbrook", name="  Millbrook   Library ", member_of="valley-libraries",
                                        actor=admin)

    db.session.expire_all()
    assert member.name == "Millbrook Library"
    assert member.parent_id == consortium.id and consortium.members == [member]
    created = _events("create_institution")
    assert [(e.actor_id, e.institution_id, e.after["slug"]) for e in created] == [
        (admin.id, consortium.id, "valley-libraries"), (admin.id, member.id, "millbrook")]
    assert created[1].after["member_of"] == "valley-libraries" and created[1].before is None


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"slug": "Mill Brook"}, "slug", "lowercase letters, digits and hyphens"),
    ({"slug": "m"}, "slug", "2 to 64 characters"),
    ({"slug": "x" * 65}, "slug", "2 to 64 characters"),
    ({"slug": "new"}, "slug", "uses in its own addresses"),
    ({"slug": "taken"}, "slug", "already used"),
    ({"name": "   "}, "name", "give the institution's name"),
    ({"name": "n" * 201}, "name", "at most 200"),
    ({"member_of": "taken"}, "member_of", "no consortium"),
    ({"member_of": "nowhere"}, "member_of", "no consortium"),
    ({"website": "javascript:alert(1)"}, "website", "https://"),
    ({"website": "library.example.org"}, "website", "https://"),
    ({"contact_email": "not an address"}, "contact_email", "not a valid email"),
    ({"description": "d" * 5001}, "description", "at most 5,000"),
])
def test_each_bad_field_is_refused_with_its_own_message_and_nothing_is_saved(app, fields, field, words) -> None:
    make_institution(slug="taken", name="Taken Library")
    admin = make_user(role="admin")
    db.session.commit()
    values = {"slug": "fresh", "name": "Fresh Library", **fields}

    with pytest.raises(InstitutionError) as refused:
        service.create_institution(**values, actor=admin)

    assert list(refused.value.errors) == [field]
    assert words in refused.value.errors[field]
    assert db.session.scalar(select(Institution).where(Institution.slug == "fresh")) is None
    assert not _events("create_institution")


def test_a_consortium_cannot_be_a_member_of_another(app) -> None:
    service.create_institution(slug="valley", name="Valley", is_consortium=True)
    with pytest.raises(InstitutionError, match="cannot itself be a member"):
        service.create_institution(slug="hills", name="Hills", is_consortium=True, member_of="valley")


def test_only_an_admin_may_create_one(app) -> None:
    archivist = make_user(role="archivist", institutions=[make_institution()])
    db.session.commit()
    with pytest.raises(InstitutionError, match="Only an administrator"):
        service.create_institution(slug="fresh", name="Fresh", actor=archivist)


def test_the_command_creates_institutions_and_explains_a_refusal(app) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-institution", "valley", "--name", "Valley Libraries", "--consortium"])
    member = runner.invoke(args=["create-institution", "millbrook", "--name", "Millbrook Library", "--member-of", "valley"])
    refused = runner.invoke(args=["create-institution", "millbrook", "--name", "Again"])

    assert made.exit_code == 0, made.output
    assert "Created the consortium Valley Libraries (valley)" in made.output
    assert member.exit_code == 0 and "a member of Valley Libraries" in member.output
    assert refused.exit_code != 0 and "already used" in refused.output
    db.session.expire_all()
    mill = db.session.scalar(select(Institution).where(Institution.slug == "millbrook"))
    assert mill is not None and mill.parent.slug == "valley"
    assert [e.actor_id for e in _events("create_institution")] == [None, None]


# --- the public page -----------------------------------------------------------------------------

def _profile(**changes: object) -> dict[str, object]:
    return {"name": "Millbrook Library", "description": "", "website": "", "contact_email": "", **changes}


def test_editing_the_public_page_records_only_what_changed(app) -> None:
    admin = make_user(role="admin")
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    db.session.commit()

    changed = service.update_profile(mill, **_profile(
        description="We keep the town's history.\r\n\r\nOpen Tuesdays.", website="https://millbrook.example.org/",
        contact_email="History@Millbrook.example.org"), actor=admin)
    unchanged = service.update_profile(mill, **_profile(
        description="We keep the town's history.\n\nOpen Tuesdays.", website="https://millbrook.example.org/",
        contact_email="History@millbrook.example.org"), actor=admin)

    assert (changed, unchanged) == (True, False)
    db.session.expire_all()
    assert mill.description == "We keep the town's history.\n\nOpen Tuesdays."
    assert mill.contact_email == "History@millbrook.example.org"
    [event] = _events("edit_institution")
    assert event.institution_id == mill.id
    assert event.before == {"description": "", "website": "", "contact_email": ""}
    assert event.after["website"] == "https://millbrook.example.org/"


def test_the_slug_can_change_until_the_institution_has_photos(app) -> None:
    admin = make_user(role="admin")
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    db.session.commit()

    assert service.update_profile(mill, **_profile(), slug="millbrook-library", actor=admin)
    make_photo(collection=make_collection(institution=mill))
    db.session.commit()
    with pytest.raises(InstitutionError) as refused:
        service.update_profile(mill, **_profile(), slug="mill", actor=admin)

    assert "cannot change once the institution has photos" in refused.value.errors["slug"]
    db.session.expire_all()
    assert mill.slug == "millbrook-library"
    [event] = _events("edit_institution")
    assert (event.before, event.after) == ({"slug": "millbrook"}, {"slug": "millbrook-library"})


def test_a_logo_is_stored_as_a_small_png_and_replacing_it_removes_the_old_file(app) -> None:
    admin = make_user(role="admin")
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    db.session.commit()

    service.update_profile(mill, **_profile(), logo=image_bytes("JPEG", (1600, 800)), actor=admin)
    first = service.stored_logo(mill)
    assert first is not None
    with storage().open(first) as file, Image.open(file) as stored:
        assert (stored.format, stored.size) == ("PNG", (LOGO_SIZE, LOGO_SIZE // 2))

    service.update_profile(mill, **_profile(), logo=image_bytes("WEBP", (100, 50)), actor=admin)
    second = service.stored_logo(mill)
    assert second is not None and second != first and not storage().exists(first)
    service.update_profile(mill, **_profile(), remove_logo=True, actor=admin)
    assert mill.logo_key is None and not storage().exists(second)
    assert [e.after for e in _events("edit_institution")][-1] == {"logo": None}


def test_a_bad_logo_is_refused_and_nothing_is_written(app) -> None:
    admin = make_user(role="admin")
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    db.session.commit()
    with pytest.raises(InstitutionError) as refused:
        service.update_profile(mill, **_profile(name="Renamed"), logo=b"GIF89a" + b"\x00" * 40, actor=admin)
    assert refused.value.errors == {"logo": "A logo must be a PNG, JPEG or WebP image."}
    db.session.expire_all()
    assert mill.name == "Millbrook Library" and mill.logo_key is None
    assert not (Path(app.config["UPLOAD_DIR"]) / "institutions").exists()


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024), "larger than 2 MB"),
    (image_bytes("TIFF", (10, 10)), "PNG, JPEG or WebP"),
    (image_bytes("PNG", (40, 40))[:60], "damaged"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "PNG, JPEG or WebP"),
])
def test_logo_checks(data: bytes, words: str) -> None:
    with pytest.raises(LogoRejected, match=words):
        make_logo(data)


def test_a_transparent_logo_keeps_its_transparency_and_loses_its_metadata() -> None:
    out = io.BytesIO()
    image = Image.new("RGBA", (50, 20), (0, 0, 0, 0))
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("Author", "someone@example.org")
    image.save(out, "PNG", pnginfo=info)
    with Image.open(io.BytesIO(make_logo(out.getvalue()))) as logo:
        assert logo.mode == "RGBA" and logo.size == (50, 20)
        assert "Author" not in logo.info
