"""The demo's MARC export passes MARC::Lint, the Perl checker cataloguers run (marc-lint), with no warnings.

Needs perl with MARC::Lint (Debian: ``apt-get install libmarc-lint-perl``; .ci/run installs it).
"""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pymarc
import pytest
from sqlalchemy import select

from photoid.catalog.export import render
from photoid.catalog.records import catalog_records
from photoid.extensions import db
from photoid.photos.models import Photo
from tests.unit.test_catalog_formats import make_record
from photoid.catalog.records import Fact

#: Reads binary MARC from standard input and prints each warning as "identifier: warning".
LINT = r"""
use strict; use warnings;
use MARC::File::USMARC; use MARC::Lint;
binmode STDIN; binmode STDOUT, ':encoding(UTF-8)';
my $lint = MARC::Lint->new;
my $file = MARC::File::USMARC->in(\*STDIN);
while (my $record = $file->next) {
    $lint->check_record($record);
    print $record->field('001')->data, ": $_\n" for $lint->warnings;
}
"""


def _marc_lint_missing() -> bool:
    if shutil.which("perl") is None:
        return True
    return subprocess.run(["perl", "-MMARC::Lint", "-MMARC::File::USMARC", "-e", "1"], capture_output=True).returncode != 0


pytestmark = pytest.mark.skipif(_marc_lint_missing(), reason="perl's MARC::Lint is not installed "
                                "(Debian: apt-get install libmarc-lint-perl)")


def marc_lint(marcxml: bytes, tmp_path: Path) -> list[str]:
    """MARC::Lint's warnings for every record of a MARCXML file (converted to binary MARC by pymarc)."""
    binary = b"".join(record.as_marc() for record in pymarc.parse_xml_to_array(io.BytesIO(marcxml)))
    script = tmp_path / "lint.pl"
    script.write_text(LINT)
    result = subprocess.run(["perl", str(script)], input=binary, capture_output=True, check=True)
    return result.stdout.decode("utf-8").splitlines()


def test_the_demo_export_passes_marc_lint_with_no_warnings(app, tmp_path) -> None:
    assert app.test_cli_runner().invoke(args=["demo", "--if-empty"]).exit_code == 0
    ids = list(db.session.scalars(select(Photo.id).order_by(Photo.id)))
    typed = make_record(identifier="TYPED", title="Main\tStreet\nparade", description="Crowds\r\non\tMain Street",
                        keywords=[Fact(7, "keyword", "brass\tband")], events=[Fact(5, "event", "Town council\nmeeting")],
                        date_edtf="194X")
    records = [*catalog_records(ids, base_url="https://photos.example.org"), typed]
    marcxml = b"".join(render("marcxml", records))
    assert marcxml.count(b"<marc:record") == 35  # the demo's 34 photos and the typed record
    assert marc_lint(marcxml, tmp_path) == []


def test_marc_lint_does_complain_about_a_broken_record(tmp_path) -> None:
    """The check above can fail: a tab in a subfield is what marc-lint reported before exports cleaned it."""
    broken = (b'<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>00000nkm a2200000 i 4500</leader>'
              b'<controlfield tag="001">X</controlfield><datafield tag="245" ind1="0" ind2="0">'
              b'<subfield code="a">Main\tStreet.</subfield></datafield></record></collection>')
    assert "X: 245: Subfield _a has an invalid control character" in marc_lint(broken, tmp_path)
