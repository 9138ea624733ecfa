"""The official schemas the tests validate output against, kept in the repository (see README.md here).

Nothing in the project reads outside its own folder: a library's clone has only the repository.
"""
from __future__ import annotations

from pathlib import Path

SCHEMAS = Path(__file__).resolve().parent
XML_SCHEMAS = SCHEMAS / "xml"
