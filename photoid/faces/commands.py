"""``photoid faces``: detect faces on existing photos, print a photo's suggestions, switch face
assistance on or off for an institution, and purge its face data."""
from __future__ import annotations

import sys
from collections.abc import Iterator

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from photoid.extensions import db
from photoid.faces import matching, service, settings
from photoid.faces.models import Face
from photoid.photos.models import Collection, Photo


@click.group("faces")
def faces_command() -> None:
    """Face assistance: finding faces, who they may be, and each institution's switches."""


def _institution(slug: str):  # type: ignore[no-untyped-def]
    try:
        return service.institution_by_slug(slug)
    except service.FacesError as error:
        raise click.ClickException(str(error)) from error


@faces_command.command("detect")
@click.option("--collection", "collection_slug", help="Only this collection's photos.")
@with_appcontext
def detect_command(collection_slug: str | None) -> None:
    """Find the faces on photos not scanned yet, of institutions with detection on.

    Each photo is committed on its own: stopped at any point, running it again goes on where it
    stopped. Photos scanned without encodings are scanned again once their institution has matching on.
    """
    collection = None
    if collection_slug:
        collection = db.session.scalar(select(Collection).where(Collection.slug == collection_slug))
        if collection is None:
            raise click.ClickException(f"No collection {collection_slug!r}.")
        if not collection.institution.faces_detection_enabled:
            raise click.ClickException(
                f"Face detection is off for {collection.institution.name}: "
                f"photoid faces enable --institution {collection.institution.slug}")
    total = len(service.photos_to_scan(collection=collection))
    if not total:
        click.echo("Nothing to scan: every photo of an institution with detection on has been scanned.")
        return

    def bar(ids: Iterator[int]) -> Iterator[int]:
        with click.progressbar(ids, length=total, label="Finding faces", show_pos=True, file=sys.stderr) as shown:
            yield from shown

    results = service.detect_all(collection=collection, progress=bar)
    scanned = [r for r in results if r.faces is not None]
    faces = sum(r.faces or 0 for r in scanned)
    skipped = [r for r in results if r.faces is None]
    click.echo(f"Scanned {len(scanned)} photo{'' if len(scanned) == 1 else 's'}: {faces} face{'' if faces == 1 else 's'} found.")
    for result in skipped:
        click.echo(f"Skipped photo {result.photo_id}: {result.reason}.")


def _box(face: Face) -> str:
    return f"x={face.x:.3f} y={face.y:.3f} w={face.w:.3f} h={face.h:.3f}"


@faces_command.command("suggest")
@click.argument("photo_id", type=int)
@with_appcontext
def suggest_command(photo_id: int) -> None:
    """Print who the unnamed faces of PHOTO_ID may be: one line per face and candidate (box, person
    id, heading, distance), nearest first, as staff see them on the photo page and in the queue."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.deleted_at is not None:
        raise click.ClickException(f"No photo {photo_id}.")
    institution = photo.institution
    if not institution.faces_matching_enabled:
        raise click.ClickException(f"Face matching is off for {institution.name}: "
                                   f"photoid faces enable --institution {institution.slug} --matching")
    suggestions = matching.suggestions_for_photo(photo)
    if not suggestions:
        click.echo(f"Photo {photo_id} has no unnamed faces.")
    for face, found in suggestions.items():
        if not found:
            click.echo(f"face {face.id}\t{_box(face)}\t-\tno one near enough\t-")
        for candidate in found:
            click.echo(f"face {face.id}\t{_box(face)}\tperson {candidate.person_id}\t{candidate.heading}\t{candidate.distance:.3f}")


def _switch(slug: str, *, detection: bool, matching_on: bool, patrons: bool) -> None:
    institution = _institution(slug)
    try:
        changed = settings.change_switches(institution, detection=detection, matching=matching_on,
                                           patrons_see_matches=patrons, actor=None)
    except settings.FaceSettingsError as error:
        raise click.ClickException(str(error)) from error
    state = ", ".join(f"{label} {'on' if getattr(institution, name) else 'off'}" for label, name in (
        ("detection", "faces_detection_enabled"), ("matching", "faces_matching_enabled"),
        ("patrons see matches", "faces_patrons_see_matches")))
    click.echo(f"{institution.name}: {state}{'' if changed else ' (unchanged)'}.")
    waiting = len(service.photos_to_scan(institution=institution)) if institution.faces_detection_enabled else 0
    if waiting:
        click.echo(f"{waiting} photo{' is' if waiting == 1 else 's are'} still to scan: run `photoid faces detect`.")


@faces_command.command("enable")
@click.option("--institution", "slug", required=True, help="The institution's slug.")
@click.option("--matching", is_flag=True, help="Also compare faces with approved people (stores encodings).")
@click.option("--patrons-see-matches", is_flag=True, help="Patrons see the suggestions too, not only staff (needs --matching).")
@with_appcontext
def enable_command(slug: str, matching: bool, patrons_see_matches: bool) -> None:
    """Turn face detection on for an institution (and matching, and patrons seeing matches, when asked).

    New photos are scanned as they arrive; run `photoid faces detect` for the photos already there.
    """
    if patrons_see_matches and not matching:
        raise click.UsageError("--patrons-see-matches needs --matching.")
    _switch(slug, detection=True, matching_on=matching, patrons=patrons_see_matches)


@faces_command.command("disable")
@click.option("--institution", "slug", required=True, help="The institution's slug.")
@click.option("--matching-only", is_flag=True, help="Keep detection; turn matching off (its encodings are deleted).")
@with_appcontext
def disable_command(slug: str, matching_only: bool) -> None:
    """Turn face assistance off for an institution: its faces are deleted (with --matching-only,
    only their encodings, and detection stays on)."""
    institution = _institution(slug)
    _switch(slug, detection=matching_only and institution.faces_detection_enabled, matching_on=False, patrons=False)


@faces_command.command("purge")
@click.option("--institution", "slug", required=True, help="The institution's slug.")
@with_appcontext
def purge_command(slug: str) -> None:
    """Delete every face (boxes and encodings) found on an institution's photos.

    Its switches stay as they are: with detection still on, new photos are scanned again (turn it
    off first with `photoid faces disable`). Identifications people confirmed stay.
    """
    institution = _institution(slug)
    count = service.purge_institution(institution)
    click.echo(f"Deleted {count} face{'' if count == 1 else 's'} of {institution.name}'s photos.")
