"""Benchmark: photoid's two search back ends side by side, Whoosh (photoid/search/index.py) and PostgreSQL
(``PHOTOID_SEARCH=postgres``, photoid/search/pg_index.py), on the same documents, with SQLite FTS5 as a bare baseline.

Run from the repository root (a PostgreSQL server is needed; the bench makes a database of its own on it):
    .venv/bin/python bench/search.py --photos 100000 --facts 500000 --queries 60 --runs 3 \
        --postgres postgresql://postgres@127.0.0.1/postgres
To compare Whoosh distributions, put another one first on the path, e.g.
    PYTHONPATH=/tmp/venv-whoosh274/lib/python3.11/site-packages .venv/bin/python bench/search.py

Builds one synthetic corpus (seeded: titles, descriptions, identifiers, and --facts approved names spread
over the photos, each photo dated in a decade) and fills, once, what each back end searches:

- Whoosh: a full build through ``index.build`` with ``procs`` writers (both cores), timed;
- PostgreSQL: ``search_document`` rows as the site writes them (``pg_index.plain_values`` and the weighted
  tsvector of ``pg_index.document_vector``), COPYed and made in one INSERT … SELECT with the GIN indexes made
  afterwards, and ``search_word``; then VACUUM ANALYZE, as autovacuum would. In database ``photoid_bench_search_<photos>_<facts>``;
- FTS5: the same text in an FTS5 table (porter + unicode61 remove_diacritics), built in one transaction.

The filled index, FTS5 file and database are kept (``--cache``, default ~/.cache/photoid-bench/search, and
the database on the server), so a rerun at the same size skips the fill; ``--refill`` fills again. A fill
is keyed by the sizes and a hash of the corpus code and photoid's search modules: a change to either fills again.

Then each run asks every back end the same new queries (a new seed per run) through the site's own query
path: ``querying.search`` (Whoosh) and ``pg_querying.search`` (PostgreSQL): parse, count, the first page of
24 with snippets, facets where the type asks for them, "did you mean" when nothing matches. FTS5 selects the
first 24 by rank with snippets and counts all matches. Query types: one word, two words (AND), a quoted
two-word phrase, one word filtered to a decade with facet counts, and one word with every facet counted
(the search page). Reports p50/p95 per type and back end, and the load average at the start and end of the
invocation. Rewrites the "Search" section of docs/performance.md unless --no-write.
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import whoosh  # noqa: E402

from photoid.search import index, querying  # noqa: E402

SURNAMES = ["Müller", "Smith", "Johnson", "Kowalski", "García", "Nguyen", "O'Brien", "Larsen", "Rossi", "Dubois",
            "Schmidt", "Novak", "Jensen", "Brown", "Wilson", "Taylor", "Anderson", "Thomas", "Moore", "Martin"]
GIVEN = ["Anna", "John", "Mary", "Hans", "José", "Elsa", "Peter", "Ruth", "Karl", "Agnes", "Frank", "Helen"]
PLACES = ["Main Street", "Mill Pond", "Harbour Road", "Church Square", "Railway Station", "Market Hall",
          "River Bridge", "Elm Avenue", "Town Hall", "Fairgrounds", "Lake Shore", "High School"]
EVENTS = ["Founders Day parade", "county fair", "flood", "school picnic", "wedding", "harvest festival",
          "fire brigade drill", "church bazaar", "victory celebration", "ice skating race"]
WORDS = ("the a of and in on at with by from group people family children men women street house store "
         "building car horse wagon boat train snow summer winter crowd band flag parade fair picnic "
         "portrait outdoor indoor view looking north south east west corner old new small large early "
         "late evening morning workers farm field barn mill factory shop window sign road bridge river "
         "lake park tree garden school church hall dance team game players uniform dress hat coat").split()


def corpus(photos: int, facts: int, seed: int = 7) -> list[index.PhotoDocument]:
    rng = random.Random(seed)
    people = [f"{rng.choice(SURNAMES)}{'' if i < 20 else i}, {rng.choice(GIVEN)}" for i in range(max(50, facts // 25))]
    docs = []
    per_photo = facts / photos
    for pid in range(1, photos + 1):
        n = int(per_photo) + (1 if rng.random() < per_photo - int(per_photo) else 0)
        chosen = [rng.randrange(len(people)) for _ in range(max(0, n - 2))]
        place = rng.randrange(len(PLACES))
        event = rng.randrange(len(EVENTS))
        names = [people[i] for i in chosen] + [PLACES[place], EVENTS[event]][: max(0, min(2, n))]
        decade = rng.choice(range(1880, 2000, 10))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()
        description = " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 40)))
        docs.append(index.PhotoDocument(
            photo_id=pid, title=title, description=description, identifier=f"PH-{pid:06d}", names=names,
            collection=pid % 40 + 1, institution=pid % 5 + 1, person=chosen, place=[place], event=[event],
            decade=[decade], unidentified=rng.random() < 0.2, date_sort=f"{decade + rng.randint(0, 9)}-01-01",
            identified_at=f"2026-{rng.randint(1, 12):02d}-01T00:00:00",
        ))
    return docs


def queries(count: int, seed: int = 11) -> dict[str, list[tuple[str, str, int | None]]]:
    """Per type: (whoosh query text, FTS5 match expression, decade or None)."""
    rng = random.Random(seed)
    content = [w for w in WORDS if len(w) > 3]
    out: dict[str, list[tuple[str, str, int | None]]] = {"word": [], "and": [], "phrase": [], "facet": []}
    for _ in range(count):
        w1 = rng.sample(content, 2)[0]
        surname = rng.choice(SURNAMES)
        out["word"].append((w1, f'"{w1}"', None))
        out["and"].append((f"{w1} {surname}", f'"{w1}" AND "{surname}"', None))
        place = rng.choice(PLACES)
        out["phrase"].append((f'"{place}"', f'"{place}"', None))
        decade = rng.choice(range(1880, 2000, 10))
        out["facet"].append((w1, f'"{w1}"', decade))
    return out


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000


#: What a fill depends on besides its sizes: the corpus and queries here, and how photoid indexes.
KEYED_SOURCES = ["photoid/search/index.py", "photoid/search/analysis.py", "photoid/search/words.py",
                 "photoid/search/whoosh_fast.py", "photoid/search/records.py", "photoid/search/pg_index.py",
                 "photoid/search/models.py"]


def fill_key(photos: int, facts: int) -> str:
    digest = hashlib.sha256(inspect.getsource(corpus).encode())
    for name in KEYED_SOURCES:
        digest.update((ROOT / name).read_bytes())
    return f"{photos}-{facts}-{digest.hexdigest()[:12]}"


def build_fts(docs: list[index.PhotoDocument], path: Path) -> float:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, names, description, identifier, decade UNINDEXED,"
                 " tokenize='porter unicode61 remove_diacritics 2')")
    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO fts(rowid, title, names, description, identifier, decade) VALUES (?,?,?,?,?,?)",
                         ((d.photo_id, d.title, "\n".join(d.names), d.description, d.identifier, d.decade[0]) for d in docs))
    conn.close()
    return time.perf_counter() - start


def fts_query(conn: sqlite3.Connection, match: str, decade: int | None) -> None:
    where, args = "fts MATCH ?", [match]
    if decade is not None:
        where += " AND decade = ?"
        args.append(decade)
    list(conn.execute(f"SELECT rowid, snippet(fts, 2, '<mark>', '</mark>', '…', 12) FROM fts WHERE {where}"
                      f" ORDER BY rank LIMIT 24", args))
    conn.execute(f"SELECT count(*) FROM fts WHERE {where}", args).fetchone()
    if decade is not None:
        list(conn.execute("SELECT decade, count(*) FROM fts WHERE fts MATCH ? GROUP BY decade", [match]))


def pg_engine(server_url: str, name: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    from config import database_url

    return create_engine(database_url(server_url.rsplit("/", 1)[0] + "/" + name))


def pg_is_filled(server_url: str, name: str, key: str, photos: int) -> bool:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
    engine = pg_engine(server_url, name)
    try:
        with engine.connect() as conn:
            kept = conn.exec_driver_sql("SELECT to_regclass('bench_fill')").scalar()
            if kept is None:
                return False
            done = conn.exec_driver_sql("SELECT key FROM bench_fill").scalar()
            count = conn.exec_driver_sql("SELECT count(*) FROM search_document").scalar()
            return done == key and count == photos
    finally:
        engine.dispose()


def fill_postgres(docs: list[index.PhotoDocument], server_url: str, name: str, key: str) -> float:
    """A new database ``name`` holding the documents as ``pg_index`` writes them; returns the seconds taken.

    Fast: the plain values are COPYed into a staging table, and one INSERT … SELECT makes every row's
    ``document`` with the site's own expression (``pg_index.document_vector``); the indexes are made after."""
    from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, select

    from pg import fresh_postgres
    from photoid.search import pg_index
    from photoid.search.models import SearchDocument, SearchWord

    fresh_postgres(server_url, name)
    engine = pg_engine(server_url, name)
    start = time.perf_counter()
    tables = (SearchDocument.__table__, SearchWord.__table__)
    sample = pg_index.plain_values(docs[0])
    integers = {"photo_id", "catalog_from", "catalog_to", "community_from", "community_to"}
    stage = Table("bench_stage", MetaData(), *(Column(column, Integer if column in integers else Text) for column in sample),
                  prefixes=["UNLOGGED"])
    with engine.begin() as conn:
        for table in tables:
            table.create(conn)  # with the extensions and the ``photoid`` text search configuration
            for ix in table.indexes:  # made once at the end: faster than kept up row by row
                conn.exec_driver_sql(f'DROP INDEX "{ix.name}"')
        stage.create(conn)
        with conn.connection.cursor() as cursor:
            with cursor.copy(f"COPY bench_stage ({', '.join(sample)}) FROM STDIN") as copy:
                for doc in docs:
                    copy.write_row(list(pg_index.plain_values(doc).values()))
            with cursor.copy("COPY search_word (word) FROM STDIN") as copy:
                for word in sorted(set().union(*(pg_index.words_of(doc) for doc in docs))):
                    copy.write_row([word])
        columns = [column for column in sample if column not in pg_index.VECTOR_TEXTS]
        conn.execute(insert(SearchDocument).from_select(
            [*columns, "document"],
            select(*(stage.c[column] for column in columns),
                   pg_index.document_vector(*(stage.c[column] for column in pg_index.VECTOR_TEXTS)))))
        stage.drop(conn)
        for table in tables:
            for ix in table.indexes:
                ix.create(conn)
        conn.exec_driver_sql("CREATE TABLE bench_fill (key text NOT NULL)")
        conn.exec_driver_sql("INSERT INTO bench_fill VALUES (%(key)s)", {"key": key})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE search_document")
        conn.exec_driver_sql("VACUUM ANALYZE search_word")
    engine.dispose()
    return time.perf_counter() - start


