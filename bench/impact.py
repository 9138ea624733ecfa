"""Benchmark: the impact dashboard over 100,000 photos and 500,000 contributions, on SQLite and PostgreSQL.

Run from the repository root:  .venv/bin/python bench/impact.py [--postgres URL]

Fills a throwaway database (for PostgreSQL a fresh database on the server of URL, dropped after)
with --photos published photos in 4 institutions, 5,000 patrons and --contributions contributions
(70 % identifications in every state, 30 % comments) spread over three years, plus 300 catalog
exports. Then times, alternating, --runs requests of each in this process through Flask's test client:

- ``GET /admin/impact`` as an admin (the whole consortium, last 12 weeks, the default);
- ``GET /admin/impact?weeks=52`` as an admin;
- ``GET /admin/impact`` as the archivist of one institution (a join to photo on every figure);
- ``GET /achievements`` (public, last 52 weeks);
- baseline: a bare route in the same app answering ``SELECT count(*) FROM identification``.

Rewrites the "Impact dashboard" section of docs/performance.md (unless --no-doc).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
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

from sqlalchemy import func, insert, select, text  # noqa: E402

from config import TestConfig  # noqa: E402
from ingest import write_section  # noqa: E402
from pg import drop_postgres, fresh_postgres  # noqa: E402
from photoid import create_app  # noqa: E402
from photoid.accounts.models import User, staff_membership  # noqa: E402
from photoid.catalog.models import ExportRun  # noqa: E402
from photoid.contributions.models import Comment, Identification  # noqa: E402
from photoid.db import utcnow  # noqa: E402
from photoid.extensions import db  # noqa: E402
from photoid.photos.models import Collection, Institution, Photo  # noqa: E402

SECTION = "Impact dashboard"
COMMAND = ".venv/bin/python bench/impact.py --postgres postgresql://postgres@127.0.0.1/postgres"
TARGET_MS = 200
SPAN_DAYS = 3 * 365
BATCH = 20_000
STATES = ["approved"] * 45 + ["rejected"] * 20 + ["pending"] * 15 + ["spam"] * 5 + ["withdrawn"] * 5 + \
    ["approved_with_changes"] * 5 + ["superseded"] * 3 + ["retracted"] * 2
COMMENT_STATES = ["published"] * 80 + ["pending"] * 10 + ["rejected"] * 7 + ["spam"] * 3


def _batches(rows: Any) -> Any:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(photos: int, contributions: int) -> dict[str, str]:
    """The data set; returns the login ids of the admin and of one archivist."""
    rng = random.Random(9)
    now = utcnow()
    institutions = [Institution(slug=f"bench-{n}", name=f"Bench Library {n}") for n in range(4)]
    collections = [Collection(institution=i, slug=f"bench-{n}", title=f"Bench {n}", is_published=True)
                   for n, i in enumerate(institutions)]
    db.session.add_all(institutions + collections)
    db.session.flush()
    for batch in _batches(
        {"collection_id": collections[n % 4].id, "institution_id": institutions[n % 4].id, "identifier": f"B-{n:07d}",
         "title": f"Photo {n}", "width": 1600, "height": 1200, "source_format": "JPEG", "source_size": 1,
         "source_checksum": f"{n:064x}", "is_published": n % 50 != 0,
         "created_at": now - timedelta(days=SPAN_DAYS * (photos - n) / photos), "modified_at": now}
        for n in range(photos)
    ):
        db.session.execute(insert(Photo), batch)
    db.session.execute(insert(User), [
        {"email": f"p{n}@example.org", "display_name": f"Patron {n}", "display_name_key": f"patron {n}",
         "password_hash": "x", "role": "patron", "login_id": f"bench-{n}", "feed_token": f"bench-feed-{n}"}
        for n in range(5000)
    ])
    admin = User(email="admin@example.org", display_name="Admin", display_name_key="admin", password_hash="x",
                 role="admin", login_id="bench-admin", feed_token="bench-feed-admin")
    archivist = User(email="a@example.org", display_name="Archivist", display_name_key="archivist", password_hash="x",
                     role="archivist", login_id="bench-archivist", feed_token="bench-feed-archivist")
    db.session.add_all([admin, archivist])
    db.session.flush()
    db.session.execute(insert(staff_membership).values(user_id=archivist.id, institution_id=institutions[0].id))
    first_photo = db.session.scalar(select(func.min(Photo.id)))
    first_user = db.session.scalar(select(func.min(User.id)))

    def when(n: int, total: int) -> Any:
        return now - timedelta(days=SPAN_DAYS * (total - n) / total, minutes=rng.randint(0, 600))

    identifications = contributions * 7 // 10
    comments = contributions - identifications

    def identification(n: int) -> dict[str, Any]:
        state = rng.choice(STATES)
        created = when(n, identifications)
        decided = state not in ("pending", "withdrawn")
        return {"photo_id": first_photo + rng.randrange(photos), "kind": "person", "text_value": f"Name {n}",
                "contributor_id": first_user + rng.randrange(5000), "state": state, "evidence": "",
                "reviewer_id": archivist.id if decided else None,
                "reviewed_at": created + timedelta(hours=rng.expovariate(1 / 30)) if decided else None,
                "created_at": created, "modified_at": created}

    def comment(n: int) -> dict[str, Any]:
        state = rng.choice(COMMENT_STATES)
        created = when(n, comments)
        held = state != "pending" and rng.random() < 0.3 or state in ("rejected", "spam")
        return {"photo_id": first_photo + rng.randrange(photos), "author_id": first_user + rng.randrange(5000),
                "body": f"Comment {n}", "state": state, "reviewer_id": archivist.id if held else None,
                "reviewed_at": created + timedelta(hours=rng.expovariate(1 / 20)) if held else None,
                "created_at": created, "modified_at": created}

    for batch in _batches(identification(n) for n in range(identifications)):
        db.session.execute(insert(Identification), batch)
    for batch in _batches(comment(n) for n in range(comments)):
        db.session.execute(insert(Comment), batch)
    db.session.execute(insert(ExportRun), [
        {"format": "csv", "collection_id": collections[n % 4].id if n % 5 else None, "started_at": when(n, 300),
         "finished_at": when(n, 300), "record_count": rng.randint(1, 2000)}
        for n in range(300)
    ])
    db.session.commit()
    return {"admin": admin.login_id, "archivist": archivist.login_id}


def measure(database_url: str, *, photos: int, contributions: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="photoid-bench-impact-") as folder:
        app = create_app(TestConfig(tmp_path=Path(folder), database_url_=database_url))
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            logins = fill(photos, contributions)
            filled = time.perf_counter() - started
            db.session.commit()
            # What autovacuum does on a live PostgreSQL server (index-only scans need the visibility map).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))

        @app.route("/bench-baseline")
        def baseline() -> str:
            return f"<p>{db.session.scalar(select(func.count()).select_from(Identification))} identifications</p>"

        pages = {
            "admin, 12 weeks": ("admin", "/admin/impact"),
            "admin, 52 weeks": ("admin", "/admin/impact?weeks=52"),
            "archivist, 12 weeks": ("archivist", "/admin/impact"),
            "achievements, 52 weeks": (None, "/achievements"),
            "baseline count(*)": (None, "/bench-baseline"),
        }
        clients = {}
        for who in ("admin", "archivist", None):
            client = app.test_client()
            if who:
                with client.session_transaction() as session:
                    session["_user_id"] = logins[who]
            clients[who] = client
        app.config["IMPACT_CACHE_SECONDS"] = 0  # every timed request works its figures out (no in-process copy)

        def timed(who: str | None, path: str) -> float:
            started = time.perf_counter()
            response = clients[who].get(path)
            assert response.status_code == 200, path
            return (time.perf_counter() - started) * 1000

        # The first view after installing: every ended week of every institution is worked out and kept.
        first_view = {"admin, 52 weeks": timed("admin", "/admin/impact?weeks=52")}
        first_view["admin, all time"] = timed("admin", "/admin/impact?weeks=all")
        for who, path in pages.values():  # warm up: templates compiled, connections open
            timed(who, path)
        timings: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(runs):
            for name, (who, path) in pages.items():
                timings[name].append(timed(who, path))
        # Moderation going on: before each view an archivist approves a suggestion sent 3-8 weeks ago,
        # so that week of that institution is worked out again (and the current week, always).
        after_change = []
        with app.app_context():
            old = list(db.session.scalars(select(Identification.id).where(
                Identification.state == "pending", Identification.created_at < utcnow() - timedelta(weeks=3),
                Identification.created_at > utcnow() - timedelta(weeks=8)).limit(runs)))
            reviewer_id = db.session.scalar(select(User.id).where(User.login_id == logins["archivist"]))
        for identification_id in old:
            with app.app_context():
                found = db.session.get(Identification, identification_id)
                assert found is not None
                found.state, found.reviewer_id, found.reviewed_at = "approved", reviewer_id, utcnow()
                db.session.commit()
            after_change.append(timed("admin", "/admin/impact"))
        timings["admin, 12 weeks, after a decision"] = after_change
        app.config["IMPACT_CACHE_SECONDS"] = 300  # then as served: the figures kept for five minutes
        warm = [timed("admin", "/admin/impact") for _ in range(runs)]
        timings["admin, 12 weeks, cached"] = warm[1:]
        with app.app_context():
            result = {"database": db.engine.dialect.name, "filled": filled, "first_view": first_view,
                      "median": {k: statistics.median(v) for k, v in timings.items()},
                      "max": {k: max(v) for k, v in timings.items()}}
            db.session.remove()
            db.engine.dispose()  # the database goes with its folder (SQLite) or is dropped whole (PostgreSQL)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000, help="published photos (default 100,000)")
    parser.add_argument("--contributions", type=int, default=500_000, help="identifications and comments (default 500,000)")
    parser.add_argument("--runs", type=int, default=7, help="timed requests of each page (default 7)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a fresh database is created on it and dropped after")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only (with --postgres)")
    args = parser.parse_args()

    results = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="photoid-bench-impact-db-") as folder:
            results.append(measure(f"sqlite:///{folder}/bench.sqlite3", photos=args.photos,
                                   contributions=args.contributions, runs=args.runs))
            print(results[-1], flush=True)
    if args.postgres:
        database_url = fresh_postgres(args.postgres, f"h_impact_bench_{os.getpid()}")
        try:
            results.append(measure(database_url, photos=args.photos, contributions=args.contributions, runs=args.runs))
            print(results[-1], flush=True)
        finally:
            drop_postgres(args.postgres, database_url.rsplit("/", 1)[1])

    names = list(results[0]["median"])
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. Command: `{COMMAND}`.",
        f"{args.photos:,} photos in 4 institutions, {args.contributions:,} contributions (70 % identifications in every "
        "state, 30 % comments) from 5,000 patrons over three years, 300 catalog exports; then ANALYZE (VACUUM ANALYZE "
        "on PostgreSQL, as autovacuum would). Each page rendered in process (Flask test client) with the five-minute "
        f"figure cache off, so every request works its figures out: the ended weeks read from `impact_week`, the "
        f"current week, the waiting summary and the exports live. {args.runs} requests of each page, alternating; "
        "median (and slowest) in ms. \"after a decision\": before each request an archivist approves a suggestion "
        "sent 3 to 8 weeks ago, so that week is worked out again. \"cached\": the admin page as served, figures kept "
        "five minutes (first request left out). \"first view\": the one request after installing, which works out "
        "and keeps every ended week of every institution. Baseline: a bare route in the same app answering "
        f"`SELECT count(*) FROM identification`. Target: dashboard median under {TARGET_MS} ms.",
        "",
        "| database | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for r in results:
        cells = [f"{r['median'][n]:.0f} ({r['max'][n]:.0f})" for n in names]
        lines.append(f"| {r['database']} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| database | first view, admin 52 weeks | then all time | fill |")
    lines.append("|---|---:|---:|---:|")
    for r in results:
        lines.append(f"| {r['database']} | {r['first_view']['admin, 52 weeks']:.0f} | "
                     f"{r['first_view']['admin, all time']:.0f} | {r['filled']:.0f} s |")
    lines.append("")
    for r in results:
        worst = max(v for k, v in r["median"].items() if k not in ("baseline count(*)", "admin, 12 weeks, cached"))
        verdict = "meets the target" if worst < TARGET_MS else "**misses the target**"
        lines.append(f"- {r['database']}: slowest page with its figures worked out, median {worst:.0f} ms, {verdict} "
                     f"({worst / max(r['median']['baseline count(*)'], 0.01):.0f}× the bare count); as served with the "
                     f"five-minute cache, {r['median']['admin, 12 weeks, cached']:.0f} ms.")
    body = "\n".join(lines)
    print(body)
    if not args.no_doc:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
