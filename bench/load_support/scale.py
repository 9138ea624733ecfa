"""Does the photo page degrade with collection size? Times it in process at each size, counts its
SQL statements and, on SQLite, lists any full table scans in their query plans."""
from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from load_support import site
from pg import drop_postgres, fresh_postgres


def fill(size: int) -> list[int]:
    """``size`` published photos (rows only; the page does not read the image files), each with two
    approved identifications and every tenth with a pending one and a comment."""
    from sqlalchemy import insert, select

    from photoid.accounts.models import User
    from photoid.contributions.models import Comment, Identification
    from photoid.db import utcnow
    from photoid.extensions import db
    from photoid.photos.models import Collection, Institution, Photo

    now = utcnow()
    institution = Institution(slug="scale", name="Scale Library")
    collection = Collection(institution=institution, slug="scale", title="Scale", is_published=True)
    db.session.add_all([institution, collection])
    db.session.flush()
    db.session.execute(insert(Photo), [
        {"collection_id": collection.id, "institution_id": institution.id, "identifier": f"S-{n:06d}",
         "title": f"Photo {n}", "width": 1600, "height": 1200, "source_format": "JPEG", "source_size": 1,
         "source_checksum": f"{n:064x}", "is_published": True}
        for n in range(size)
    ])
    db.session.execute(insert(User), [
        {"email": f"s{n}@example.org", "display_name": f"Scaler {n}", "display_name_key": f"scaler {n}",
         "password_hash": "x", "role": "patron", "login_id": f"scale-{n}", "feed_token": f"scale-feed-{n}"}
        for n in range(50)
    ])
    photo_ids = list(db.session.scalars(select(Photo.id)))
    user_ids = list(db.session.scalars(select(User.id)))
    reviewer = user_ids[0]
    rows = []
    for n, photo_id in enumerate(photo_ids):
        for k in range(2):
            rows.append({"photo_id": photo_id, "kind": "person", "text_value": f"Person {n}-{k}", "evidence": "",
                         "contributor_id": user_ids[(n + k) % len(user_ids)], "state": "approved",
                         "reviewer_id": reviewer, "reviewed_at": now, "created_at": now, "modified_at": now})
        if n % 10 == 0:
            rows.append({"photo_id": photo_id, "kind": "place", "text_value": f"Street {n}", "evidence": "",
                         "contributor_id": user_ids[n % len(user_ids)], "state": "pending",
                         "created_at": now, "modified_at": now})
    db.session.execute(insert(Identification), rows)
    db.session.execute(insert(Comment), [
        {"photo_id": photo_id, "author_id": user_ids[n % len(user_ids)], "body": f"Comment {n}", "state": "published",
         "created_at": now}
        for n, photo_id in enumerate(photo_ids[::10])
    ])
    db.session.commit()
    return photo_ids


def measure(size: int, database_url: str, folder: Path, *, samples: int = 200) -> dict[str, Any]:
    from sqlalchemy import event

    from photoid.extensions import db

    app = site.make_app(site.site_env(folder, database_url))
    app.config["PAGE_CACHE_ENTRIES"] = 0  # the page's own work, not a kept copy
    with app.app_context():
        db.create_all()
        photo_ids = fill(size)
        statements: list[tuple[str, Any]] = []

        def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            statements.append((statement, parameters))

        client = app.test_client()
        # The baseline, asked for the same photo right after each photoid page: the ratio of the two
        # is the page's own cost, steadier than either time on a machine whose speed drifts.
        bare = site.bare_app(database_url).test_client()
        rng = random.Random(size)
        for photo_id in photo_ids[:20]:  # warm up
            client.get(f"/photos/{photo_id}")
            bare.get(f"/photos/{photo_id}")
        times, bare_times, counts = [], [], []
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for _ in range(samples):
                statements.clear()
                photo_id = photo_ids[rng.randrange(len(photo_ids))]
                started = time.perf_counter()
                response = client.get(f"/photos/{photo_id}")
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
                counts.append(len(statements))
                last = list(statements)
                started = time.perf_counter()
                assert bare.get(f"/photos/{photo_id}").status_code == 200
                bare_times.append(time.perf_counter() - started)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        scans = set()
        if db.engine.dialect.name == "sqlite":
            raw = db.engine.raw_connection()
            try:
                for statement, parameters in last:
                    if statement.lstrip().upper().startswith("SELECT"):
                        for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters or ()):
                            detail = row[-1]
                            if detail.startswith("SCAN ") and "USING" not in detail and "CONSTANT" not in detail:
                                scans.add(detail)
            finally:
                raw.close()
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    times.sort()
    return {"size": size, "database": "SQLite" if database_url.startswith("sqlite") else "PostgreSQL",
            "p50": statistics.median(times) * 1000, "p99": times[int(0.99 * (len(times) - 1))] * 1000,
            "bare_p50": statistics.median(bare_times) * 1000,
            "queries": max(counts), "queries_min": min(counts), "scans": sorted(scans)}


def scale_rows(sizes: list[int], *, postgres: str | None) -> str:
    """A markdown section comparing the photo page across collection sizes."""
    results = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="photoid-load-scale-") as folder:
            results.append(measure(size, f"sqlite:///{folder}/scale.sqlite3", Path(folder)))
        if postgres:
            name = f"h_load_scale_{os.getpid()}"
            url = fresh_postgres(postgres, name)
            try:
                with tempfile.TemporaryDirectory(prefix="photoid-load-scale-") as folder:
                    results.append(measure(size, url, Path(folder)))
            finally:
                drop_postgres(postgres, name)
        print(f"[scale] {size} photos measured", flush=True)
    lines = ["### Photo page against collection size", "",
             "In process (Flask test client, anonymous), 200 random photos per size; each photo has two approved "
             "identifications, every tenth a pending one and a comment. Statements are the SQL statements one "
             "page view sends; full scans are SQLite query-plan lines `SCAN <table>` without an index. The bare "
             "Flask page (the baseline of the paced runs) is asked for the same photo right after each photoid page.",
             "",
             "| database | photos | p50 ms | p99 ms | bare p50 ms | p50 vs bare | statements per page | full scans |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in sorted(results, key=lambda r: (r["database"] != "SQLite", r["size"])):
        queries = f"{r['queries_min']}–{r['queries']}" if r["queries_min"] != r["queries"] else str(r["queries"])
        lines.append(f"| {r['database']} | {r['size']:,} | {r['p50']:.1f} | {r['p99']:.1f} | {r['bare_p50']:.1f} | "
                     f"{r['p50'] / r['bare_p50']:.2f}× | {queries} | "
                     f"{'; '.join(r['scans']) or 'none'} |")
    return "\n".join(lines)
