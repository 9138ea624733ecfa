"""``photoid faces``: enable, detect (resumable), suggest, disable and purge; and face encodings
never leave the database (exports, OAI-PMH, IIIF, the annotations API, a patron's data download)."""
from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from photoid.catalog.export import EXPORT_FORMATS, start_export, stream_export
from photoid.contributions import service as contributions
from photoid.contributions.service import Region
from photoid.extensions import db
from photoid.faces import queries
from photoid.faces.models import Face, FaceScan
from photoid.moderation import service as moderation
from photoid.moderation.models import ModerationEvent
from photoid.photos.models import Institution, Photo
from photoid.photos.service import add_photo
from tests.factories import make_authority, make_collection, make_institution, make_user

FACES = Path(__file__).parent.parent / "fixtures" / "faces"


def ingest(collection, name: str) -> Photo:
    return add_photo(collection=collection, image_data=(FACES / f"{name}.jpg").read_bytes(), identifier=name, title=name)


def faces_count(**where) -> int:  # type: ignore[no-untyped-def]
    query = select(func.count()).select_from(Face)
    if where.get("encoded"):
        query = query.where(Face.encoding.is_not(None))
    return int(db.session.scalar(query) or 0)


@pytest.fixture
def archive(app, db_session):  # type: ignore[no-untyped-def]
    """Photos catalogued while face assistance was off (as every institution starts)."""
    institution = make_institution(slug="county", name="County Library")
    collection = make_collection(institution=institution, slug="portraits")
    db.session.commit()
    photos = {name: ingest(collection, name) for name in ("obama", "obama2", "biden")}
    return app.test_cli_runner(), institution, photos


def test_face_assistance_is_off_until_enabled_then_detect_scans_each_photo_once(archive) -> None:
    runner, institution, photos = archive
    assert faces_count() == 0  # off by default: ingest found nothing

    result = runner.invoke(args=["faces", "detect"])
    assert result.exit_code == 0 and "Nothing to scan" in result.output

    result = runner.invoke(args=["faces", "enable", "--institution", "county"])
    assert result.exit_code == 0, result.output
    assert "County Library: detection on, matching off, patrons see matches off." in result.output
    assert "3 photos are still to scan: run `photoid faces detect`." in result.output

    result = runner.invoke(args=["faces", "detect", "--collection", "portraits"])
    assert result.exit_code == 0, result.output
    assert "Scanned 3 photos: 3 faces found." in result.output
    assert faces_count() == 3 and faces_count(encoded=True) == 0  # matching off: no encodings

    again = runner.invoke(args=["faces", "detect"])
    assert "Nothing to scan" in again.output  # resumable: what was scanned is not scanned again

    runner.invoke(args=["faces", "enable", "--institution", "county", "--matching"])
    result = runner.invoke(args=["faces", "detect"])
    assert "Scanned 3 photos: 3 faces found." in result.output  # scanned again, for their encodings
    assert faces_count(encoded=True) == 3


def test_suggest_prints_one_line_per_face_and_candidate(archive) -> None:
    runner, institution, photos = archive
    runner.invoke(args=["faces", "enable", "--institution", "county", "--matching"])
    runner.invoke(args=["faces", "detect"])
    person = make_authority(heading="Obama, Barack")
    archivist = make_user(role="archivist", institutions=[institution])
    patron = make_user()
    db.session.commit()
    [face] = queries.faces_of(photos["obama"])
    named = contributions.identify(photo=photos["obama"], contributor=patron, kind="person", authority_id=person.id,
                                   region=Region(face.x, face.y, face.w, face.h))
    moderation.approve(named, moderator=archivist)

    result = runner.invoke(args=["faces", "suggest", str(photos["obama2"].id)])
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    [other_face] = queries.faces_of(photos["obama2"])
    match = re.fullmatch(rf"face {other_face.id}\tx=0\.\d+ y=0\.\d+ w=0\.\d+ h=0\.\d+\tperson {person.id}\tObama, Barack\t(0\.\d+)", line)
    assert match and float(match[1]) < 0.5

    [nobody] = runner.invoke(args=["faces", "suggest", str(photos["biden"].id)]).output.splitlines()
    assert nobody.endswith("\t-\tno one near enough\t-")
    assert "has no unnamed faces" in runner.invoke(args=["faces", "suggest", str(photos["obama"].id)]).output


