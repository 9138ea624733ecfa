"""Getting image files into storage safely, shared by the shell importer and the upload form.

A file is processed in a private staging folder (``staging/<random>``) next to its final place,
then the folder is renamed into place in one step and only then is the photo's row committed.
A crash at any point leaves either nothing, or complete files that the next run reuses:
never a row without its files, never half a set of tiles.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from photoid.photos.images import ImageRejected, process_image
from photoid.photos.storage import LocalStorage, photo_prefix

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "TIFF": "tif", "WEBP": "webp"}
STAGING = "staging"
META = "meta.json"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StagedImage:
    """A processed image waiting in storage: either in a staging folder, or already in place."""

    checksum: str
    size: int
    format: str
    width: int
    height: int
    #: The staging folder's key, or None when the files were already stored by an earlier run.
    staging_key: str | None


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def stage_file(source: Path, root: Path, *, max_bytes: int) -> StagedImage:
    """Hash, validate and process one file into a new staging folder under ``root``.

    Skips the processing when the same bytes are already stored. Raises ImageRejected (with a
    message for the archivist) and then leaves nothing behind. Safe to run in a worker process.
    """
    files = LocalStorage(root)
    size = source.stat().st_size
    if size > max_bytes:
        raise ImageRejected(f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit.")
    checksum, size = sha256_of(source)
    stored_meta = files.path(f"{photo_prefix(checksum)}/{META}")
    if stored_meta.is_file():
        meta = json.loads(stored_meta.read_text())
        return StagedImage(**{**meta, "staging_key": None})
    staging_key = f"{STAGING}/{uuid.uuid4().hex}"
    folder = files.path(staging_key)
    folder.mkdir(parents=True)
    try:
        info = process_image(source, folder, max_bytes=max_bytes)
        shutil.copyfile(source, folder / f"original.{EXTENSIONS[info.format]}")
        staged = StagedImage(checksum, size, info.format, info.width, info.height, staging_key)
        meta = {k: v for k, v in asdict(staged).items() if k != "staging_key"}
        # meta.json is written last: its presence marks a complete set of files.
        (folder / META).write_text(json.dumps(meta))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return staged


def place(staged: StagedImage, root: Path) -> bool:
    """Move a staged folder to its final place in one rename. True if this call created it."""
    if staged.staging_key is None:
        return False
    files = LocalStorage(root)
    source = files.path(staged.staging_key)
    target = files.path(photo_prefix(staged.checksum))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(source, target)
    except OSError:
        if not (target / META).is_file():
            raise
        shutil.rmtree(source, ignore_errors=True)  # the same bytes arrived twice: keep the first
        return False
    return True


def discard(staged: StagedImage, root: Path) -> None:
    if staged.staging_key is not None:
        shutil.rmtree(LocalStorage(root).path(staged.staging_key), ignore_errors=True)


def unplace(staged: StagedImage, root: Path) -> None:
    """Remove files that :func:`place` created, when the database refused the photo."""
    shutil.rmtree(LocalStorage(root).path(photo_prefix(staged.checksum)), ignore_errors=True)


def clear_staging(root: Path, *, older_than_seconds: float = 3600) -> None:
    """Delete leftovers of interrupted runs; recent folders may belong to an upload in progress."""
    staging = Path(root) / STAGING
    if not staging.is_dir():
        return
    cutoff = time.time() - older_than_seconds
    for folder in staging.iterdir():
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
