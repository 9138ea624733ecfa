"""Stored files in an S3 bucket (AWS, MinIO, Ceph or any S3-compatible store), through boto3.

The same operations as :class:`~photoid.photos.storage.LocalStorage` (the table in storage.py),
selected by ``PHOTOID_STORAGE_URL=s3://bucket/prefix``. Credentials come the way boto3 finds them
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``~/.aws``, an instance role); the address of a
store other than AWS from ``PHOTOID_S3_ENDPOINT_URL``. Staging folders stay on the local disk.
"""
from __future__ import annotations

import mimetypes
import tempfile
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from flask import request
from werkzeug.wrappers import Response

from photoid.photos.storage import FOLDER_MARKER, LocalStaging, NotStored, StorageError, key_parts

#: A file opened from the bucket is kept in memory up to this size, on the local disk beyond it.
SPOOL_BYTES = 8 * 1024 * 1024
#: The largest number of keys one DeleteObjects request takes.
DELETE_BATCH = 1000
SEND_CHUNK = 64 * 1024


def _client(endpoint_url: str | None) -> Any:
    return boto3.client("s3", endpoint_url=endpoint_url or None,
                        config=BotoConfig(retries={"mode": "standard"}, max_pool_connections=32))


def _typed(name: str) -> dict[str, str]:
    """The Content-Type a bucket should send with the object: a store keeps what it is given, else
    answers binary/octet-stream, which a browser fetching a tile from PHOTOID_MEDIA_URL will not show."""
    kind = mimetypes.guess_type(name)[0]
    return {"ContentType": kind} if kind else {}


def _status(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _missing(error: ClientError) -> bool:
    return _status(error) in ("404", "NoSuchKey", "NotFound")


class S3Storage(LocalStaging):
    """Objects ``prefix/key`` in one bucket; ``client`` is a boto3 S3 client (thread-safe, reused)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", *, staging_root: Path,
                 media_url: str | None = None, endpoint_url: str | None = None) -> None:
        super().__init__(staging_root, media_url)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url

    def __getstate__(self) -> dict[str, Any]:
        # `photoid import` hands the storage to its worker processes, and a boto3 client does not pickle:
        # each process makes its own, for the same store.
        return {**self.__dict__, "client": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.client = _client(self.endpoint_url)

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None, staging_root: Path,
                 media_url: str | None = None) -> S3Storage:
        """``s3://bucket/prefix``; StorageError when it names no bucket."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise StorageError(f"An object storage URL looks like s3://bucket/prefix, not {url!r}.")
        return cls(_client(endpoint_url), parts.netloc, parts.path, staging_root=staging_root, media_url=media_url,
                   endpoint_url=endpoint_url)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def _name(self, key: str) -> str:
        return "/".join(((self.prefix,) if self.prefix else ()) + key_parts(key))

    def _key(self, name: str) -> str:
        return name[len(self.prefix) + 1:] if self.prefix else name

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))  # type: ignore[no-any-return]
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def open(self, key: str) -> BinaryIO:
        # Into a seekable file: Pillow and json read what open() gives, and a stream from the bucket cannot seek.
        spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        try:
            self.client.download_fileobj(self.bucket, self._name(key), spooled)
        except ClientError as error:
            spooled.close()
            if _missing(error):
                raise NotStored(key) from None
            raise
        spooled.seek(0)
        return spooled  # type: ignore[return-value]

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, **_typed(key))

    def put_folder(self, prefix: str, folder: Path) -> bool:
        """Upload every file of ``folder``, the marker last and only if it is not there yet, so a
        folder half uploaded (a crash, a full disk) never looks complete and the first put wins."""
        folder = Path(folder)
        staged = self._is_staging(folder)
        files = sorted(path for path in folder.rglob("*") if not path.is_dir())
        marker = folder / FOLDER_MARKER
        has_marker = marker in files
        already = self.exists(f"{prefix}/{FOLDER_MARKER}") if has_marker else bool(self.keys(prefix))
        if already:
            if staged:
                self.discard(folder)
            return False
        uploaded: list[str] = []
        try:
            for path in files:
                if path != marker:
                    name = self._name(f"{prefix}/{path.relative_to(folder).as_posix()}")
                    with path.open("rb") as handle:
                        self.client.put_object(Bucket=self.bucket, Key=name, Body=handle, **_typed(name))
                    uploaded.append(name)
            if has_marker:
                self.client.put_object(Bucket=self.bucket, Key=self._name(f"{prefix}/{FOLDER_MARKER}"),
                                       Body=marker.read_bytes(), IfNoneMatch="*", **_typed(FOLDER_MARKER))
        except ClientError as error:
            # 412: another put of the same prefix wrote the marker first; its files are the same bytes.
            if has_marker and _status(error) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                if staged:
                    self.discard(folder)
                return False
            self._delete(uploaded)
            raise
        except BaseException:
            self._delete(uploaded)
            raise
        if staged:
            self.discard(folder)
        return True

    def keys(self, prefix: str) -> list[str]:
        return sorted(self.sizes(prefix))

    def sizes(self, prefix: str) -> dict[str, int]:
        head = self._head(prefix)
        if head is not None:
            return {prefix: int(head["ContentLength"])}
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._name(prefix) + "/")
        return {self._key(item["Key"]): int(item["Size"]) for page in pages for item in page.get("Contents", ())}

    def delete_prefix(self, prefix: str) -> None:
        names = [self._name(key) for key in self.keys(prefix)]
        # Markers first: a folder whose deletion is interrupted must not look complete.
        markers = [name for name in names if name.endswith(f"/{FOLDER_MARKER}")]
        self._delete(markers)
        self._delete([name for name in names if name not in set(markers)])

    def _delete(self, names: list[str]) -> None:
        for start in range(0, len(names), DELETE_BATCH):
            batch = [{"Key": name} for name in names[start:start + DELETE_BATCH]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def send(self, key: str, *, mimetype: str, max_age: int, immutable: bool = False) -> Response:
        """The object streamed from the bucket with the headers LocalStorage.send gives (its ETag,
        Cache-Control); a 304 when the browser's copy is current, asked of the bucket itself."""
        cache_control = f"public, max-age={max_age}" + (", immutable" if immutable else "")
        condition = request.headers.get("If-None-Match")
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self._name(key),
                                           **({"IfNoneMatch": condition} if condition else {}))
        except ClientError as error:
            if _status(error) in ("304", "NotModified"):
                etag = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("etag", condition)
                return Response(status=304, headers={"ETag": etag, "Cache-Control": cache_control})
            if _missing(error):
                raise NotStored(key) from None
            raise
        body = found["Body"]
        response = Response(body.iter_chunks(SEND_CHUNK), mimetype=mimetype, direct_passthrough=True)
        response.headers["Content-Length"] = str(found["ContentLength"])
        response.headers["ETag"] = found["ETag"]
        response.headers["Cache-Control"] = cache_control
        if found.get("LastModified"):
            response.last_modified = found["LastModified"]
        response.call_on_close(body.close)
        return response
