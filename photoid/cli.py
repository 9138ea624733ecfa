"""The ``photoid`` command: ``photoid run``, ``photoid db upgrade``, ``photoid create-user``, ``photoid demo``."""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from photoid import create_app
from photoid.accounts.models import User
from photoid.accounts.privacy import PrivacyError, purge
from photoid.accounts.service import RESERVED_NAME_KEYS, AccountError, create_user, display_name_key
from photoid.admin.institutions import InstitutionError, create_institution
from photoid.backup import BackupError, backup, restore
from photoid.catalog import export_files
from photoid.catalog.export import ExportError, parse_since, start_export, stream_export
from photoid.catalog.oai import DOMAIN as OAI_DOMAIN
from photoid.demo.loader import DEMO_ACCOUNTS, DemoError, load_demo
from photoid.extensions import db
from photoid.faces.commands import faces_command
from photoid.impact.rollup import forget_all
from photoid.jobs import worker_command
from photoid.photos.collections import ensure_collection
from photoid.photos.iiif_import import ImportFailed, run_iiif_import
from photoid.photos.iiif_requests import run_pending
from photoid.photos.importer import Summary, run_import, write_report
from photoid.photos.manifest import ManifestError
from photoid.photos.service import PhotoError
from photoid.photos.storage_migrate import storage_command
from photoid.search import pg_index
from photoid.search.commands import ensure_index, reindex_command, with_index_after_upgrade


def register_commands(app: Flask) -> None:
    """Attach photoid's commands to the app, so ``photoid`` and the test CLI runner both see them."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(create_institution_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(import_command)
    app.cli.add_command(import_iiif_command)
    app.cli.add_command(export_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(impact_refresh_command)
    app.cli.add_command(reindex_command)
    app.cli.add_command(storage_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(faces_command)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["patron", "archivist", "admin"]), default="patron", show_default=True)
@click.option("--institution", "institutions", multiple=True, metavar="SLUG", help="An institution an archivist moderates (repeatable).")
@click.option("--display-name", help="Public name; defaults to the part of the email before @.")
@click.option("--password-env", metavar="VAR", help="Read the password from this environment variable instead of prompting.")
@with_appcontext
def create_user_command(email: str, role: str, institutions: tuple[str, ...], display_name: str | None, password_env: str | None) -> None:
    """Create an account, typically staff: photoid create-user EMAIL --role archivist --institution SLUG."""
    if password_env:
        password = os.environ.get(password_env, "")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise click.ClickException("The two passwords do not match.")
    wanted = display_name or email.split("@", 1)[0]
    try:
        user = create_user(
            email=email,
            display_name=display_name or free_display_name(wanted),
            password=password,
            role=role,
            institution_slugs=institutions,
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    where = f" for {', '.join(i.slug for i in user.institutions)}" if user.institutions else ""
    instead = "" if user.display_name == wanted else f"; “{wanted}” is taken or reserved, --display-name chooses another"
    click.echo(f"Created {user.role} {user.email} (shown as {user.display_name}{instead}){where}.")


def free_display_name(wanted: str) -> str:
    """``wanted`` (the part of an email before @), or the first of ``wanted-2``, ``wanted-3``… that no
    account has and the site does not keep for itself: ``admin@library.example`` becomes admin-2.
    A name the rules refuse for another reason is returned as it is, for create_user to explain."""
    from sqlalchemy import select

    base = " ".join(wanted.split())[:50]
    for number in range(1, 1000):
        name = base if number == 1 else f"{base}-{number}"
        key = display_name_key(name)
        if key not in RESERVED_NAME_KEYS and db.session.scalar(select(User.id).where(User.display_name_key == key)) is None:
            return name
    return wanted


@click.command("create-institution")
@click.argument("slug")
@click.option("--name", required=True, help="The institution's name as visitors see it.")
@click.option("--member-of", metavar="CONSORTIUM_SLUG", help="The consortium this institution belongs to.")
@click.option("--consortium", "is_consortium", is_flag=True, help="Create a consortium, whose members name it with --member-of.")
@with_appcontext
def create_institution_command(slug: str, name: str, member_of: str | None, is_consortium: bool) -> None:
    """Add an institution: photoid create-institution SLUG --name "NAME" [--member-of CONSORTIUM_SLUG] [--consortium]."""
    try:
        institution = create_institution(slug=slug, name=name, member_of=member_of, is_consortium=is_consortium)
    except InstitutionError as error:
        raise click.ClickException(" ".join(error.errors.values())) from error
    kind = "consortium" if institution.is_consortium else "institution"
    where = f", a member of {institution.parent.name}" if institution.parent else ""
    click.echo(f"Created the {kind} {institution.name} ({institution.slug}){where}.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has photos.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo collection: about 30 generated photos with identifications and demo accounts."""
    try:
        loaded = load_demo(if_empty=if_empty, progress=click.echo)
    except DemoError as error:
        raise click.ClickException(str(error)) from error
    if loaded:
        click.echo(f"Demo collection loaded: {loaded} photos.")
    else:
        click.echo("The database already has photos; the demo was not loaded again.")
    ensure_index(rebuild=bool(loaded), echo=click.echo)
    click.echo("Demo accounts (for this local demo only):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role:<10} {account.email:<28} password: {account.password}")


