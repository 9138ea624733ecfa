"""File storage behind a small adapter: a local folder now, object storage later.

Every stored file (a photo's original, derivatives and IIIF tiles, cut crops, institution logos)
is addressed by a slash-separated key such as ``photos/ab/abcd…/thumb.jpg`` and read, written,
removed and served only through these operations, so another backend is one more class with the
same methods. No other module copies, renames, removes or sends a stored file by its path
(tests/unit/test_storage.py scans for that).

==========================================  ==========================================  ===========================================
operation                                   local folder (:class:`LocalStorage`)        an object store would
==========================================  ==========================================  ===========================================
``exists(key)``                             is there a file                             HEAD the object
``open(key)``                               the file, opened for reading; raises        GET the object as a stream; NotStored on
                                            :class:`NotStored` when there is none       404
``put(key, data)``                          write a hidden sibling, then rename it      PUT the object (one PUT is atomic)
                                            over the key: readers never see half
``put_folder(prefix, folder)``              a staging folder is renamed into place in   upload each file of the local folder, the
                                            one step; any other folder is copied into   folder's completeness marker (ingest's
                                            a hidden sibling first, then renamed. The   ``meta.json``) last; False when the marker
                                            first put wins: False when there already    is already there
                                            is a folder at ``prefix``
``keys(prefix)``                            the files under ``prefix``, sorted,         LIST the prefix
                                            without half-written hidden ones
``delete_prefix(prefix)``                   remove the file ``prefix`` or the folder    DELETE the object and everything LISTed
                                            and everything in it; nothing if missing    under ``prefix/``
``send(key, mimetype=, max_age=, …)``       a conditional Flask response of the file    stream the object (or redirect to a
                                            (ETag, 304) with ``Cache-Control``          signed or public URL)
``staging_folder()``                        a new empty folder under ``staging/``,      a new local temporary folder
                                            where the image pipeline writes a photo's
                                            files before ``put_folder``
``discard(folder)``                         remove a staging folder not put             the same, on the local disk
``clear_staging(older_than_seconds=)``      remove staging folders interrupted runs     the same, on the local disk
                                            left behind
==========================================  ==========================================  ===========================================

Keys are checked, so no key can point outside the root.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from flask import current_app, send_file
from werkzeug.wrappers import Response

#: Where a photo's files are made before they are put in place (local backend: inside the root,
#: on the same file system, so putting a staged folder is one rename).
STAGING = "staging"
#: How long a staging folder may be in use: older ones are leftovers of interrupted runs.
STAGING_MAX_AGE = 3600


class StorageError(Exception):
    """A key that is not allowed, or a storage operation that cannot be done."""


class NotStored(StorageError):
    """Nothing is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Nothing is stored under {key!r}.")
        self.key = key


class Storage(Protocol):
    """The operations the app uses on stored files (the table in this module's docstring)."""

    def exists(self, key: str) -> bool: ...

    def open(self, key: str) -> BinaryIO: ...

    def put(self, key: str, data: bytes) -> None: ...

    def put_folder(self, prefix: str, folder: Path) -> bool: ...

    def keys(self, prefix: str) -> list[str]: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def send(self, key: str, *, mimetype: str, max_age: int, immutable: bool = False) -> Response: ...

    def staging_folder(self) -> Path: ...

    def discard(self, folder: Path) -> None: ...

    def clear_staging(self, *, older_than_seconds: float = STAGING_MAX_AGE) -> None: ...


class LocalStorage:
    """Files under one root folder, addressed by slash-separated keys such as ``photos/ab/abcd…/thumb.jpg``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        pure = PurePosixPath(key)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise StorageError(f"unsafe storage key: {key!r}")
        return self.root.joinpath(*pure.parts)

    def _file(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise NotStored(key)
        return path

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotStored(key) from None

    def put(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        try:
            partial.write_bytes(data)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def put_folder(self, prefix: str, folder: Path) -> bool:
        target = self._path(prefix)
        staged = self._is_staging(folder)
        if target.exists():
            if staged:
                self.discard(folder)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        source = folder if staged else target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        try:
            if not staged:
                shutil.copytree(folder, source)
            os.rename(source, target)
        except BaseException as error:
            if not staged:
                shutil.rmtree(source, ignore_errors=True)
            if isinstance(error, OSError) and target.is_dir():  # another put of the same prefix came first
                if staged:
                    self.discard(folder)
                return False
            raise
        return True

    def keys(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if base.is_file():
            return [prefix]
        if not base.is_dir():
            return []
        found = (path.relative_to(base) for path in base.rglob("*") if path.is_file())
        # Names starting with a dot are files being written by put() or put_folder().
        return sorted(f"{prefix}/{name.as_posix()}" for name in found if not any(p.startswith(".") for p in name.parts))

    def delete_prefix(self, prefix: str) -> None:
        target = self._path(prefix)
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)

    def send(self, key: str, *, mimetype: str, max_age: int, immutable: bool = False) -> Response:
        response = send_file(self._file(key), mimetype=mimetype, conditional=True, etag=True, max_age=max_age)
        response.headers["Cache-Control"] = f"public, max-age={max_age}" + (", immutable" if immutable else "")
        return response

    # --- staging: local folders where a photo's files are made before put_folder() ---------------

    @property
    def _staging(self) -> Path:
        return self.root / STAGING

    def _is_staging(self, folder: Path) -> bool:
        return Path(folder).resolve().parent == self._staging.resolve()

    def staging_folder(self) -> Path:
        folder = self._staging / uuid.uuid4().hex
        folder.mkdir(parents=True)
        return folder

    def discard(self, folder: Path) -> None:
        if not self._is_staging(folder):
            raise StorageError(f"{folder} is not a staging folder of {self.root}")
        shutil.rmtree(folder, ignore_errors=True)

    def clear_staging(self, *, older_than_seconds: float = STAGING_MAX_AGE) -> None:
        """Recent folders may belong to an upload in progress, so only older ones go."""
        if not self._staging.is_dir():
            return
        cutoff = time.time() - older_than_seconds
        for folder in self._staging.iterdir():
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)


def current_storage() -> Storage:
    """The app's storage: the local folder ``UPLOAD_DIR`` (the only backend so far)."""
    return LocalStorage(Path(current_app.config["UPLOAD_DIR"]))


def photo_prefix(checksum: str) -> str:
    return f"photos/{checksum[:2]}/{checksum}"


def derivative_key(checksum: str, variant: str) -> str:
    return f"{photo_prefix(checksum)}/{variant}.jpg"