def fill(docs: list[index.PhotoDocument], folder: Path, key: str, *, procs: int, postgres: str | None,
         database: str, refill: bool) -> dict:
    """Whatever is not filled yet for ``key`` (all of it with ``refill``); returns the fill's record."""
    meta_path = folder / "fill.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() and not refill else {}
    if meta.get("key") != key:
        shutil.rmtree(folder, ignore_errors=True)
        meta = {"key": key}
    folder.mkdir(parents=True, exist_ok=True)
    if "whoosh_build" not in meta:
        print("filling Whoosh …", flush=True)
        load = os.getloadavg()[0]
        start = time.perf_counter()
        index.build(folder / "index", docs, procs=procs)
        meta["whoosh_build"] = time.perf_counter() - start
        meta["whoosh_mb"] = sum(f.stat().st_size for f in index.current_path(folder / "index").resolve().iterdir()) / 1e6
        meta["whoosh_load"] = (load, os.getloadavg()[0])
        meta["procs"] = procs
        meta_path.write_text(json.dumps(meta))
    if "fts_build" not in meta:
        (folder / "fts.sqlite3").unlink(missing_ok=True)
        meta["fts_build"] = build_fts(docs, folder / "fts.sqlite3")
        meta_path.write_text(json.dumps(meta))
    if postgres and (refill or "pg_fill" not in meta or not pg_is_filled(postgres, database, key, len(docs))):
        print(f"filling PostgreSQL database {database} …", flush=True)
        meta["pg_fill"] = fill_postgres(docs, postgres, database, key)
        meta_path.write_text(json.dumps(meta))
    return meta


