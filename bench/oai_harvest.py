"""Benchmark: a full OAI-PMH ListRecords harvest of N photos, in marc21 and in oai_dc.

Run from the repository root:  .venv/bin/python bench/oai_harvest.py [--photos 100000] [--runs 3]

Fills a throwaway SQLite database with --photos published photos over 2 libraries and 4
collections (each with a cataloged date, creator, subjects and places; every third photo with
an approved person, every fifth with an approved place), starts the site in a separate server
process (werkzeug, one thread, 127.0.0.1 only), and harvests the whole list the way a
harvester does: ListRecords, then resumptionToken after resumptionToken, page size
--page-size. Reports records per second (median of --runs harvests of each format) and the
server process's peak resident memory (VmHWM, reset before each harvest). Rewrites the
"OAI-PMH harvest" section of docs/performance.md unless --no-doc.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SECTION = "OAI-PMH harvest"
FORMATS = ("marc21", "oai_dc")
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
ERROR = re.compile(rb'<error code="([^"]+)"')


def make_app(folder: Path, database_url: str, page_size: int):  # type: ignore[no-untyped-def]
    from config import TestConfig
    from photoid import create_app

    config = TestConfig(tmp_path=folder, database_url_=database_url)
    config.OAI_PAGE_SIZE = page_size
    config.SECRET_KEY = "bench"
    return create_app(config)


def fill(app, photos: int) -> None:  # type: ignore[no-untyped-def]
    """The data set, inserted in bulk."""
    from sqlalchemy import insert, select

    from photoid.accounts.models import User
    from photoid.contributions.models import Identification
    from photoid.db import utcnow
    from photoid.extensions import db
    from photoid.photos.models import Collection, Institution, Photo

    with app.app_context():
        db.create_all()
        start = utcnow() - timedelta(days=30)
        libraries = [Institution(slug=f"library-{n}", name=f"Library {n}") for n in range(2)]
        collections = [Collection(institution=libraries[n % 2], slug=f"box-{n}", title=f"Box {n}") for n in range(4)]
        patron = User(email="p@example.org", display_name="Patron", display_name_key="patron", password_hash="x",
                      role="patron", login_id="bench-patron", feed_token="bench-feed-patron")
        archivist = User(email="a@example.org", display_name="Archivist", display_name_key="archivist", password_hash="x",
                         role="archivist", login_id="bench-archivist", feed_token="bench-feed-archivist")
        db.session.add_all([*libraries, *collections, patron, archivist])
        db.session.flush()
        for first in range(0, photos, 5000):
            db.session.execute(insert(Photo), [
                {"collection_id": collections[n % 4].id, "institution_id": collections[n % 4].institution_id,
                 "identifier": f"B-{n:07d}", "title": f"Harbour and main street, view {n}",
                 "description": "Boats at the quay, with the customs house behind.", "date_edtf": f"19{n % 90 + 10}~",
                 "creator": "Studio Lumen", "rights_uri": "http://rightsstatements.org/vocab/NoC-US/1.0/",
                 "subjects": ["Harbors", "Boats"], "places": ["Millbrook"], "width": 1600, "height": 1200,
                 "source_format": "JPEG", "source_size": 1, "source_checksum": f"{n:064x}", "is_published": True,
                 "created_at": start, "modified_at": start + timedelta(seconds=n)}
                for n in range(first, min(photos, first + 5000))
            ])
        ids = list(db.session.scalars(select(Photo.id).order_by(Photo.id)))
        facts = [(pid, "person", f"Person {i}") for i, pid in enumerate(ids) if i % 3 == 0]
        facts += [(pid, "place", f"Place {i}") for i, pid in enumerate(ids) if i % 5 == 0]
        for first in range(0, len(facts), 5000):
            db.session.execute(insert(Identification), [
                {"photo_id": pid, "kind": kind, "text_value": value, "contributor_id": patron.id, "state": "approved",
                 "evidence": "", "reviewer_id": archivist.id, "reviewed_at": start, "created_at": start, "modified_at": start}
                for pid, kind, value in facts[first:first + 5000]
            ])
        db.session.commit()
        db.engine.dispose()


def serve(folder: str, database_url: str, page_size: int) -> None:
    """The server process: prints its port, then serves until killed."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = make_app(Path(folder), database_url, page_size)
    http = make_server("127.0.0.1", 0, app, threaded=False)
    print(http.server_port, flush=True)
    http.serve_forever()


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> None:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass  # not Linux, or not allowed: the peak is then since the server started