def test_the_commands_refuse_what_they_cannot_do_with_a_message(archive) -> None:
    runner, _institution, photos = archive
    for args, message in (
        (["faces", "suggest", "999999"], "No photo 999999."),
        (["faces", "suggest", str(photos["obama"].id)], "Face matching is off for County Library"),
        (["faces", "enable", "--institution", "nowhere"], "No institution 'nowhere'."),
        (["faces", "purge", "--institution", "nowhere"], "No institution 'nowhere'."),
        (["faces", "detect", "--collection", "nowhere"], "No collection 'nowhere'."),
        (["faces", "detect", "--collection", "portraits"], "Face detection is off for County Library"),
        (["faces", "enable", "--institution", "county", "--patrons-see-matches"], "--patrons-see-matches needs --matching"),
    ):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)


def test_disable_and_purge_delete_the_face_data(archive) -> None:
    runner, institution, _photos = archive
    runner.invoke(args=["faces", "enable", "--institution", "county", "--matching", "--patrons-see-matches"])
    runner.invoke(args=["faces", "detect"])
    assert faces_count(encoded=True) == 3

    result = runner.invoke(args=["faces", "disable", "--institution", "county", "--matching-only"])
    assert "detection on, matching off, patrons see matches off" in result.output
    assert faces_count() == 3 and faces_count(encoded=True) == 0

    runner.invoke(args=["faces", "enable", "--institution", "county", "--matching"])
    result = runner.invoke(args=["faces", "detect"])
    assert "Scanned 3 photos: 3 faces found." in result.output  # matching back on: encodings made again
    assert faces_count(encoded=True) == 3

    result = runner.invoke(args=["faces", "purge", "--institution", "county"])
    assert result.exit_code == 0 and "Deleted 3 faces of County Library's photos." in result.output
    assert faces_count() == 0 and db.session.scalar(select(func.count()).select_from(FaceScan)) == 0
    [event] = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "purge_faces"))
    assert (event.actor_id, event.institution_id, event.before, event.after) == (None, institution.id, {"faces": 3}, {"faces": 0})

    runner.invoke(args=["faces", "detect"])
    result = runner.invoke(args=["faces", "disable", "--institution", "county"])
    assert "detection off, matching off" in result.output
    db.session.expire_all()
    assert faces_count() == 0 and not db.session.get(Institution, institution.id).faces_detection_enabled


def _encoded_forms(encoding: bytes) -> list[str]:
    """The ways an encoding could be written out: its bytes as hex or base64, its first numbers as text."""
    import numpy as np

    numbers = np.frombuffer(encoding, dtype="<f4")
    return [encoding.hex()[:32], base64.b64encode(encoding).decode()[:24], f"{numbers[0]:.6f}", repr(float(numbers[0]))[:10]]


def test_encodings_never_leave_the_database(archive, client, login_as) -> None:
    runner, institution, photos = archive
    runner.invoke(args=["faces", "enable", "--institution", "county", "--matching"])
    runner.invoke(args=["faces", "detect"])
    person = make_authority(heading="Obama, Barack")
    archivist = make_user(role="archivist", institutions=[institution])
    patron = login_as("patron")
    [face] = queries.faces_of(photos["obama"])
    named = contributions.identify(photo=photos["obama"], contributor=patron, kind="person", authority_id=person.id,
                                   region=Region(face.x, face.y, face.w, face.h))
    moderation.approve(named, moderator=archivist)
    encodings = list(db.session.scalars(select(Face.encoding).where(Face.encoding.is_not(None))))
    assert len(encodings) == 3
    forms = [form for encoding in encodings for form in _encoded_forms(encoding)]

    outputs: dict[str, str] = {
        name: b"".join(stream_export(start_export(name), base_url="http://localhost")).decode("utf-8", "replace")
        for name in EXPORT_FORMATS
    }
    photo_id = photos["obama"].id
    for name, url in (("oai", "/oai?verb=ListRecords&metadataPrefix=oai_dc"), ("iiif", f"/iiif/3/{photo_id}/manifest"),
                      ("annotations", f"/api/photos/{photo_id}/annotations"), ("data download", "/account/data.json"),
                      ("photo page", f"/photos/{photo_id}")):
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        outputs[name] = response.get_data(as_text=True)
    assert "Obama, Barack" in outputs["csv"] and "Obama, Barack" in outputs["iiif"]  # the fact itself does go out
    for name, text in outputs.items():
        leaked = [form for form in forms if form in text]
        assert not leaked, (name, leaked)
