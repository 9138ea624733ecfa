"""What a fresh photo page costs to render, here and in earlier versions, measured in one invocation.

Run from the repository root:

    .venv/bin/python bench/photo_page.py [--against 2107230] [--against be1f770] [--runs 7]
        [--postgres postgresql://postgres@127.0.0.1/postgres]

Each version (this working tree, and each ``--against`` revision checked out into a temporary git
worktree) runs in a process of its own with its own code: it fills a fresh SQLite database through its
own test factories (on PostgreSQL with --postgres) with the same rows (40 published photos, each with an approved identification,
three pending suggestions with a vote each and three comments), switches its page cache off and asks
for the photo pages in turn through Flask's test client. Versions alternate run by run, so a change in
the machine's load falls on all of them. Reported per version: CPU time a page (``time.process_time``;
median and lowest of the runs), wall-clock time a page (which on PostgreSQL includes waiting for the
server), SQL statements a page, Python function calls a page (cProfile, which
counts the same on a busy machine) and the page's size. The load average is printed at the start and
the end: the CPU figures are figures only when it stayed under 1.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg import drop_postgres, fresh_postgres  # noqa: E402

#: Run inside each version's process (its own photoid first on the path): fills, then measures.
CHILD = r'''
import cProfile, json, os, pstats, sys, tempfile, time
from pathlib import Path
tree, pages, database = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, tree)
folder = Path(tempfile.mkdtemp(prefix="photo-page-"))
os.environ.update({"PHOTOID_DATABASE_URL": database or f"sqlite:///{folder}/bench.sqlite3", "PHOTOID_INSTANCE_DIR": str(folder / "instance"),
                   "PHOTOID_UPLOAD_DIR": str(folder / "uploads"), "PHOTOID_INDEX_DIR": str(folder / "index"),
                   "PHOTOID_SECRET_KEY": "bench", "PHOTOID_RATELIMIT": "0", "PHOTOID_REDIS_URL": "",
                   "PHOTOID_PAGE_CACHE_ENTRIES": "0"})
from sqlalchemy import event
from photoid import create_app
from photoid.extensions import db
from tests import factories as f

app = create_app()
with app.app_context():
    db.create_all()
    collection = f.make_collection(is_published=True)
    patrons = [f.make_user(display_name=f"Patron {n}") for n in range(4)]
    archivist = f.make_user(role="archivist", institutions=[collection.institution])
    ids = []
    for n in range(40):
        photo = f.make_photo(collection=collection, title=f"The street in {1900 + n}", description="A street seen from a window.")
        f.make_identification(photo=photo, text_value="Dorothy Hale", state="approved", reviewer=archivist, contributor=patrons[3])
        for k in range(3):
            suggestion = f.make_identification(photo=photo, text_value=f"Person {k}", contributor=patrons[k])
            f.make_vote(identification=suggestion, voter=patrons[(k + 1) % 4])
            f.make_comment(photo=photo, author=patrons[k], body=f"I think this is my grandmother's street, number {k}.")
        ids.append(photo.id)
    db.session.commit()
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
client = app.test_client()
size = 0
for photo_id in ids:
    response = client.get(f"/photos/{photo_id}")
    assert response.status_code == 200, response.status_code
    size = len(response.data)

def one_run():
    started, clock = time.process_time(), time.perf_counter()
    for n in range(pages):
        client.get(f"/photos/{ids[n % len(ids)]}")
    return 1000 * (time.process_time() - started) / pages, 1000 * (time.perf_counter() - clock) / pages

statements.clear()
one_run()
per_page_statements = len(statements) / pages
profile = cProfile.Profile()
profile.enable()
one_run()
profile.disable()
calls = pstats.Stats(profile).total_calls / pages
print(json.dumps({"statements": per_page_statements, "calls": calls, "bytes": size}), flush=True)
for line in sys.stdin:  # one line from the parent: one timed run
    cpu, wall = one_run()
    print(json.dumps({"ms": cpu, "wall": wall}), flush=True)
'''


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def start(tree: Path, *, pages: int, database: str) -> tuple[subprocess.Popen[str], dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tree), str(pages), database], cwd=tree, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    return child, json.loads(child.stdout.readline())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", action="append", default=[], help="a git revision to measure beside this tree (repeatable)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each version (default 7)")
    parser.add_argument("--pages", type=int, default=300, help="pages a run (default 300)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: each version gets a fresh database photo_page_<pid>_<n> "
                                           "there (dropped afterwards) instead of an SQLite file")
    args = parser.parse_args()
    print(f"load average at the start: {load_average()}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"database: {'PostgreSQL on ' + args.postgres.rsplit('@', 1)[-1] if args.postgres else 'SQLite'}")
    scratch = Path(tempfile.mkdtemp(prefix="photo-page-trees-"))
    trees = {"this tree": ROOT}
    for revision in args.against:
        path = scratch / revision
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), revision], check=True)
        trees[revision] = path
    databases = {name: f"photo_page_{os.getpid()}_{n}" for n, name in enumerate(trees)} if args.postgres else {}
    try:
        children = {name: start(path, pages=args.pages,
                                database=fresh_postgres(args.postgres, databases[name]) if args.postgres else "")
                    for name, path in trees.items()}
        timings: dict[str, list[float]] = {name: [] for name in trees}
        walls: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.runs):
            for name, (child, _facts) in children.items():
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write("run\n")
                child.stdin.flush()
                run = json.loads(child.stdout.readline())
                timings[name].append(run["ms"])
                walls[name].append(run["wall"])
        for child, _facts in children.values():
            assert child.stdin is not None
            child.stdin.close()
            child.wait()
    finally:
        for name in databases.values():
            drop_postgres(args.postgres, name)
        for revision in args.against:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(scratch / revision)], check=False)
    base = statistics.median(timings[args.against[0]]) if args.against else None
    print()
    print("| version | CPU ms a page, median | lowest | vs " + (args.against[0] if args.against else "–")
          + " | wall ms a page, median | statements a page | Python calls a page | page bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in trees:
        facts, median = children[name][1], statistics.median(timings[name])
        ratio = f"{median / base:.2f}×" if base else "–"
        print(f"| {name} | {median:.2f} | {min(timings[name]):.2f} | {ratio} | {statistics.median(walls[name]):.2f} | "
              f"{facts['statements']:.0f} | "
              f"{facts['calls']:,.0f} | {facts['bytes']:,} |")
    print(f"\nload average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