@click.command("import")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--images", "images_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="Folder the manifest's file column is relative to.")
@click.option("--collection", "collection_slug", required=True, metavar="SLUG", help="The collection; created if missing.")
@click.option("--institution", "institution_slug", metavar="SLUG", help="The institution a new collection belongs to (required when the site has several).")
@click.option("--title", help="The title of a new collection (default: made from its SLUG).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Write row,identifier,status,photo_id,reason as CSV.")
@click.option("--workers", type=click.IntRange(1, 64), help="Processes for image work (default: one per core).")
@with_appcontext
def import_command(manifest: Path, images_dir: Path, collection_slug: str, institution_slug: str | None, title: str | None,
                   report_path: Path | None, workers: int | None) -> None:
    """Ingest photos listed in MANIFEST.csv: identifier,title,description,date,creator,rights,subjects,places,file.

    Re-running skips photos already ingested. Exits with 1 when any row was rejected.
    """
    try:
        collection, created = ensure_collection(collection_slug, title=title, institution_slug=institution_slug)
    except PhotoError as error:
        raise click.ClickException(str(error)) from error
    if created:
        click.echo(f"Created the collection {collection.slug} ({collection.title}) in {collection.institution.name}; "
                   "it appears on the site once it holds a published photo.")
    try:
        summary = run_import(
            manifest_path=manifest, images_dir=images_dir, collection=collection, workers=workers,
            max_bytes=current_app.config["MAX_IMAGE_BYTES"], echo=click.echo,
        )
    except ManifestError as error:
        raise click.ClickException(str(error)) from error
    if summary.unknown_columns:
        click.echo(f"Unknown columns, not imported: {', '.join(summary.unknown_columns)}.")
    _import_summary(summary, report_path, noun="row")


@click.command("import-iiif")
@click.argument("url", required=False)
@click.option("--collection", "collection_slug", metavar="SLUG", help="The collection; created if missing.")
@click.option("--institution", "institution_slug", metavar="SLUG", help="The institution a new collection belongs to (required when the site has several).")
@click.option("--title", help="The title of a new collection (default: made from its SLUG).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Write row,identifier,status,photo_id,reason as CSV.")
@click.option("--limit", type=click.IntRange(1), help="Import at most this many canvases.")
@click.option("--pending", is_flag=True, help="Run the imports staff asked for on collection pages (from a timer), instead of URL.")
@with_appcontext
def import_iiif_command(url: str | None, collection_slug: str | None, institution_slug: str | None, title: str | None,
                        report_path: Path | None, limit: int | None, pending: bool) -> None:
    """Import photos from a IIIF manifest or collection (Presentation 2.1 or 3) at URL, keeping the link to
    the library's catalog. Re-running skips canvases already imported and takes up changed catalog data.
    Exits with 1 when any canvas was rejected."""
    if pending:
        if url or collection_slug:
            raise click.UsageError("--pending takes no URL or --collection: it runs the requests recorded on collection pages.")
        ran = run_pending(echo=click.echo)
        click.echo(f"Ran {ran} import request{'' if ran == 1 else 's'}.")
        return
    if not url or not collection_slug:
        raise click.UsageError("Give a URL and --collection SLUG (or --pending).")
    try:
        collection, created = ensure_collection(collection_slug, title=title, institution_slug=institution_slug)
    except PhotoError as error:
        raise click.ClickException(str(error)) from error
    if created:
        click.echo(f"Created the collection {collection.slug} ({collection.title}) in {collection.institution.name}.")
    try:
        summary = run_iiif_import(url, collection=collection, limit=limit)
    except ImportFailed as error:
        raise click.ClickException(str(error)) from error
    _import_summary(summary, report_path, noun="canvas", imported="Imported",
                    extra=f", updated {summary.count('updated')}")


