"""The bridge from OAI-PMH to the catalog's record builder and metadata serializers.

``catalog/records.py`` turns photos into CatalogRecords (approved facts only) and
``catalog/formats.py`` turns one record into an ``oai_dc``, ``marc21`` or ``mods`` element; this
module only picks the format and keys the elements by photo id.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from photoid.catalog.formats import METADATA_FORMATS
from photoid.catalog.records import catalog_records


def metadata_formats() -> dict[str, Any]:
    """Every metadata format we disseminate, by metadataPrefix (each has prefix, namespace,
    schema_url and to_element)."""
    if isinstance(METADATA_FORMATS, dict):
        return dict(METADATA_FORMATS)
    return {fmt.prefix: fmt for fmt in METADATA_FORMATS}


def metadata_elements(photo_ids: Sequence[int], prefix: str, *, site_url: str) -> dict[int, Any]:
    """The metadata element of each photo in ``photo_ids`` in format ``prefix``, keyed by photo
    id. The caller passes only live (published) photos; unknown ids are left out. Reads only."""
    fmt = metadata_formats()[prefix]
    return {record.photo_id: fmt.to_element(record) for record in catalog_records(list(photo_ids), base_url=site_url)}