def harvest(base: str, prefix: str) -> int:
    """Every record of the list, page by page; returns how many records came."""
    count, query = 0, {"verb": "ListRecords", "metadataPrefix": prefix}
    while True:
        with urllib.request.urlopen(f"{base}?{urllib.parse.urlencode(query)}", timeout=600) as response:
            body = response.read()
        error = ERROR.search(body)
        if error:
            raise SystemExit(f"harvest stopped with OAI-PMH error {error.group(1).decode()}")
        count += body.count(b"<record>")
        token = TOKEN.search(body)
        if not token:
            return count
        query = {"verb": "ListRecords", "resumptionToken": token.group(1).decode()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000, help="photos in the repository (default 100,000)")
    parser.add_argument("--runs", type=int, default=3, help="full harvests of each format (default 3)")
    parser.add_argument("--page-size", type=int, default=100, help="records per page (default 100, the site default)")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--serve", nargs=2, metavar=("FOLDER", "DATABASE_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], args.page_size)
        return

    with tempfile.TemporaryDirectory(prefix="photoid-bench-oai-") as folder:
        database_url = f"sqlite:///{folder}/bench.sqlite3"
        started = time.perf_counter()
        fill(make_app(Path(folder), database_url, args.page_size), args.photos)
        print(f"filled {args.photos:,} photos in {time.perf_counter() - started:.0f} s", flush=True)
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", folder, database_url, "--page-size", str(args.page_size)],
            stdout=subprocess.PIPE, env={**os.environ, "PHOTOID_INSTANCE_DIR": folder},
        )
        try:
            assert server.stdout is not None
            base = f"http://127.0.0.1:{int(server.stdout.readline())}/oai"
            results = {}
            for prefix in FORMATS:
                rates, peaks = [], []
                for run in range(args.runs):
                    reset_peak(server.pid)
                    began = time.perf_counter()
                    count = harvest(base, prefix)
                    elapsed = time.perf_counter() - began
                    assert count == args.photos, f"harvested {count} records of {args.photos}"
                    rates.append(count / elapsed)
                    peaks.append(peak_kb(server.pid))
                    print(f"{prefix} run {run + 1}: {count:,} records in {elapsed:.1f} s "
                          f"({count / elapsed:,.0f}/s), server peak {peaks[-1] / 1024:.0f} MB", flush=True)
                results[prefix] = (statistics.median(rates), max(peaks), args.photos / statistics.median(rates))
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(args, results)


def report(args, results) -> None:  # type: ignore[no-untyped-def]
    command = ".venv/bin/python bench/oai_harvest.py" + ("" if args.photos == 100_000 else f" --photos {args.photos}")
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite. "
        f"Command: `{command}`.",
        f"A full `ListRecords` harvest of {args.photos:,} published photos (a third with an approved person, a fifth "
        f"with an approved place), {args.page_size} records a page, following resumption tokens over HTTP on "
        f"127.0.0.1 against a one-thread werkzeug server in its own process; median of {args.runs} harvests of each "
        "format. Peak memory is the server process's resident high-water mark (VmHWM), reset before each harvest.",
        "",
        "| format | records/s (median) | full harvest | server peak memory |",
        "|---|---|---|---|",
    ]
    for prefix, (rate, peak, seconds) in results.items():
        lines.append(f"| {prefix} | {rate:,.0f} | {seconds:,.0f} s | {peak / 1024:.0f} MB |")
    body = "\n".join(lines)
    print(body)
    if not args.no_doc:
        from ingest import write_section

        write_section(SECTION, body)


if __name__ == "__main__":
    main()
