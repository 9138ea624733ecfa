"""Who may change a person, place or event: the institutions whose photos use it, and whose audit log shows it."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from photoid.authorities.models import AuthorityRecord
from photoid.contributions.models import Identification
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from tests.factories import make_authority, make_collection, make_identification, make_institution, make_photo, make_user
from tests.web.pages import parse as _doc, sign_in, text as _text


def buttons(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [_text(b) for b in _doc(response).xpath("//main//button | //form//button")]


def log_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    tables = _doc(response).xpath("//table")
    if not tables:
        return []
    headings = [_text(th) for th in tables[0].xpath(".//thead//th")]
    return [dict(zip(headings, (_text(c) for c in tr.xpath("./th|./td")), strict=True))
            for tr in tables[0].xpath(".//tbody/tr")]


def token(client, path: str) -> str:  # type: ignore[no-untyped-def]
    return _doc(client.get(path)).xpath("//input[@name='csrf_token']/@value")[0]


@pytest.fixture
def libraries(db_session):  # type: ignore[no-untyped-def]
    """Millbrook and Harbor, an archivist of each, and records used by one, by both, and by none."""
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    harbor = make_institution(slug="harbor", name="Harbor Archives")
    mill_photo = make_photo(collection=make_collection(institution=mill), title="Mill opening")
    harbor_photo = make_photo(collection=make_collection(institution=harbor), title="Harbor regatta")
    mill_only = make_authority(heading="Whitcomb, Harold", status="proposed")
    mill_twin = make_authority(heading="Whitcomb, Hal")
    shared = make_authority(heading="Pratt, Ezra")
    unused = make_authority(heading="Nobody, Yet")
    make_identification(photo=mill_photo, authority=mill_only, state="approved")
    make_identification(photo=mill_photo, authority=mill_twin, state="approved")
    make_identification(photo=mill_photo, authority=shared, state="approved")
    make_identification(photo=harbor_photo, authority=shared, state="approved")
    # a rejected claim does not make Harbor a user of Millbrook's record
    make_identification(photo=harbor_photo, authority=mill_only, state="rejected", review_note="Not him.")
    ann = make_user(role="archivist", display_name="Ann Mill", institutions=[mill])
    bob = make_user(role="archivist", display_name="Bob Harbor", institutions=[harbor])
    admin = make_user(role="admin", display_name="Ada Admin")
    db.session.commit()
    return {"mill": mill, "harbor": harbor, "mill_only": mill_only, "mill_twin": mill_twin, "shared": shared,
            "unused": unused, "ann": ann, "bob": bob, "admin": admin}


def test_an_archivist_cannot_edit_accept_or_merge_a_record_only_another_institution_uses(client, libraries) -> None:
    record, unused = libraries["mill_only"], libraries["unused"]
    sign_in(client, libraries["bob"])
    page = client.get(f"/authorities/{record.id}/edit")
    assert page.status_code == 200
    assert "Only archivists of Millbrook Library or an admin can change" in _text(_doc(page))
    assert "Save changes" not in buttons(page) and "Accept this record" not in buttons(page)
    assert not _doc(page).xpath("//a[contains(., 'merge it into that one')]")
    csrf = token(client, f"/authorities/{unused.id}/edit")

    edited = client.post(f"/authorities/{record.id}/edit", data={"csrf_token": csrf, "heading": "Vandalised"})
    assert edited.status_code == 403 and "Millbrook Library" in _text(_doc(edited))
    accepted = client.post(f"/authorities/{record.id}/accept", data={"csrf_token": csrf})
    assert accepted.status_code == 403
    assert client.get(f"/authorities/{record.id}/merge").status_code == 403
    merged_away = client.post(f"/authorities/{record.id}/merge", data={"csrf_token": csrf, "into": str(unused.id)})
    assert merged_away.status_code == 403
    # a merge needs both records: an open one cannot swallow Millbrook's either
    swallowed = client.post(f"/authorities/{unused.id}/merge", data={"csrf_token": csrf, "into": str(record.id)})
    assert swallowed.status_code == 403 and "Millbrook Library" in _text(_doc(swallowed))
    choose = _doc(client.get(f"/authorities/{unused.id}/merge?q=whitcomb"))
    assert not choose.xpath("//a[@aria-label='Merge into Whitcomb, Harold']")

    db.session.expire_all()
    again = db.session.get(AuthorityRecord, record.id)
    assert (again.heading, again.status, again.merged_into_id) == ("Whitcomb, Harold", "proposed", None)
    assert db.session.get(AuthorityRecord, unused.id).merged_into_id is None
    assert db.session.scalar(select(func.count(ModerationEvent.id))) == 0


def test_its_own_archivist_and_an_admin_may_change_it(client, libraries) -> None:
    record = libraries["mill_only"]
    for user, heading in ((libraries["ann"], "Whitcomb, Harold J."), (libraries["admin"], "Whitcomb, Harold James")):
        sign_in(client, user)
        page = client.get(f"/authorities/{record.id}/edit")
        assert "Save changes" in buttons(page)
        saved = client.post(f"/authorities/{record.id}/edit", data={"csrf_token": token(client, f"/authorities/{record.id}/edit"),
                                                                   "heading": heading})
        assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(AuthorityRecord, record.id).heading == "Whitcomb, Harold James"


def test_a_record_no_photo_uses_is_open_to_any_archivist(client, libraries) -> None:
    unused = libraries["unused"]
    sign_in(client, libraries["bob"])
    saved = client.post(f"/authorities/{unused.id}/edit", data={"csrf_token": token(client, f"/authorities/{unused.id}/edit"),
                                                               "heading": "Somebody, Now"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(AuthorityRecord, unused.id).heading == "Somebody, Now"


def test_an_edit_of_a_shared_record_shows_in_each_institutions_audit_log(client, libraries) -> None:
    shared = libraries["shared"]
    sign_in(client, libraries["ann"])
    saved = client.post(f"/authorities/{shared.id}/edit", data={"csrf_token": token(client, f"/authorities/{shared.id}/edit"),
                                                               "heading": "Pratt, Ezra, 1850-1920"})
    assert saved.status_code == 302

    for user in (libraries["bob"], libraries["ann"]):
        sign_in(client, user)
        rows = log_rows(client.get("/moderation/log"))
        assert [(r["Who"], r["Action"]) for r in rows] == [("Ann Mill", "Edited a record")], user.display_name
        assert "Pratt, Ezra, 1850-1920" in rows[0]["What"]
    sign_in(client, libraries["bob"])
    filtered = log_rows(client.get(f"/moderation/log?institution={libraries['harbor'].id}"))
    assert [r["Action"] for r in filtered] == ["Edited a record"]
    sheet = list(csv.DictReader(io.StringIO(client.get("/moderation/log.csv", buffered=True).get_data(as_text=True))))
    assert [r["Institution"] for r in sheet] == ["Harbor Archives; Millbrook Library"]
    # and Harbor's archivist may edit it too
    assert client.post(f"/authorities/{shared.id}/edit", data={"csrf_token": token(client, f"/authorities/{shared.id}/edit"),
                                                              "heading": "Pratt, Ezra"}).status_code == 302


def test_a_merge_needs_both_records_and_shows_in_every_log_its_photos_concern(client, libraries) -> None:
    twin, shared = libraries["mill_twin"], libraries["shared"]
    sign_in(client, libraries["ann"])
    merged = client.post(f"/authorities/{twin.id}/merge", data={"csrf_token": token(client, f"/authorities/{twin.id}/edit"),
                                                               "into": str(shared.id)})
    assert merged.status_code == 302
    sign_in(client, libraries["bob"])
    assert [r["Action"] for r in log_rows(client.get("/moderation/log"))] == ["Merged two records"]


def test_only_who_may_change_both_records_may_undo_a_merge(client, libraries) -> None:
    from photoid.authorities.service import merge

    twin, record = libraries["mill_twin"], libraries["mill_only"]
    event = merge(twin, record, editor=libraries["ann"])
    claim = db.session.scalar(select(Identification.id).where(Identification.authority_id == record.id,
                                                              Identification.state == "approved").limit(1))
    sign_in(client, libraries["bob"])
    page = client.get(f"/authorities/{record.id}/edit")
    assert not [b for b in buttons(page) if b.startswith("Undo the merge")]
    undone = client.post(f"/authorities/merges/{event.id}/undo", data={"csrf_token": token(client, f"/authorities/{record.id}/edit")})
    assert undone.status_code == 403
    db.session.expire_all()
    assert db.session.get(AuthorityRecord, twin.id).merged_into_id == record.id
    assert db.session.get(Identification, claim).authority_id == record.id

    sign_in(client, libraries["ann"])
    assert "Undo the merge of “Whitcomb, Hal”" in buttons(client.get(f"/authorities/{record.id}/edit"))


def test_the_service_refuses_too(libraries) -> None:
    from photoid.authorities import service

    with pytest.raises(service.AuthorityForbidden, match="Millbrook Library"):
        service.update_record(libraries["mill_only"], service.RecordChanges(heading="X"), editor=libraries["bob"])
    with pytest.raises(service.AuthorityForbidden):
        service.merge(libraries["unused"], libraries["mill_only"], editor=libraries["bob"])
    db.session.rollback()
    assert db.session.get(AuthorityRecord, libraries["mill_only"].id).heading == "Whitcomb, Harold"
