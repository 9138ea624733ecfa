"""Where the official schemas live: ``../shared/schemas`` beside the project root (see its README)."""
from __future__ import annotations

from pathlib import Path

SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "schemas"
XML_SCHEMAS = SCHEMAS / "xml"
