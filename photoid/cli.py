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


def register_commands(app: Flask) -> None:
    """Attach photoid's commands to the app, so ``photoid`` and the test CLI runner both see them."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(import_command)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["patron", "archivist", "admin"]), default="patron", show_default=True)
@click.option("--institution", "institutions", multiple=True, metavar="SLUG", help="An institution an archivist moderates (repeatable).")
@click.option("--display-name", help="Public name; defaults to the part of the email before @.")
@click.option("--password-env", metavar="VAR", help="Read the password from this environment variable instead of prompting.")
@with_appcontext
def create_user_command(email: str, role: str, institutions: tuple[str, ...], display_name: str | None, password_env: str | None) -> None:
    """Create an account, typically staff: photoid create-user EMAIL --role archivist --institution SLUG."""
    from photoid.accounts.service import AccountError, create_user

    if password_env:
        password = os.environ.get(password_env, "")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise click.ClickException("The two passwords do not match.")
    try:
        user = create_user(
            email=email,
            display_name=display_name or email.split("@", 1)[0],
            password=password,
            role=role,
            institution_slugs=institutions,
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    where = f" for {', '.join(i.slug for i in user.institutions)}" if user.institutions else ""
    click.echo(f"Created {user.role} {user.email} (shown as {user.display_name}){where}.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has photos.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo collection: about 30 generated photos with identifications and demo accounts."""
    from photoid.demo.loader import DEMO_ACCOUNTS, DemoError, load_demo

    try:
        loaded = load_demo(if_empty=if_empty, progress=click.echo)
    except DemoError as error:
        raise click.ClickException(str(error)) from error
    if loaded:
        click.echo(f"Demo collection loaded: {loaded} photos.")
    else:
        click.echo("The database already has photos; the demo was not loaded again.")
    click.echo("Demo accounts (for this local demo only):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role:<10} {account.email:<28} password: {account.password}")


@click.command("import")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--images", "images_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="Folder the manifest's file column is relative to.")
@click.option("--collection", "collection_slug", required=True, metavar="SLUG", help="Created in the default institution if missing.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Write row,identifier,status,photo_id,reason as CSV.")
@click.option("--workers", type=click.IntRange(1, 64), help="Processes for image work (default: one per core).")
@with_appcontext
def import_command(manifest: Path, images_dir: Path, collection_slug: str, report_path: Path | None, workers: int | None) -> None:
    """Ingest photos listed in MANIFEST.csv: identifier,title,description,date,creator,rights,subjects,places,file.

    Re-running skips photos already ingested. Exits with 1 when any row was rejected.
    """
    from photoid.photos.importer import run_import, write_report
    from photoid.photos.manifest import ManifestError
    from photoid.photos.service import PhotoError, ensure_collection

    try:
        collection, created = ensure_collection(collection_slug)
    except PhotoError as error:
        raise click.ClickException(str(error)) from error
    if created:
        click.echo(f"Created the collection {collection.slug} in {collection.institution.name}.")
    try:
        summary = run_import(
            manifest_path=manifest, images_dir=images_dir, collection=collection, workers=workers,
            max_bytes=current_app.config["MAX_IMAGE_BYTES"], echo=click.echo,
        )
    except ManifestError as error:
        raise click.ClickException(str(error)) from error
    if summary.unknown_columns:
        click.echo(f"Unknown columns, not imported: {', '.join(summary.unknown_columns)}.")
    if report_path:
        write_report(summary, report_path)
    click.echo(
        f"Ingested {summary.count('ingested')}, skipped {summary.count('duplicate')} as duplicates, "
        f"rejected {summary.count('rejected')}."
    )
    for outcome in summary.outcomes:
        if outcome.status == "rejected":
            click.echo(f"  row {outcome.row} ({outcome.identifier or 'no identifier'}): {outcome.reason}")
    if summary.interrupted:
        click.echo("Interrupted: photos finished so far are kept; run the same command again to continue.")
        sys.exit(130)
    if summary.count("rejected"):
        sys.exit(1)


main = FlaskGroup(
    name="photoid",
    create_app=create_app,
    help="Manage a photoid site: photoid db upgrade, photoid demo, photoid create-user, photoid run.",
)


if __name__ == "__main__":
    main()
