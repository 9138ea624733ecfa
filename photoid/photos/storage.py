"""File storage behind a small adapter: a local folder now, object storage later.

Keys are slash-separated and checked, so no key can point outside the root. Writing is done
by photos/ingest.py, which renames a complete staging folder into place in one step.
"""
from __future__ import annotations

import shutil
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

    def remove_tree(self, key: str) -> None:
        """Remove the folder (or file) under ``key`` and everything in it; nothing if it is missing."""
        target = self.path(key)
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)


def photo_prefix(checksum: str) -> str:
    return f"photos/{checksum[:2]}/{checksum}"


def derivative_key(checksum: str, variant: str) -> str:
    return f"{photo_prefix(checksum)}/{variant}.jpg"