TARGET_MS = 50.0
TARGET_BUILD_S = 90.0
NAMES = {"word": "single word", "and": "two words (AND)", "phrase": "quoted phrase",
         "facet": "word + decade, facet counts", "page": "single word with facet counts (the page)"}


def one_run(folder: Path, qs: dict[str, list[tuple[str, str, int | None]]], engine) -> dict:  # type: ignore[no-untyped-def]
    """Every query type against every back end; returns this run's numbers per type:
    (Whoosh p50, p95, PostgreSQL p50, p95, FTS5 p50, p95, Whoosh mean matches, PostgreSQL mean matches)."""
    from sqlalchemy.orm import Session

    from photoid.search import pg_querying

    load_before = os.getloadavg()[0]
    reader = index.Reader(folder / "index")
    fts = sqlite3.connect(folder / "fts.sqlite3")
    session = Session(engine) if engine is not None else None
    rows = {}
    for kind, items in qs.items():
        # The page counts facets for every search; the bench's other word rows do only for "facet".
        with_facets = kind in ("facet", "page")
        times: dict[str, list[float]] = {"whoosh": [], "pg": [], "fts": []}
        totals: dict[str, list[int]] = {"whoosh": [], "pg": []}

        def ask(text: str, match: str, decade: int | None, *, timed: bool) -> None:
            filters = {"decade": [str(decade)]} if decade else None
            t0 = time.perf_counter()
            found = querying.search(reader, text, filters=filters, with_facets=with_facets)
            t1 = time.perf_counter()
            fts_query(fts, match, decade if kind != "page" else None)
            t2 = time.perf_counter()
            if session is not None:
                pg_found = pg_querying.search(session, text, filters=filters, with_facets=with_facets)
                session.rollback()  # end the read transaction, as a request does
                t3 = time.perf_counter()
                if timed:
                    times["pg"].append(t3 - t2)
                    totals["pg"].append(pg_found.total)
            if timed:
                times["whoosh"].append(t1 - t0)
                times["fts"].append(t2 - t1)
                totals["whoosh"].append(found.total)

        for text, match, decade in items[:3]:  # warm caches for all
            ask(text, match, decade, timed=False)
        for text, match, decade in items[3:]:
            ask(text, match, decade, timed=True)
        pg = times["pg"] or [float("nan")]
        rows[kind] = (p(times["whoosh"], .5), p(times["whoosh"], .95), p(pg, .5), p(pg, .95),
                      p(times["fts"], .5), p(times["fts"], .95), statistics.mean(totals["whoosh"]),
                      statistics.mean(totals["pg"] or [float("nan")]))
        print(f"  {NAMES[kind]}: Whoosh p50 {rows[kind][0]:.1f} p95 {rows[kind][1]:.1f} ms,"
              f" PostgreSQL p50 {rows[kind][2]:.1f} p95 {rows[kind][3]:.1f} ms,"
              f" FTS5 p50 {rows[kind][4]:.1f} p95 {rows[kind][5]:.1f} ms", flush=True)
    reader.close()
    fts.close()
    if session is not None:
        session.close()
    return {"rows": rows, "load": (load_before, os.getloadavg()[0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20_000)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--procs", type=int, default=2, help="Whoosh writer processes for the fill")
    parser.add_argument("--runs", type=int, default=3, help="runs of every query type (new queries each); medians are reported")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1/postgres",
                        help="a PostgreSQL server URL; the bench keeps a database of its own there ('' to skip PostgreSQL)")
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "photoid-bench" / "search",
                        help="where the filled Whoosh index and FTS5 file are kept between runs")
    parser.add_argument("--refill", action="store_true", help="fill again even if a fill of these sizes is kept")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_start = os.getloadavg()
    print(f"Load average at the start: {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f} (1, 5, 15 min)", flush=True)

    import importlib.metadata as md
    dists = [d.metadata["Name"] for d in md.distributions() if d.metadata["Name"] and "whoosh" in d.metadata["Name"].lower()]
    version = getattr(whoosh, "versionstring", lambda: "?")()
    label = f"{', '.join(sorted(set(dists)))} {version}"
    print(f"Whoosh: {label}; {args.photos:,} photos, {args.facts:,} facts, {args.queries} queries per type")
    start = time.perf_counter()
    docs = corpus(args.photos, args.facts)
    print(f"corpus generated in {time.perf_counter() - start:.1f} s")
    key = fill_key(args.photos, args.facts)
    database = f"photoid_bench_search_{args.photos}_{args.facts}"
    start = time.perf_counter()
    meta = fill(docs, args.cache / f"{args.photos}-{args.facts}", key, procs=args.procs, postgres=args.postgres or None,
                database=database, refill=args.refill)
    print(f"fill: {time.perf_counter() - start:.1f} s in this invocation (a fill kept from an earlier one is only checked); when filled: Whoosh "
          f"{meta['whoosh_build']:.1f} s, PostgreSQL {meta.get('pg_fill', float('nan')):.1f} s, FTS5 {meta['fts_build']:.1f} s", flush=True)
    del docs
    engine = pg_engine(args.postgres, database) if args.postgres else None
    folder = args.cache / f"{args.photos}-{args.facts}"
    # Distinct words, pairs and phrases per query (a new seed each run): no query is answered twice.
    runs = []
    for run in range(args.runs):
        qs = queries(args.queries + 3, seed=11 + run)
        qs["page"] = queries(args.queries + 3, seed=1011 + run)["word"]
        runs.append(one_run(folder, qs, engine))
    if engine is not None:
        engine.dispose()
    load_end = os.getloadavg()

    def median(values: list[float]) -> float:
        return statistics.median(values)

    loads = ", ".join(f"{a:.1f}→{b:.1f}" for a, b in (r["load"] for r in runs))
    lines = [f"Whoosh: {label}; PostgreSQL: {server_version(args.postgres)}; {args.photos:,} photos, {args.facts:,} "
             f"approved facts, {args.queries} queries per type and run, {args.runs} runs (medians below), "
             f"Python {platform.python_version()} on {os.cpu_count()} cores.",
             f"Load average (1 min) at the start→end of the invocation: {load_start[0]:.1f}→{load_end[0]:.1f}; "
             f"of each run: {loads}.", "",
             f"Full rebuild: Whoosh {meta['whoosh_build']:.1f} s with procs={meta['procs']} ({meta['whoosh_mb']:.0f} MB), "
             f"PostgreSQL fill {meta.get('pg_fill', float('nan')):.1f} s (COPY, one INSERT … SELECT, indexes made after, "
             f"VACUUM ANALYZE), FTS5 {meta['fts_build']:.1f} s. "
             f"Whoosh target ≤ {TARGET_BUILD_S:.0f} s: {'met' if meta['whoosh_build'] <= TARGET_BUILD_S else '**missed**'}.", "",
             "| query | mean matches Whoosh / PostgreSQL | Whoosh p50 ms | Whoosh p95 ms | PostgreSQL p50 ms | "
             "PostgreSQL p95 ms | FTS5 p95 ms | p95 ratio PostgreSQL/Whoosh | Whoosh p95 ≤ 50 ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for kind in ("word", "and", "phrase", "facet", "page"):
        wp50, wp95, gp50, gp95, _fp50, fp95, whoosh_hits, pg_hits = (median([r["rows"][kind][i] for r in runs]) for i in range(8))
        lines.append(f"| {NAMES[kind]} | {whoosh_hits:,.0f} / {pg_hits:,.0f} | {wp50:.1f} | {wp95:.1f} | {gp50:.1f} | "
                     f"{gp95:.1f} | {fp95:.1f} | {gp95 / max(wp95, 0.001):.1f}× | {'yes' if wp95 <= TARGET_MS else '**no**'} |")
    table = "\n".join(lines)
    print(table)
    print(f"Load average at the end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f} (1, 5, 15 min)")
    if not args.no_write:
        from ingest import write_section
        write_section("Search", EXPLANATION + "\n\n" + table)


def server_version(url: str) -> str:
    if not url:
        return "not measured"
    import psycopg

    with psycopg.connect(url) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]


