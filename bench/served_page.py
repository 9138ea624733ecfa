"""The most fresh photo pages gunicorn serves a second, for this tree and earlier versions, in one invocation.

Run from the repository root (needs Debian's wrk and the ``bench`` extras):

    .venv/bin/python bench/served_page.py --against beda7f4 [--runs 5]
        [--postgres postgresql://postgres@127.0.0.1/postgres]

``bench/photo_page.py`` measures the render in process; this measures it as served: each version (this
working tree, and each ``--against`` revision checked out into a temporary git worktree) seeds a site of
its own through its own ``bench/load_support/site.py`` (30 photos, SQLite unless --postgres) and serves it
with its own code in gunicorn, 4 sync workers, as bench/load.py does. wrk then asks each server in turn,
closed loop over 4 connections for 5 s, for the photo pages with the page cache off (``/uncached``) and
for the bare Flask page with the same query (``/bare``), versions alternating run by run so that a change
in the machine's load falls on all of them. Reported: the median requests a second of each, and the fresh
page's share of the bare page's in the same server. The load average is printed at the start and the end:
the figures are figures only when it stayed under 1.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_support import site  # noqa: E402
from pg import drop_postgres, fresh_postgres  # noqa: E402
from tiles import WRK_SCRIPT, with_wrk  # noqa: E402

PHOTOS, SECONDS = 30, 5

#: Run with the version's own code first on the path: seeds its site and prints its photos' ids.
SEED = r'''
import json, sys
tree = sys.argv[1]
sys.path[:0] = [tree + "/bench", tree]
from load_support import site
app = site.make_app(json.loads(sys.argv[2]))
site.seed(app, photos=int(sys.argv[3]), patrons=4, archivists=1)
from photoid.extensions import db
from photoid.photos.models import Photo
with app.app_context():
    print(json.dumps(sorted(db.session.scalars(db.select(Photo.id)).all())))
'''


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def serve(tree: Path, folder: Path, database_url: str) -> tuple[subprocess.Popen[bytes], int, list[int]]:
    env = site.site_env(folder, database_url)
    seeded = subprocess.run([sys.executable, "-c", SEED, str(tree), json.dumps(env), str(PHOTOS)], cwd=tree,
                            env={**os.environ, **env}, capture_output=True, text=True)
    if seeded.returncode:
        raise SystemExit(f"seeding {tree} failed:\n{seeded.stderr[-3000:]}")
    ids = json.loads(seeded.stdout.strip().splitlines()[-1])
    server, base = site.start_gunicorn(env, folder / "gunicorn.log", workers=4, tree=tree)
    return server, int(base.rsplit(":", 1)[1]), ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", action="append", default=[], help="a git revision to serve beside this tree (repeatable)")
    parser.add_argument("--runs", type=int, default=5, help="wrk runs of each page of each version (default 5)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: each version gets a fresh database there, dropped afterwards")
    args = parser.parse_args()
    print(f"load average at the start: {load_average()}")
    scratch = Path(tempfile.mkdtemp(prefix="served-page-"))
    trees = {"this tree": ROOT}
    for revision in args.against:
        trees[revision] = scratch / f"tree-{revision}"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(trees[revision]), revision], check=True)
    databases = {name: f"served_page_{os.getpid()}_{n}" for n, name in enumerate(trees)} if args.postgres else {}
    servers: dict[str, tuple[subprocess.Popen[bytes], int, list[int]]] = {}
    script, paths = scratch / "paths.lua", scratch / "paths.txt"
    script.write_text(WRK_SCRIPT)

    def most(name: str, page: str, seconds: float) -> float:
        _server, port, ids = servers[name]
        paths.write_text("".join(f"/{page}/photos/{i}\n" for i in ids))
        load = with_wrk(port, paths, seconds, script)
        if load.failed:
            raise SystemExit(f"wrk saw {load.failed} failed requests on {name}'s {page} pages")
        return load.per_second

    try:
        for n, (name, tree) in enumerate(trees.items()):
            folder = scratch / f"site-{n}"
            folder.mkdir()
            url = fresh_postgres(args.postgres, databases[name]) if args.postgres else f"sqlite:///{folder}/bench.sqlite3"
            servers[name] = serve(tree, folder, url)
        for name in servers:  # each worker renders each page once before the timed runs
            most(name, "uncached", 2)
            most(name, "bare", 2)
        found: dict[str, dict[str, list[float]]] = {name: {"uncached": [], "bare": []} for name in servers}
        for _ in range(args.runs):
            for page in ("uncached", "bare"):
                for name in servers:
                    found[name][page].append(most(name, page, SECONDS))
    finally:
        for server, _port, _ids in servers.values():
            site.stop(server)
        for name in databases:
            drop_postgres(args.postgres, databases[name])
        for revision in args.against:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(trees[revision])], check=False)
    database = "PostgreSQL on " + args.postgres.rsplit("@", 1)[-1] if args.postgres else "SQLite"
    print(f"\ndatabase: {database}; {PHOTOS} photos; wrk, 4 connections, {SECONDS} s a run, median of {args.runs}\n")
    print("| version | fresh photo pages a second | bare Flask page a second | fresh / bare | fresh, each run |")
    print("|---|---:|---:|---:|---|")
    for name, pages in found.items():
        fresh, bare = statistics.median(pages["uncached"]), statistics.median(pages["bare"])
        print(f"| {name} | {fresh:.0f} | {bare:.0f} | {fresh / bare:.3f} | {', '.join(f'{x:.0f}' for x in pages['uncached'])} |")
    print(f"\nload average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
