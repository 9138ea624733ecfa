"""Names and headings are cleaned where they enter: a tab or line break typed by a patron or an archivist
becomes a space, so it never reaches a catalog record (marc-lint: "invalid control character")."""
from __future__ import annotations

from photoid.authorities import service as authorities
from photoid.authorities.service import RecordChanges
from photoid.catalog.export import render
from photoid.catalog.records import catalog_records
from photoid.contributions import service as contributions
from photoid.extensions import db
from photoid.moderation import service as moderation
from tests.factories import make_authority, make_identification, make_photo, make_user


def test_a_name_typed_with_tabs_and_line_breaks_is_stored_on_one_line(db_session) -> None:
    identification = contributions.identify(photo=make_photo(), contributor=make_user(), kind="keyword",
                                            name="  brass\tband\r\n  parade ")
    assert identification.text_value == "brass band parade"


def test_headings_an_archivist_types_are_stored_on_one_line(db_session) -> None:
    photo = make_photo()
    archivist = make_user(role="archivist", institutions=[photo.institution])
    claim = make_identification(photo=photo, text_value="John Smith")
    record = make_authority(heading="Hale, Dorothy")
    db.session.commit()
    corrected = moderation.approve_with_changes(claim, moderator=archivist, new_heading="Smith,\tJohn,\n1890-1962")
    assert corrected.authority.heading == "Smith, John, 1890-1962"
    authorities.update_record(record, RecordChanges(heading="Hale,\tDorothy\n", add_variants=["Dot\nHale"]),
                              editor=archivist)
    assert record.heading == "Hale, Dorothy" and [v.name for v in record.variants] == ["Dot Hale"]
    marcxml = b"".join(render("marcxml", catalog_records([photo.id], base_url="https://photos.example.org")))
    assert b"Smith, John," in marcxml and b"\t" not in marcxml
