"""Benchmark: full-text search with Whoosh (photoid/search/index.py) next to SQLite FTS5.

Run from the repository root:
    .venv/bin/python bench/search.py [--photos 100000 --facts 500000 --queries 200]
To compare Whoosh distributions, put another one first on the path, e.g.
    PYTHONPATH=/tmp/venv-whoosh274/lib/python3.11/site-packages .venv/bin/python bench/search.py

Builds one synthetic corpus (seeded: titles, descriptions, identifiers, and --facts approved
names spread over the photos, each photo dated in a decade), then in the same run:

- Whoosh: a full build through ``index.build`` with ``procs`` writers (both cores), then the site's
  own query path (``querying.search``: parse, count, first page of 24 with snippets);
- FTS5: the same text in an FTS5 table (porter + unicode61 remove_diacritics), built in one
  transaction; each query selects the first 24 by rank and counts all matches.

Query types: one word, two words (AND), a quoted two-word phrase, and one word filtered to a
decade with the facet counts of every facet (Whoosh) / of decades (FTS5). Reports p50/p95 per type
and the ratio of Whoosh p95 to FTS5 p95. Rewrites the "Search" section of docs/performance.md
unless --no-write.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
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


def build_fts(docs: list[index.PhotoDocument], path: Path) -> tuple[sqlite3.Connection, float]:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(title, names, description, identifier, decade UNINDEXED,"
                 " tokenize='porter unicode61 remove_diacritics 2')")
    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO fts(rowid, title, names, description, identifier, decade) VALUES (?,?,?,?,?,?)",
                         ((d.photo_id, d.title, "\n".join(d.names), d.description, d.identifier, d.decade[0]) for d in docs))
    return conn, time.perf_counter() - start


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


TARGET_MS = 50.0
TARGET_BUILD_S = 90.0
NAMES = {"word": "single word", "and": "two words (AND)", "phrase": "quoted phrase",
         "facet": "word + decade, facet counts", "page": "single word with facet counts (the page)"}


def one_run(docs: list[index.PhotoDocument], qs: dict[str, list[tuple[str, str, int | None]]], procs: int) -> dict:
    """One full build of both, then every query type; returns the numbers of this run."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="photoid-search-bench-") as tmp:
        root = Path(tmp) / "index"
        start = time.perf_counter()
        index.build(root, docs, procs=procs)
        whoosh_build = time.perf_counter() - start
        size = sum(f.stat().st_size for f in index.current_path(root).resolve().iterdir()) / 1e6
        fts, fts_build = build_fts(docs, Path(tmp) / "fts.sqlite3")
        print(f"build: Whoosh {whoosh_build:.1f} s (procs={procs}, {size:.0f} MB), FTS5 {fts_build:.1f} s")
        reader = index.Reader(root)
        rows = {}
        for kind, items in qs.items():
            # The page counts facets for every search; the bench's other word rows do only for "facet".
            with_facets = kind in ("facet", "page")
            w_times, f_times, hits = [], [], []
            for text, match, decade in items[:3]:  # warm caches for both
                querying.search(reader, text, filters={"decade": [str(decade)]} if decade else None, with_facets=with_facets)
                fts_query(fts, match, decade)
            for text, match, decade in items[3:]:
                t0 = time.perf_counter()
                res = querying.search(reader, text, filters={"decade": [str(decade)]} if decade else None,
                                   with_facets=with_facets)
                t1 = time.perf_counter()
                fts_query(fts, match, decade if kind != "page" else None)
                t2 = time.perf_counter()
                w_times.append(t1 - t0)
                f_times.append(t2 - t1)
                hits.append(res.total)
            rows[kind] = (p(w_times, .5), p(w_times, .95), p(f_times, .5), p(f_times, .95), statistics.mean(hits))
            print(f"  {NAMES[kind]}: Whoosh p50 {rows[kind][0]:.1f} p95 {rows[kind][1]:.1f} ms,"
                  f" FTS5 p50 {rows[kind][2]:.1f} p95 {rows[kind][3]:.1f} ms")
        reader.close()
        fts.close()
    return {"build": whoosh_build, "size": size, "fts_build": fts_build, "rows": rows,
            "load": (load_before, os.getloadavg()[0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20_000)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="full runs (build and queries); medians are reported")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    import importlib.metadata as md
    dists = [d.metadata["Name"] for d in md.distributions() if d.metadata["Name"] and "whoosh" in d.metadata["Name"].lower()]
    version = getattr(whoosh, "versionstring", lambda: "?")()
    label = f"{', '.join(sorted(set(dists)))} {version}"
    print(f"Whoosh: {label}; {args.photos:,} photos, {args.facts:,} facts, {args.queries} queries per type")
    start = time.perf_counter()
    docs = corpus(args.photos, args.facts)
    print(f"corpus generated in {time.perf_counter() - start:.1f} s")
    # Distinct words, pairs and phrases per query (a new seed each run): no query is answered twice.
    runs = []
    for run in range(args.runs):
        qs = queries(args.queries + 3, seed=11 + run)
        qs["page"] = queries(args.queries + 3, seed=1011 + run)["word"]
        runs.append(one_run(docs, qs, args.procs))

    def median(values: list[float]) -> float:
        return statistics.median(values)

    build = median([r["build"] for r in runs])
    size = median([r["size"] for r in runs])
    fts_build = median([r["fts_build"] for r in runs])
    builds = ", ".join(f"{r['build']:.1f}" for r in runs)
    loads = ", ".join(f"{a:.1f}→{b:.1f}" for a, b in (r["load"] for r in runs))
    lines = [f"Whoosh: {label}; {args.photos:,} photos, {args.facts:,} approved facts, {args.queries} queries per type "
             f"and run, {args.runs} runs (medians below), Python {platform.python_version()} on {os.cpu_count()} cores.",
             f"Load average (1 min) at the start→end of each run: {loads}.", "",
             f"Full rebuild: Whoosh {build:.1f} s with procs={args.procs} ({size:.0f} MB; runs: "
             f"{builds} s), FTS5 {fts_build:.1f} s. "
             f"Target ≤ {TARGET_BUILD_S:.0f} s: {'met' if build <= TARGET_BUILD_S else '**missed**'}.", "",
             "| query | mean matches | Whoosh p50 ms | Whoosh p95 ms | FTS5 p50 ms | FTS5 p95 ms | p95 ratio Whoosh/FTS5 | p95 ≤ 50 ms |",
             "|---|---|---|---|---|---|---|---|"]
    for kind in ("word", "and", "phrase", "facet", "page"):
        wp50, wp95, fp50, fp95, mean_hits = (median([r["rows"][kind][i] for r in runs]) for i in range(5))
        lines.append(f"| {NAMES[kind]} | {mean_hits:,.0f} | {wp50:.1f} | {wp95:.1f} | {fp50:.1f} | {fp95:.1f} | "
                     f"{wp95 / max(fp95, 0.001):.1f}× | {'yes' if wp95 <= TARGET_MS else '**no**'} |")
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        from ingest import write_section
        write_section("Search", EXPLANATION + "\n\n" + table)


EXPLANATION = """`.venv/bin/python bench/search.py --photos 100000 --facts 500000 --queries 60 --runs 3` (synthetic
corpus: titles, descriptions of 15–40 words from a 100-word vocabulary, 5 approved names a photo). Whoosh is
measured through the site's own `querying.search` (parse, rank the first page of 24, snippets, count, facets,
"Did you mean" when nothing matches); FTS5 selects the first 24 by rank with snippets plus a count, and for
the faceted query counts decades. Each run uses new query words, pairs and phrases, so nothing is answered
from an earlier query. The last row is what the search page itself does for one word (facet counts of every
facet); its FTS5 column is the plain word query.

How the numbers were reached (see docs/decisions.md, "Search"): one weighted `text` field instead of
text + title + names + spell (title words weigh 3, names 2), indexed through one loop instead of a chain of
analysis generators; two writer processes without a final merge and a pool large enough for one sorted run
each; the first page ranked block at a time with per-segment field lengths held in memory; at most 10,000
matches collected per query (a larger total is exact for one word, from its document frequency, else shown
as "more than 10,000"; facet counts then say they cover the first 10,000); facet filters applied as a
document set; "Did you mean" from each segment's own vocabulary, read once per first letter."""


if __name__ == "__main__":
    main()
