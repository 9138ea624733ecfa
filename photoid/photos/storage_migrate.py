"""``photoid storage migrate --to URL``: copy every stored file of the site (originals, derivatives,
IIIF tiles, crops, logos) from its current storage to another, such as an S3 bucket.

Resumable: a file already in the target with the same size is skipped, so an interrupted run
(or a second run just before switching PHOTOID_STORAGE_URL, to catch photos added meanwhile) copies
only what is missing. Each photo's ``meta.json`` is copied after every other file, so in the
target a photo's folder is complete before it looks complete. The source is left as it was.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from photoid.photos.storage import FOLDER_MARKER, TOP_LEVEL, Storage, StorageError, current_storage, storage_at

#: Width of the text progress bar in each progress line.
BAR = 30


@dataclass
class Migration:
    total: int = 0
    copied: int = 0
    skipped: int = 0


def migrate_files(source: Storage, target: Storage, *, every: int, progress: Callable[[str], None]) -> Migration:
    """Copy each key of ``source`` that ``target`` lacks (or holds with another size); a progress
    line after every ``every`` files and after the last. Changes nothing in ``source``."""
    # Two listings per top-level folder, not a request per file: a site holds millions of tiles.
    sizes = {key: size for top in TOP_LEVEL for key, size in source.sizes(top).items()}
    there = {key: size for top in TOP_LEVEL for key, size in target.sizes(top).items()}
    keys = sorted(sizes, key=lambda key: key.endswith(f"/{FOLDER_MARKER}"))  # stable: markers last
    done = Migration(total=len(keys))
    for number, key in enumerate(keys, 1):
        if there.get(key) == sizes[key]:
            done.skipped += 1
        else:
            with source.open(key) as handle:
                target.put(key, handle.read())
            done.copied += 1
        if number % every == 0 or number == done.total:
            filled = BAR * number // done.total
            progress(f"[{'#' * filled}{'.' * (BAR - filled)}] {number}/{done.total} files "
                     f"({done.copied} copied, {done.skipped} already there)")
    return done


@click.group("storage")
def storage_command() -> None:
    """Where photos' files are stored (PHOTOID_STORAGE_URL)."""


@storage_command.command("migrate")
@click.option("--to", "url", required=True, metavar="URL",
              help="s3://bucket/prefix (with PHOTOID_S3_ENDPOINT_URL for a store other than AWS), or a local folder.")
@click.option("--every", type=click.IntRange(1), default=100, show_default=True, help="Print a progress line after this many files.")
@with_appcontext
def migrate_command(url: str, every: int) -> None:
    """Copy every stored file to URL, skipping those already there with the same size (run it again to resume)."""
    config = current_app.config
    source = current_storage()
    try:
        target = storage_at(url, upload_dir=Path(config["UPLOAD_DIR"]), endpoint_url=config["S3_ENDPOINT_URL"])
    except ImportError:
        raise click.ClickException("Object storage needs boto3: pip install 'photoid[s3]'.") from None
    except StorageError as error:
        raise click.ClickException(str(error)) from None
    if str(target) == str(source):
        raise click.ClickException(f"The files are already stored in {source}.")
    click.echo(f"Copying the stored files from {source} to {target}.")
    try:
        done = migrate_files(source, target, every=every, progress=click.echo)
    except Exception as error:  # boto3's errors (no such bucket, refused credentials) say what is wrong
        if error.__class__.__module__.startswith(("botocore", "boto3")):
            raise click.ClickException(f"{error} (files copied so far are kept: run the command again to resume)") from None
        raise
    switch = (f"set PHOTOID_STORAGE_URL={url}" if url.startswith("s3://")
              else f"unset PHOTOID_STORAGE_URL, set PHOTOID_UPLOAD_DIR={url}")
    click.echo(f"Done: {done.copied} copied, {done.skipped} already there. "
               f"To serve them from there, {switch} and restart photoid.")
