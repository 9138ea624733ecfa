"""File storage behind a small adapter: a local folder (the default) or an S3 bucket.

Every stored file (a photo's original, derivatives and IIIF tiles, cut crops, institution logos)
is addressed by a slash-separated key such as ``photos/ab/abcd…/thumb.jpg`` and read, written,
removed and served only through these operations, so a backend is one class with these methods:
:class:`LocalStorage` here, :class:`~photoid.photos.s3_storage.S3Storage` for ``PHOTOID_STORAGE_URL=s3://…``
(any S3-compatible store). No other module copies, renames, removes or sends a stored file by its path
(tests/unit/test_storage.py scans for that, and runs one behaviour suite over both backends).

==========================================  ==========================================  ===========================================
operation                                   local folder (:class:`LocalStorage`)        S3 bucket (``S3Storage``)
==========================================  ==========================================  ===========================================
``exists(key)``                             is there a file                             HEAD the object
``open(key)``                               the file, opened for reading; raises        GET the object into a seekable temporary
                                            :class:`NotStored` when there is none       file (memory, then disk); NotStored on 404
``put(key, data)``                          write a hidden sibling, then rename it      PUT the object (one PUT is atomic)
                                            over the key: readers never see half.       ``data``: bytes, or a file read from where
                                                                                        it stands (an export written to a temp file)
``put_folder(prefix, folder)``              a staging folder is renamed into place in   upload each file of the local folder, the
                                            one step; any other folder is copied into   folder's completeness marker (ingest's
                                            a hidden sibling first, then renamed. The   ``meta.json``, :data:`FOLDER_MARKER`) last
                                            first put wins: False when there already    and only if absent (If-None-Match: *);
                                            is a folder at ``prefix``                   False when it is already there
``keys(prefix)``                            the files under ``prefix``, sorted,         LIST the prefix
                                            without half-written hidden ones
``sizes(prefix)``                           the same files, each with its size          the same LIST (a request per 1,000 keys)
``delete_prefix(prefix)``                   remove the file ``prefix`` or the folder    DELETE the markers, then every object
                                            and everything in it; nothing if missing    LISTed under ``prefix/``
``send(key, mimetype=, max_age=, …)``       a conditional Flask response of the file    the object streamed from the bucket, with
                                            (ETag, 304) with ``Cache-Control``          the same headers (its ETag, 304)
``public_url(key)``                         ``PHOTOID_MEDIA_URL/key`` when that is      the same: a bucket or CDN address that
                                            set (nginx serving the folder), else None   serves the object without photoid
``staging_folder()``                        a new empty folder under ``staging/``,      a new folder under ``staging/`` of the
                                            where the image pipeline writes a photo's   local ``PHOTOID_UPLOAD_DIR``
                                            files before ``put_folder``
``discard(folder)``                         remove a staging folder not put             the same, on the local disk
``clear_staging(older_than_seconds=)``      remove staging folders interrupted runs     the same, on the local disk
                                            left behind
==========================================  ==========================================  ===========================================

Only photoid decides who may see a file: routes check the photo first, and ask for
``public_url`` only for files of public photos (photos/routes.py ``send_immutable``).

Keys are checked, so no key can point outside the root.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol
from urllib.parse import quote

from flask import current_app, send_file
from werkzeug.wrappers import Response

#: Where a photo's files are made before they are put in place (local backend: inside the root,
#: on the same file system, so putting a staged folder is one rename).
STAGING = "staging"
#: How long a staging folder may be in use: older ones are leftovers of interrupted runs.
STAGING_MAX_AGE = 3600
#: The file whose presence marks a photo's folder complete (ingest writes it last): an object store,
#: which cannot put a folder in one step, uploads it after every other file.
FOLDER_MARKER = "meta.json"
#: The top-level folders of stored keys (what ``photoid storage migrate`` copies); ``incoming`` holds
#: uploaded originals waiting for their images to be made (photos/processing.py).
TOP_LEVEL = ("photos", "institutions", "incoming")


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

    def put(self, key: str, data: bytes | BinaryIO) -> None: ...

    def put_folder(self, prefix: str, folder: Path) -> bool: ...

    def keys(self, prefix: str) -> list[str]: ...

    def sizes(self, prefix: str) -> dict[str, int]: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def send(self, key: str, *, mimetype: str, max_age: int, immutable: bool = False) -> Response: ...

    def public_url(self, key: str) -> str | None: ...

    def staging_folder(self) -> Path: ...

    def discard(self, folder: Path) -> None: ...

    def clear_staging(self, *, older_than_seconds: float = STAGING_MAX_AGE) -> None: ...


def key_parts(key: str) -> tuple[str, ...]:
    """The parts of a key; StorageError for one that is empty, absolute or climbs out with ``..``."""
    pure = PurePosixPath(key)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise StorageError(f"unsafe storage key: {key!r}")
    return pure.parts


class LocalStaging:
    """What every backend shares: staging folders on the local disk, where a photo's files are made
    before ``put_folder``, and the public address of a key under ``PHOTOID_MEDIA_URL``."""

    def __init__(self, staging_root: Path, media_url: str | None = None) -> None:
        self._staging = Path(staging_root)
        self.media_url = media_url.rstrip("/") if media_url else None

    def public_url(self, key: str) -> str | None:
        """Where the file can be fetched without photoid (a bucket or CDN), or None: send() it."""
        if self.media_url is None:
            return None
        return f"{self.media_url}/{quote('/'.join(key_parts(key)), safe='/,')}"

    def _is_staging(self, folder: Path) -> bool:
        return Path(folder).resolve().parent == self._staging.resolve()

    def staging_folder(self) -> Path:
        folder = self._staging / uuid.uuid4().hex
        folder.mkdir(parents=True)
        return folder

    def discard(self, folder: Path) -> None:
        if not self._is_staging(folder):
            raise StorageError(f"{folder} is not a staging folder of {self}")
        shutil.rmtree(folder, ignore_errors=True)

    def clear_staging(self, *, older_than_seconds: float = STAGING_MAX_AGE) -> None:
        """Recent folders may belong to an upload in progress, so only older ones go."""
        if not self._staging.is_dir():
            return
        cutoff = time.time() - older_than_seconds
        for folder in self._staging.iterdir():
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)


class LocalStorage(LocalStaging):
    """Files under one root folder, addressed by slash-separated keys such as ``photos/ab/abcd…/thumb.jpg``."""

    def __init__(self, root: Path, *, media_url: str | None = None) -> None:
        # Inside the root, on the same file system, so putting a staged folder is one rename.
        super().__init__(Path(root) / STAGING, media_url)
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key_parts(key))

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

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        try:
            if isinstance(data, bytes):
                partial.write_bytes(data)
            else:
                with partial.open("wb") as copy:
                    shutil.copyfileobj(data, copy)
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
        return sorted(self.sizes(prefix))

    def sizes(self, prefix: str) -> dict[str, int]:
        base = self._path(prefix)
        if base.is_file():
            return {prefix: base.stat().st_size}
        if not base.is_dir():
            return {}
        found = (path for path in base.rglob("*") if path.is_file())
        # Names starting with a dot are files being written by put() or put_folder().
        return {f"{prefix}/{name.as_posix()}": path.stat().st_size for path in found
                for name in [path.relative_to(base)] if not any(p.startswith(".") for p in name.parts)}

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


def storage_at(url: str | None, *, upload_dir: Path, endpoint_url: str | None = None,
               media_url: str | None = None) -> Storage:
    """The storage at ``url``: ``s3://bucket/prefix`` (staging in ``upload_dir``), a local folder's
    path, or, when None, the local folder ``upload_dir``."""
    if url and url.startswith("s3://"):
        from photoid.photos.s3_storage import S3Storage  # boto3 is the optional extra `s3`

        return S3Storage.from_url(url, endpoint_url=endpoint_url, staging_root=Path(upload_dir) / STAGING,
                                  media_url=media_url)
    return LocalStorage(Path(url) if url else Path(upload_dir), media_url=media_url)


def current_storage() -> Storage:
    """The app's storage: the bucket of ``STORAGE_URL`` when set, else the local folder ``UPLOAD_DIR``.
    Made once per app and settings (an S3 client and its connection pool are reused)."""
    config = current_app.config
    settings = (config["STORAGE_URL"], str(config["UPLOAD_DIR"]), config["S3_ENDPOINT_URL"], config["MEDIA_URL"])
    made = current_app.extensions.get("photoid_storage")
    if made is None or made[0] != settings:
        store = storage_at(settings[0], upload_dir=Path(settings[1]), endpoint_url=settings[2], media_url=settings[3])
        made = current_app.extensions["photoid_storage"] = (settings, store)
    return made[1]


def photo_prefix(checksum: str) -> str:
    return f"photos/{checksum[:2]}/{checksum}"


def derivative_key(checksum: str, variant: str) -> str:
    return f"{photo_prefix(checksum)}/{variant}.jpg"