def _import_summary(summary: Summary, report_path: Path | None, *, noun: str, imported: str = "Ingested", extra: str = "") -> None:
    """The end of an import: the report, the counts, each rejection, and the exit status."""
    if report_path:
        write_report(summary, report_path)
    click.echo(
        f"{imported} {summary.count('ingested')}{extra}, skipped {summary.count('duplicate')} as duplicates, "
        f"rejected {summary.count('rejected')}."
    )
    for outcome in summary.outcomes:
        if outcome.status == "rejected":
            click.echo(f"  {noun} {outcome.row} ({outcome.identifier or 'no identifier'}): {outcome.reason}")
    if summary.interrupted:
        click.echo("Interrupted: photos finished so far are kept; run the same command again to continue.")
        sys.exit(130)
    if summary.count("rejected"):
        sys.exit(1)


def default_workers() -> int:
    """gunicorn's rule of thumb, two workers a core plus one, capped so a big machine does not keep
    a dozen copies of the page cache and search reader for one library's traffic."""
    return min(2 * (os.cpu_count() or 1) + 1, 12)


#: Seconds a request may take before gunicorn replaces its worker: an upload of PHOTOID_MAX_UPLOAD_BYTES
#: turned into tiles takes minutes, not gunicorn's default 30 seconds.
SERVE_TIMEOUT = 300


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.option("--bind", default="127.0.0.1:8000", show_default=True, envvar="PHOTOID_BIND", metavar="ADDR",
              help="HOST:PORT or unix:PATH to listen on (PHOTOID_BIND); behind nginx keep it on 127.0.0.1.")
