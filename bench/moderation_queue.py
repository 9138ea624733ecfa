"""Benchmark: the moderation queue page with 10,000 pending items, on SQLite and PostgreSQL.

Run from the repository root:  .venv/bin/python bench/moderation_queue.py [--postgres URL]

Fills a throwaway database (created here; for PostgreSQL a fresh database on the server of URL)
with 2,000 published photos, 200 patrons, --pending pending identifications (a fifth with a box,
a third with votes) and --decided approved ones, then times, alternating, --runs requests of each in this process through
Flask's test client, signed in as an archivist of the institution:

- photoid: ``GET /moderation`` (the first page, oldest first, with crops, records, votes and rivals);
- baseline: a bare Flask route in the same app that selects the same first page of pending
  identifications with their photo and contributor in one query and renders them in a plain list.

Also prints the database's plan for the queue's page query and its count, and flags full scans
of the identification table. Rewrites the "Moderation queue" section of docs/performance.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flask import render_template_string  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.orm import joinedload  # noqa: E402

from config import TestConfig  # noqa: E402
from ingest import write_section  # noqa: E402
from pg import drop_postgres, fresh_postgres  # noqa: E402
from photoid import create_app  # noqa: E402
from photoid.accounts.models import User, staff_membership  # noqa: E402
from photoid.contributions.models import Confirmation, Identification  # noqa: E402
from photoid.db import utcnow  # noqa: E402
from photoid.extensions import db  # noqa: E402
from photoid.moderation import queries  # noqa: E402
from photoid.photos.models import Collection, Institution, Photo  # noqa: E402

SECTION = "Moderation queue"
COMMAND = ".venv/bin/python bench/moderation_queue.py --postgres postgresql://postgres@127.0.0.1/postgres"
BASELINE = """<ul>{% for i in items %}<li>{{ i.kind }} {{ i.label }} on {{ i.photo.title }} by {{ i.contributor.display_name }}</li>{% endfor %}</ul>"""


def fill(pending: int, decided: int) -> int:
    """The data set; returns the archivist's login id."""
    now = utcnow()
    institution = Institution(slug="bench", name="Bench Library")
    collection = Collection(institution=institution, slug="bench", title="Bench", is_published=True)
    db.session.add_all([institution, collection])
    db.session.flush()
    db.session.execute(insert(Photo), [
        {"collection_id": collection.id, "institution_id": institution.id, "identifier": f"B-{n:06d}", "title": f"Photo {n}",
         "width": 1600, "height": 1200, "source_format": "JPEG", "source_size": 1, "source_checksum": f"{n:064x}",
         "is_published": True}
        for n in range(2000)
    ])
    db.session.execute(insert(User), [
        {"email": f"p{n}@example.org", "display_name": f"Patron {n}", "display_name_key": f"patron {n}",
         "password_hash": "x", "role": "patron", "login_id": f"bench-{n}", "feed_token": f"bench-feed-{n}"}
        for n in range(200)
    ])
    archivist = User(email="a@example.org", display_name="Archivist", display_name_key="archivist", password_hash="x",
                     role="archivist", login_id="bench-archivist", feed_token="bench-feed-archivist")
    db.session.add(archivist)
    db.session.flush()
    db.session.execute(insert(staff_membership).values(user_id=archivist.id, institution_id=institution.id))
    photo_ids = list(db.session.scalars(select(Photo.id)))
    user_ids = list(db.session.scalars(select(User.id).where(User.role == "patron")))
    rows = []
    for n in range(pending):
        row: dict[str, Any] = {"photo_id": photo_ids[n % len(photo_ids)], "kind": "person", "text_value": f"Name {n}",
                               "contributor_id": user_ids[n % len(user_ids)], "state": "pending", "evidence": "",
                               "created_at": now - timedelta(minutes=pending - n), "modified_at": now}
        if n % 5 == 0:
            row.update(region_x=0.1, region_y=0.1, region_w=0.2, region_h=0.3)
        rows.append(row)
    db.session.execute(insert(Identification), rows)
    # Decided items outnumber pending ones on a real site; the queue must not read them.
    db.session.execute(insert(Identification), [
        {"photo_id": photo_ids[n % len(photo_ids)], "kind": "place", "text_value": f"Street {n}",
         "contributor_id": user_ids[n % len(user_ids)], "state": "approved", "evidence": "", "reviewer_id": archivist.id,
         "reviewed_at": now, "created_at": now - timedelta(days=30), "modified_at": now}
        for n in range(decided)
    ])
    ids = list(db.session.scalars(select(Identification.id).where(Identification.state == "pending")))
    db.session.execute(insert(Confirmation), [
        {"identification_id": ids[n], "voter_id": user_ids[(n + 7) % len(user_ids)], "stance": "agree" if n % 4 else "disagree",
         "note": "", "state": "active", "created_at": now}
        for n in range(0, len(ids), 3)
    ])
    db.session.commit()
    return archivist.login_id


