"""The photos feature's error, on its own so collections.py and service.py can both raise it
without importing each other."""
from __future__ import annotations


class PhotoError(ValueError):
    """A photo that cannot be added; the message is for the archivist.

    ``kind`` is "duplicate" when the same photo is already catalogued (nothing to do), or
    "rejected" when something must be fixed first.
    """

    def __init__(self, message: str, *, kind: str = "rejected") -> None:
        super().__init__(message)
        self.kind = kind
