"""A library clones only the repository: no test or module may read a folder beside it."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Ways code has reached outside the project root: a relative path up, or a parent of the root.
OUTSIDE = re.compile(r"\.\./shared|[\"']shared[\"']\s*/|parents\[\d\]\.parent|/ *[\"']shared[\"']")


def test_no_source_file_reaches_outside_the_project() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("photoid", "tests", "bench", "scripts", "migrations")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".py", ".sh", ".cfg", ".ini"} and path.is_file()
        and path.name != Path(__file__).name
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == [], f"these lines read outside the repository: {offenders}"


def test_the_schemas_the_tests_use_are_in_the_repository() -> None:
    from tests.schemas import SCHEMAS, XML_SCHEMAS

    assert SCHEMAS.is_relative_to(ROOT)
    for name in ("oai_combined.xsd", "MARC21slim.xsd", "mods-3-8.xsd", "oai_dc.local.xsd"):
        assert (XML_SCHEMAS / name).is_file(), name
    assert (SCHEMAS / "iiif" / "presentation-3.0.json").is_file()
    assert "Apache" in (SCHEMAS / "README.md").read_text()  # every copy names its terms