EXPLANATION = """`.venv/bin/python bench/search.py --photos 100000 --facts 500000 --queries 60 --runs 3 --postgres
postgresql://postgres@127.0.0.1/postgres` (synthetic corpus: titles, descriptions of 15–40 words from a 100-word
vocabulary, 5 approved names a photo). Both back ends are measured through the site's own query path on the same
documents: `querying.search` for Whoosh and `pg_querying.search` for PostgreSQL (`PHOTOID_SEARCH=postgres`):
parse, rank the first page of 24, snippets, count, facets, "Did you mean" when nothing matches. FTS5, a bare
baseline, selects the first 24 by rank with snippets plus a count, and for the faceted query counts decades. Each
run uses new query words, pairs and phrases, so nothing is answered from an earlier query. The last row is what
the search page itself does for one word (facet counts of every facet); its FTS5 column is the plain word query.
Whoosh counts at most 10,000 matches per query (see below) where PostgreSQL counts them all, hence the different
mean matches. The fill is kept between runs (`--refill` to fill again); the rebuild times are the fill's.

How the Whoosh numbers were reached (see docs/decisions.md, "Search"): one weighted `text` field instead of
text + title + names + spell (title words weigh 3, names 2), indexed through one loop instead of a chain of
analysis generators; two writer processes without a final merge and a pool large enough for one sorted run
each; the first page ranked block at a time with per-segment field lengths held in memory; at most 10,000
matches collected per query (a larger total is exact for one word, from its document frequency, else shown
as "more than 10,000"; facet counts then say they cover the first 10,000); facet filters applied as a
document set; "Did you mean" from each segment's own vocabulary, read once per first letter."""


if __name__ == "__main__":
    main()