@click.option("--workers", type=click.IntRange(1, 64), envvar="PHOTOID_WORKERS",
              help="Worker processes (PHOTOID_WORKERS; default: two a core plus one, at most 12).")
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve_command(bind: str, workers: int | None, gunicorn_args: tuple[str, ...]) -> None:
    """Serve the site with gunicorn, for production: photoid serve [--bind ADDR] [--workers N] [-- GUNICORN OPTIONS].

    This process becomes gunicorn's master. `kill -HUP` it after an upgrade: new workers start on
    the new code, and the old ones finish the requests they hold before they stop.
    """
    repository_id = os.environ.get("PHOTOID_OAI_REPOSITORY_ID")
    if not repository_id:
        # OAI identifiers would follow whatever host name each harvester used, and change with it.
        click.echo("Warning: PHOTOID_OAI_REPOSITORY_ID is not set, so OAI-PMH identifiers (oai:ID:photo/7) take the "
                   "host name of each request and change if the site's address does. Set it to your domain "
                   "before the first harvest (see README, Configuration).", err=True)
    elif not OAI_DOMAIN.fullmatch(repository_id):
        click.echo(f"Warning: PHOTOID_OAI_REPOSITORY_ID ({repository_id}) is not a domain name such as "
                   "photos.millbrook.example, so OAI-PMH Identify cannot describe its identifiers.", err=True)
    argv = [
        sys.executable, "-m", "gunicorn",
        "--bind", bind,
        "--workers", str(workers or default_workers()),
        "--timeout", str(SERVE_TIMEOUT),
        "--graceful-timeout", str(SERVE_TIMEOUT),  # a reload lets an upload in progress finish
        "--name", "photoid",
        *gunicorn_args,
        "photoid.wsgi:app",  # imported by each worker, never the master: see photoid/wsgi.py
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


class PhotoidGroup(FlaskGroup):
    """Flask's command group, whose ``db upgrade`` also builds the search index a new site lacks."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if name == "db" and isinstance(command, click.Group):
            return with_index_after_upgrade(command)
        return command


main = PhotoidGroup(
    name="photoid",
    create_app=create_app,
    help="Manage a photoid site: photoid db upgrade, photoid demo, photoid create-user, photoid serve.",
)
# On the group itself, not the app: `photoid serve` must not build an app in gunicorn's master.
main.add_command(serve_command)


if __name__ == "__main__":
    main()


@click.command("export")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(["marcxml", "mods", "dc", "csv", "contentdm"]))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The file to write.")
@click.option("--institution", "institution_slug", metavar="SLUG", help="Only this institution's photos (default: the whole site).")
@click.option("--collection", "collection_slug", metavar="SLUG", help="Only this collection.")
@click.option("--since", metavar="DATE", help="Only photos changed after this date (2026-11-01) or time, in UTC.")
@click.option("--since-last", is_flag=True, help="Only photos changed since the previous export in this format of the same "
              "collection, institution or (without either) the whole site.")
@click.option("--base-url", metavar="URL", help="The site's public address for links (default: PHOTOID_SITE_URL or http://localhost:5000).")
@with_appcontext
def export_command(format_name: str, output: Path, institution_slug: str | None, collection_slug: str | None, since: str | None,
                   since_last: bool, base_url: str | None) -> None:
    """Write published photos with their approved identifications to a catalog file."""
    base_url = base_url or current_app.config["SITE_URL"]
    try:
        plan = start_export(format_name, collection_slug=collection_slug, institution_slug=institution_slug,
                            since=parse_since(since) if since else None, since_last=since_last)
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    partial = output.with_name(output.name + ".part")
    with partial.open("wb") as handle:
        for chunk in stream_export(plan, base_url=base_url):
            handle.write(chunk)
    partial.replace(output)
    count = plan.record_count
    click.echo(f"Wrote {count} photo{'' if count == 1 else 's'} to {output}.")


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Copy the database and the uploaded photos into the new or empty folder DEST, while the site runs.

    On PostgreSQL it runs pg_dump, which must be installed (docs/operations.md); without it nothing is written.
    """
    try:
        outcome = backup(dest, echo=click.echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {outcome.folder}: {outcome.photos} photos, {outcome.files} files (see manifest.json).")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(src: Path, force: bool) -> None:
    """Bring back a backup made by `photoid backup`: the database, the photo files, then the search index. Stop the site first."""
    try:
        outcome = restore(src, force=force, echo=click.echo)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    # Only now: every step above has finished, and the count is read from the restored database.
    click.echo(f"Restored {outcome.photos} photo{'' if outcome.photos == 1 else 's'} from {src}. If the backup came "
               "from an older version, run `photoid db upgrade` before starting the site.")


@click.command("impact-refresh")
@with_appcontext
def impact_refresh_command() -> None:
    """Work the impact figures of ended weeks out again (after changing data with SQL by hand)."""
    removed = forget_all()
    click.echo(f"Dropped {removed} kept week{'' if removed == 1 else 's'}; the next dashboard view works them out again.")


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Remove technical data kept for abuse handling that is older than PHOTOID_RETENTION_DAYS (default 30),
    and accounts that did not confirm their email within PHOTOID_UNVERIFIED_DAYS (default 7)."""
    try:
        report = purge()
    except PrivacyError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Purged technical data older than {report.retention_days} days.")
    for where, count in report.removed.items():
        click.echo(f"  {where}: {count} value{'' if count == 1 else 's'} removed")
    for note in report.notes:
        click.echo(f"  {note}")
    removed_files = export_files.purge_files()
    click.echo(f"  export files: {removed_files} older than {current_app.config['EXPORT_FILE_DAYS']} days removed "
               "(PHOTOID_EXPORT_FILE_DAYS)")
    if pg_index.is_enabled(current_app):
        pruned = pg_index.prune_words(current_app._get_current_object())  # type: ignore[attr-defined]
        click.echo(f"  search_word: {pruned} word{'' if pruned == 1 else 's'} no photo holds any more removed "
                   "(\"did you mean\" offers only words some photo has)")
