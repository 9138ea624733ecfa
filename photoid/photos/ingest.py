"""Getting image files into storage safely, shared by the shell importer and the upload form.

A file is processed in a private staging folder (:meth:`Storage.staging_folder`), then the
folder is put in place in one step (:meth:`Storage.put_folder`) and only then is the photo's row
committed.
A crash at any point leaves either nothing, or complete files that the next run reuses:
never a row without its files, never half a set of tiles.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from photoid.photos.images import ImageRejected, process_image
from photoid.photos.storage import Storage, photo_prefix

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "TIFF": "tif", "WEBP": "webp"}
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
    #: The staging folder, or None when the files were already stored by an earlier run.
    staging_folder: Path | None


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def stage_file(source: Path, store: Storage, *, max_bytes: int) -> StagedImage:
    """Hash, validate and process one file into a new staging folder of ``store``.

    Skips the processing when the same bytes are already stored. Raises ImageRejected (with a
    message for the archivist) and then leaves nothing behind. Safe to run in a worker process.
    """
    size = source.stat().st_size
    if size > max_bytes:
        raise ImageRejected(f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit.")
    checksum, size = sha256_of(source)
    stored_meta = f"{photo_prefix(checksum)}/{META}"
    if store.exists(stored_meta):
        with store.open(stored_meta) as handle:
            meta = json.load(handle)
        return StagedImage(**{**meta, "staging_folder": None})
    folder = store.staging_folder()
    try:
        info = process_image(source, folder, max_bytes=max_bytes)
        shutil.copyfile(source, folder / f"original.{EXTENSIONS[info.format]}")  # into the staging folder: not stored yet
        staged = StagedImage(checksum, size, info.format, info.width, info.height, folder)
        meta = {k: v for k, v in asdict(staged).items() if k != "staging_folder"}
        # meta.json is written last: its presence marks a complete set of files.
        (folder / META).write_text(json.dumps(meta))
    except BaseException:
        store.discard(folder)
        raise
    return staged


def place(staged: StagedImage, store: Storage) -> bool:
    """Put a staged folder in its final place in one step. True if this call created it; False when
    the files were there already (the same bytes arrived twice: the first are kept)."""
    if staged.staging_folder is None:
        return False
    return store.put_folder(photo_prefix(staged.checksum), staged.staging_folder)


def discard(staged: StagedImage, store: Storage) -> None:
    if staged.staging_folder is not None:
        store.discard(staged.staging_folder)


def unplace(staged: StagedImage, store: Storage) -> None:
    """Remove files that :func:`place` created, when the database refused the photo."""
    store.delete_prefix(photo_prefix(staged.checksum))
