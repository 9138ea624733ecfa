"""File storage behind a small adapter: a local folder now, object storage later.

Writes are atomic (a temporary name in the same folder, then rename), so a crash never
leaves a half-written file where a reader would find it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath


class StorageError(Exception):
    pass


class LocalStorage:
    """Files under one root folder, addressed by slash-separated keys such as ``photos/ab/abcd…/thumb.jpg``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        pure = PurePosixPath(key)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise StorageError(f"unsafe storage key: {key!r}")
        return self.root.joinpath(*pure.parts)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def write_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete_prefix(self, prefix: str) -> None:
        """Remove every file under a key prefix (used to clean up a failed ingest)."""
        folder = self.path(prefix)
        if not folder.exists():
            return
        for child in sorted(folder.rglob("*"), reverse=True):
            child.unlink() if child.is_file() else child.rmdir()
        folder.rmdir()


def photo_prefix(checksum: str) -> str:
    return f"photos/{checksum[:2]}/{checksum}"


def derivative_key(checksum: str, variant: str) -> str:
    return f"{photo_prefix(checksum)}/{variant}.jpg"