def plan(app: Any) -> list[str]:
    """The database's plan for the queue's first page and its count."""
    with app.app_context():
        archivist = db.session.scalar(select(User).where(User.login_id == "bench-archivist"))
        query = queries.pending_identifications_query(queries.moderated_institution_ids(archivist), queries.QueueFilters())
        page = query.limit(20)
        lines = []
        dialect = db.engine.dialect.name
        for label, statement in (("page", page), ("count", select(db.func.count()).select_from(query.order_by(None).subquery()))):
            sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
            rows = db.session.execute(text(prefix + sql)).all()
            lines += [f"{label}: {row[-1]}" for row in rows]
        return lines


def measure(database_url: str, *, pending: int, decided: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="photoid-bench-queue-") as folder:
        app = create_app(TestConfig(tmp_path=Path(folder), database_url_=database_url))
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            login_id = fill(pending, decided)
            filled = time.perf_counter() - started
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()

        @app.route("/bench-baseline")
        def baseline() -> str:
            items = db.session.scalars(
                select(Identification).where(Identification.state == "pending")
                .options(joinedload(Identification.photo), joinedload(Identification.contributor))
                .order_by(Identification.created_at).limit(20)
            ).all()
            return render_template_string(BASELINE, items=items)

        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = login_id
        assert client.get("/moderation").status_code == 200
        assert client.get("/bench-baseline").status_code == 200
        timings: dict[str, list[float]] = {"queue": [], "baseline": []}
        for _ in range(runs):
            for name, path in (("queue", "/moderation"), ("baseline", "/bench-baseline")):
                started = time.perf_counter()
                response = client.get(path)
                timings[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
        result = {
            "filled": filled, "plan": plan(app),
            **{f"{k}_median": statistics.median(v) for k, v in timings.items()},
            **{f"{k}_p95": sorted(v)[int(len(v) * 0.95) - 1] for k, v in timings.items()},
        }
        with app.app_context():
            result["database"] = db.engine.dialect.name
            db.engine.dispose()  # the database goes with its folder (SQLite) or is dropped whole (PostgreSQL)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pending", type=int, default=10_000, help="pending identifications (default 10,000)")
    parser.add_argument("--decided", type=int, default=40_000, help="approved identifications beside them (default 40,000)")
    parser.add_argument("--runs", type=int, default=30, help="timed requests of each (default 30)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a fresh database is created on it and dropped after")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="photoid-bench-queue-db-") as folder:
        results.append(measure(f"sqlite:///{folder}/bench.sqlite3", pending=args.pending, decided=args.decided, runs=args.runs))
    if args.postgres:
        database_url = fresh_postgres(args.postgres, f"photoid_bench_queue_{os.getpid()}")
        try:
            results.append(measure(database_url, pending=args.pending, decided=args.decided, runs=args.runs))
        finally:
            drop_postgres(args.postgres, database_url.rsplit("/", 1)[1])

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. Command: `{COMMAND}`.",
        f"{args.pending:,} pending identifications beside {args.decided:,} approved ones over 2,000 photos "
        "(a fifth of the pending with a box, a third with votes), "
        f"first page of the queue signed in as the institution's archivist, {args.runs} requests of each, alternating, "
        "in process (Flask test client). Baseline: a bare route in the same app selecting the same page of pending items "
        "with photo and contributor in one query and rendering a plain list. Target: queue median under 100 ms.",
        "",
        "| database | queue median | queue p95 | baseline median | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = r["queue_median"] / r["baseline_median"]
        verdict = "meets target" if r["queue_median"] < 100 else "**misses target**"
        lines.append(f"| {r['database']} | {r['queue_median']:.1f} ms | {r['queue_p95']:.1f} ms | "
                     f"{r['baseline_median']:.1f} ms | {ratio:.1f}× | {verdict} |")
    lines.append("")
    for r in results:
        scans = [p for p in r["plan"] if ("SCAN identification" in p and "USING" not in p) or "Seq Scan on identification" in p]
        lines.append(f"Query plan on {r['database']} ({'no full scan of identification' if not scans else 'full scans: ' + '; '.join(scans)}):")
        lines.append("")
        lines += [f"    {p}" for p in r["plan"]]
        lines.append("")
    body = "\n".join(lines)
    print(body)
    if not args.no_doc:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
