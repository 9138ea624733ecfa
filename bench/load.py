"""Load test: 50 patrons and 2 archivists on gunicorn (4 workers), on SQLite and PostgreSQL.

Run from the repository root (loopback only; needs the ``bench`` extras: gunicorn and aiohttp):

    .venv/bin/python bench/load.py [--postgres postgresql://postgres@127.0.0.1/postgres]

For each database (a fresh one; on PostgreSQL ``h_load_<pid>``, dropped afterwards) it

1. seeds a site through the real services: --photos small photos through the ingest pipeline,
   --patrons patrons and --archivists archivists through the account service, and the search index;
2. starts gunicorn with 4 sync workers on a free 127.0.0.1 port, with rate limits switched off
   (PHOTOID_RATELIMIT=0: every simulated user shares the address 127.0.0.1, and the per-address
   sign-in limit of 10 a minute would otherwise refuse them);
3. everyone signs in through the login form (4 at a time, before the clock starts: each sign-in
   costs the server a deliberate scrypt hash); then for --seconds the patrons browse the home page, photo
   pages and search, and send identifications and comments through the real forms (CSRF tokens
   read from the pages; each submission carries a unique marker), while the archivists approve
   (70 %) or reject decisions from the moderation queue's forms;
4. measures the photo page open-loop at --rate requests a second over 4 connections, as served
   (visitors who are not signed in get kept pages; one photo, as when a newspaper links to it, and
   all the photos in turn; with --redis also with kept pages shared between workers) and with the page
   cache off, alternating with a bare Flask page in the same gunicorn that runs the same photo query
   (the baseline), each run starting just after a change to the data (nothing kept) but the run with writes,
   which starts with the pages a running site keeps (WARM_PASSES untimed passes at its rate); then steps each
   up --ladder to find the highest rate whose p99 stays under --target-ms, and (when Debian's wrk is
   installed) measures the most the one-photo page and the baseline answer at all, closed loop;
5. checks the invariants and exits non-zero when one fails: every submission answered with a
   redirect (success) is in the database exactly once and every refused one is absent; no
   5xx and no traceback in the server log; the search index matches the database; the audit log
   holds exactly one approve/reject event per successful decision and none for refused ones.

With --nodes 2 (PostgreSQL only: --postgres and --redis are required) the same run goes across two
servers, set up as docs/operations.md's "Many servers" says (bench/load_support/nodes.py): two gunicorns
of 4 workers each, with folders of their own, sharing the database (PostgreSQL search), Redis (kept pages
shared, jobs on a queue run by a `photoid worker`) and an S3 bucket (moto started here, or --s3 URL).
The simulated users are dealt to the servers in turn, the paced clients alternate between them, and the
writer's patron writes on the first while its archivist approves on the second. The invariants are the
same, read from both servers' logs (and the worker's), with the search rows compared to the database and,
in addition, no job left waiting or failed. Its section of docs/performance.md is "Load: 2 nodes".

    .venv/bin/python bench/load.py --nodes 2 --postgres postgresql://postgres@127.0.0.1/postgres \
        --redis redis://127.0.0.1:6379/11

Then (--scale) it times the photo page in process at 1,000 and 20,000 photos and counts its SQL
statements, to show it does not degrade with collection size. Prints markdown and rewrites the
"Load" section of docs/performance.md (unless --no-doc).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import write_section  # noqa: E402
from load_support import nodes, site  # noqa: E402
from load_support.scale import scale_rows  # noqa: E402
from load_support.users import Record, paced, simulate  # noqa: E402
from load_support.writer import Writer  # noqa: E402
from tiles import WRK_SCRIPT, with_wrk  # noqa: E402
from pg import drop_postgres, fresh_postgres  # noqa: E402

MARKER = re.compile(r"lt[0-9a-f]{12}", re.I)
SECTION = "Load"
WORKERS, CONNECTIONS = 4, 4
LADDER_REQUESTS = 1000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def check_invariants(app: Any, record: Record, server_logs: list[Path]) -> list[str]:
    """Every broken invariant, described; an empty list when all hold."""
    from sqlalchemy import func, select

    from photoid.contributions.models import Comment, Identification
    from photoid.extensions import db
    from photoid.moderation.models import ModerationEvent
    from photoid.search import queue
    from photoid.search.models import SearchQueueEntry

    problems = []
    if record.server_errors:
        problems.append(f"{len(record.server_errors)} 5xx answers, e.g. {record.server_errors[:3]}")
    for server_log in server_logs:
        logged = server_log.read_text(errors="replace")
        if "Traceback" in logged:
            problems.append(f"tracebacks in the log {server_log}")
        # Why the database was "busy" (photoid/errors.py logs the driver's first line): the run's
        # folder is gone after it, so the cause is kept in the report.
        problems += [f"{server_log.name}: {line.strip()}" for line in logged.splitlines() if "answered 503" in line][:5]
    with app.app_context():
        stored: Counter[str] = Counter()
        for text_value in db.session.scalars(select(Identification.text_value)):
            stored.update(m.lower() for m in MARKER.findall(text_value or ""))
        for body in db.session.scalars(select(Comment.body)):
            stored.update(m.lower() for m in MARKER.findall(body or ""))
        accepted = {m for m, (_, status) in record.submissions.items() if status in (302, 303)}
        for marker, (kind, status) in record.submissions.items():
            expected = 1 if marker in accepted else 0
            if stored[marker] != expected:
                problems.append(f"{kind} {marker} (answered {status}) is in the database {stored[marker]} times")
        strays = set(stored) - set(record.submissions)
        if strays:
            problems.append(f"{len(strays)} marked submissions in the database that no user sent")

        deadline = time.monotonic() + 20
        while db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.5)
        waiting = db.session.scalar(select(func.count()).select_from(SearchQueueEntry))
        if waiting:
            problems.append(f"{waiting} photos still waiting in the search queue 20 s after the load stopped")
        db.session.rollback()  # end this session's reads before the check opens its own
        if app.config["SEARCH"] == "postgres":  # --nodes: the index is rows in the database
            problems += nodes.search_differences(app)
        else:
            report = queue.check(app, fix=False)
            if report.problems:
                problems.append(f"search index differs from the database: {len(report.missing)} missing, "
                                f"{len(report.stale)} stale, {len(report.extra)} extra")

        events = Counter(db.session.execute(
            select(ModerationEvent.target_id, ModerationEvent.action)
            .where(ModerationEvent.target_type == Identification.__tablename__,
                   ModerationEvent.action.in_(("approve", "reject")))).all())
        for ident, actions in record.decisions.items():
            if len(actions) != 1:
                problems.append(f"identification {ident} was decided {len(actions)} times: {actions}")
            if events[(ident, actions[0])] != 1:
                problems.append(f"identification {ident} has {events[(ident, actions[0])]} '{actions[0]}' audit rows")
        unexplained = {target for target, _ in events} - set(record.decisions)
        if unexplained:
            problems.append(f"{len(unexplained)} audit rows for decisions no archivist saw succeed")
        states = Counter(db.session.scalars(select(Identification.state)))
        decided = Counter(actions[0] for actions in record.decisions.values())
        if (states["approved"], states["rejected"]) != (decided["approve"], decided["reject"]):
            problems.append(f"database has {states['approved']} approved / {states['rejected']} rejected, "
                            f"archivists succeeded {decided['approve']} / {decided['reject']}")
        db.session.remove()
    return problems


#: The pages paced against each other: photoid as served, photoid with the page cache off, the baseline
#: (and, with --redis, photoid sharing its kept pages between workers).
PAGES = (
    ("hot", "", "one photo page, as served (a link in the news)"),
    ("photoid", "", "photo pages, as served"),
    ("uncached", "/uncached", "photo pages, page cache off"),
    ("bare", "/bare", "bare Flask, same query"),
)
SHARED = ("shared", "/shared", "photo pages, as served, kept pages shared through Redis")
#: Photo pages as served while, each second, a patron signs in, votes, comments and suggests, and an archivist approves.
WRITTEN = ("written", "", "photo pages, as served, while a patron and an archivist write each second")
#: Untimed passes over the photos before a run with writes (each worker keeps its own pages: after 12, ~3 % unkept).
WARM_PASSES = 12


def changed(app: Any) -> None:
    """End every kept page, as a restore does: every run starts with no kept page (the run with writes then
    warms them again, see ``start``)."""
    from photoid import page_versions
    from photoid.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        page_versions.end_every_page(connection)


def _ids(name: str, photo_ids: list[int]) -> list[int]:
    """The photos a page variant is asked for: one for "hot", all of them (in turn) otherwise."""
    return photo_ids[:1] if name == "hot" else photo_ids


def _paced_run(base: str | list[str], prefix: str, photo_ids: list[int], *, rate: float,
               seconds: float) -> tuple[list[float], int, int]:
    return paced(base, lambda n, p=prefix: f"{p}/photos/{photo_ids[n % len(photo_ids)]}",
                 rate=rate, connections=CONNECTIONS, seconds=seconds)


def _run(name: str, base: str | list[str], prefix: str, photo_ids: list[int], writing: Any, *, rate: float,
         seconds: float) -> tuple[list[float], int, int]:
    """One paced run; for the "written" page, with ``writing()`` (a started Writer) writing meanwhile."""
    if name != WRITTEN[0]:
        return _paced_run(base, prefix, _ids(name, photo_ids), rate=rate, seconds=seconds)
    writer = writing()
    writer.start()
    try:
        return _paced_run(base, prefix, photo_ids, rate=rate, seconds=seconds)
    finally:
        writer.stop()


def start(app: Any, name: str, base: str | list[str], prefix: str, photo_ids: list[int], *, rate: float) -> None:
    """Before a run: nothing kept; for the run with writes, then the kept pages a running site has."""
    changed(app)
    if name == WRITTEN[0]:
        _paced_run(base, prefix, photo_ids, rate=rate, seconds=WARM_PASSES * len(photo_ids) / rate)


def photo_page_rate(base: str | list[str], photo_ids: list[int], *, pages: tuple[tuple[str, str, str], ...], app: Any,
                    rate: float, seconds: float, rounds: int, target_ms: float, ladder: list[float],
                    writing: Any = None) -> dict[str, Any]:
    """Each page at ``rate``/s, alternating, ``rounds`` times; then each page's highest rate on the
    ladder whose p99 stays under the target (one run per step, stopping at the first miss). Each
    run starts just after a change to the data (``start``). A step sends at least
    ``LADDER_REQUESTS``: at 50/s a 4 s run is 200 requests, and the one render per worker that follows
    a change would then be the 99th percentile by itself, failing a rate that a longer run holds."""
    for name, prefix, _label in pages:  # warm up: every worker has imported, connected and compiled
        _paced_run(base, prefix, _ids(name, photo_ids), rate=50, seconds=2)
    found: dict[str, dict[str, list[float]]] = {name: {"p50": [], "p99": [], "rps": []} for name, _, _ in pages}
    bad = 0
    for _ in range(rounds):
        for name, prefix, _label in pages:
            start(app, name, base, prefix, photo_ids, rate=rate)
            latencies, errors, sent = _run(name, base, prefix, photo_ids, writing, rate=rate, seconds=seconds)
            bad += errors
            found[name]["p50"].append(percentile(latencies, 0.5) * 1000)
            found[name]["p99"].append(percentile(latencies, 0.99) * 1000)
            found[name]["rps"].append(sent / seconds)
    result: dict[str, Any] = {name: {k: statistics.median(v) for k, v in values.items()} for name, values in found.items()}
    for name, prefix, _label in pages:
        best = 0.0
        for step in ladder:
            start(app, name, base, prefix, photo_ids, rate=rate)
            latencies, errors, _sent = _run(name, base, prefix, photo_ids, writing, rate=step,
                                            seconds=max(seconds, LADDER_REQUESTS / step))
            bad += errors
            if percentile(latencies, 0.99) * 1000 >= target_ms:
                break
            best = step
        result[name]["capacity"] = best
    result["non_200"] = bad
    # The fresh page's most shows what rendering costs: at 500/s it must answer well over 500 at all.
    for name, prefix in (("hot", ""), ("uncached", "/uncached"), ("bare", "/bare")):
        if name in result and isinstance(base, str):  # wrk sends to one server
            result[name]["most"] = most_served(base, f"{prefix}/photos/{photo_ids[0]}", runs=rounds)
    return result


def most_served(base: str, path: str, *, runs: int, seconds: float = 5) -> float | None:
    """The most requests a second ``path`` answers, closed loop over the same connections, by wrk (a C
    client: it takes little of the cores the server needs), run as the tiles bench runs it; the median
    of ``runs``. None without wrk."""
    if shutil.which("wrk") is None:
        return None
    found = []
    with tempfile.TemporaryDirectory(prefix="photoid-wrk-") as folder:
        paths, script = Path(folder) / "paths.txt", Path(folder) / "paths.lua"
        paths.write_text(path + "\n")
        script.write_text(WRK_SCRIPT)
        for _ in range(runs):
            load = with_wrk(urlsplit(base).port or 80, paths, seconds, script)
            if load.failed:
                raise SystemExit(f"wrk saw {load.failed} failed requests on {path}")
            found.append(load.per_second)
    return statistics.median(found)


def run_database(label: str, database_url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    cluster = nodes.Nodes(folder, database_url, args.redis) if args.nodes > 1 else None
    if cluster is not None:
        cluster.start_s3(args.s3)
        env = cluster.env("seed")
    else:
        env = site.site_env(folder, database_url, redis_url=args.redis or "")
    app = site.make_app(env)
    started = time.monotonic()
    try:
        data = site.seed(app, photos=args.photos, patrons=args.patrons, archivists=args.archivists)
    except BaseException:
        if cluster is not None:
            cluster.stop()
        raise
    seeded = time.monotonic() - started
    print(f"[{label}] seeded {args.photos} photos and {args.patrons + args.archivists} accounts in {seeded:.0f} s", flush=True)
    if cluster is not None:
        try:
            base: str | list[str] = cluster.start_servers(args.nodes, workers=WORKERS)
        except BaseException:
            cluster.stop()
            raise
        logs, stop = cluster.logs, cluster.stop
        print(f"[{label}] {args.nodes} servers at {', '.join(cluster.bases)}, a worker, S3 at {cluster.s3_endpoint}",
              flush=True)
    else:
        logs = [folder / "gunicorn.log"]
        server, base = site.start_gunicorn(env, logs[0], workers=WORKERS)

        def stop() -> None:
            site.stop(server)
    try:
        record, wall = asyncio.run(simulate(
            base, patrons=data["users"]["patron"], archivists=data["users"]["archivist"],
            photo_ids=data["photo_ids"], seconds=args.seconds, think=args.think))
        print(f"[{label}] load done: {sum(len(v) for v in record.latencies.values())} requests in {wall:.0f} s", flush=True)
        # Across nodes photoid's own page is already shared through Redis: no separate /shared.
        pages = PAGES + ((SHARED,) if args.redis and cluster is None else ()) + (WRITTEN,)
        if args.pages:
            pages = tuple(page for page in pages if page[0] in args.pages.split(",") or page[0] == "bare")
        writers: list[Writer] = []

        def writing() -> Writer:
            writers.append(Writer(base, record, patron=data["users"]["patron"][0], archivist=data["users"]["archivist"][0],
                                  photo_ids=data["photo_ids"], seed=len(writers)))
            return writers[-1]

        rate = photo_page_rate(base, data["photo_ids"], pages=pages, app=app, rate=args.rate, seconds=args.rate_seconds, rounds=args.rounds,
                               target_ms=args.target_ms, ladder=[float(x) for x in args.ladder.split(",") if x.strip()],
                               writing=writing)
        rate["writes"] = sum((w.done for w in writers), Counter())
        print(f"[{label}] writes during the written runs: {dict(sorted(rate['writes'].items()))}", flush=True)
        # Across nodes, while the worker still runs: every job the load queued is done, none failed.
        problems = nodes.job_problems(app) if cluster is not None else []
    finally:
        stop()
    problems = check_invariants(app, record, logs) + problems
    with app.app_context():
        from photoid.extensions import db

        db.engine.dispose()
    result = {"label": label, "record": record, "wall": wall, "rate": rate, "problems": problems}
    print(summary_table([result]), pages_table([result]), rate_table([result], args.target_ms, args.rate),
          sep="\n\n", flush=True)
    return result


def pages_table(results: list[dict[str, Any]]) -> str:
    lines = ["| database | page | requests | per second | p50 ms | p99 ms | statuses |", "|---|---|---:|---:|---:|---:|---|"]
    for result in results:
        record: Record = result["record"]
        for page in sorted(record.latencies):
            values = record.latencies[page]
            statuses = ", ".join(f"{code}×{n}" for code, n in sorted(record.statuses[page].items()))
            per_second = "before the window" if page.startswith("login") else f"{len(values) / result['wall']:.1f}"
            lines.append(f"| {result['label']} | {page} | {len(values)} | {per_second} | "
                         f"{percentile(values, 0.5) * 1000:.1f} | {percentile(values, 0.99) * 1000:.1f} | {statuses} |")
        total = sum(len(v) for page, v in record.latencies.items() if not page.startswith("login"))
        lines.append(f"| {result['label']} | **all** | {total} | **{total / result['wall']:.0f}** | | | |")
    return "\n".join(lines)


def summary_table(results: list[dict[str, Any]]) -> str:
    lines = ["| database | submissions accepted / refused | decisions (approve / reject / lost the race) | 5xx | invariants |",
             "|---|---|---|---:|---|"]
    for result in results:
        record: Record = result["record"]
        accepted = sum(1 for _, status in record.submissions.values() if status in (302, 303))
        approve = sum(1 for a in record.decisions.values() if a[0] == "approve")
        lines.append(f"| {result['label']} | {accepted} / {len(record.submissions) - accepted} | "
                     f"{approve} / {len(record.decisions) - approve} / {record.refused_decisions} | "
                     f"{len(record.server_errors)} | {'all hold' if not result['problems'] else '**' + '; '.join(result['problems'][:3]) + '**'} |")
    return "\n".join(lines)


def rate_table(results: list[dict[str, Any]], target: float, rate: float) -> str:
    lines = [f"| database | page | achieved req/s | p50 ms | p99 ms | p99 vs baseline | target p99 < {target:g} ms "
             f"| highest rate with p99 < {target:g} ms | most served (wrk, one photo) |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|"]
    for result in results:
        r = result["rate"]
        for name, _prefix, label in (page for page in PAGES + (SHARED, WRITTEN) if page[0] in r):
            ratio = r[name]["p99"] / r["bare"]["p99"]  # two significant figures: a kept page can be 0.006×
            verdict = ("meets target" if r[name]["p99"] < target else "**misses target**") if name != "bare" else "baseline"
            lines.append(f"| {result['label']} | {label} | {r[name]['rps']:.0f} | {r[name]['p50']:.1f} | "
                         f"{r[name]['p99']:.1f} | {ratio:.2g}× | {verdict} | {r[name]['capacity']:.0f}/s | "
                         + (f"{r[name]['most']:.0f}/s |" if r[name].get("most") else "– |"))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=300, help="photos to seed (default 300)")
    parser.add_argument("--patrons", type=int, default=50)
    parser.add_argument("--archivists", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=45, help="how long the users work, after signing in (default 45)")
    parser.add_argument("--think", type=float, default=0.1, help="mean pause between a user's requests, s (default 0.1)")
    parser.add_argument("--rate", type=float, default=500, help="photo page requests a second (default 500)")
    parser.add_argument("--rate-seconds", type=float, default=4, help="length of each paced run (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="paced runs of each page; medians reported (default 3)")
    parser.add_argument("--target-ms", type=float, default=20)
    parser.add_argument("--ladder", default="50,100,150,200,300,400,500,700",
                        help="rates tried, in order, for each page's highest rate under the target")
    parser.add_argument("--pages", help="only these page variants (hot, photoid, uncached, shared, written; "
                        "the bare baseline always runs), e.g. --pages photoid,written")
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a fresh database h_load_<pid> is made on it and dropped")
    parser.add_argument("--only-postgres", action="store_true", help="skip SQLite")
    parser.add_argument("--redis", help="a Redis URL: also measure photoid sharing its kept pages through it")
    parser.add_argument("--scale", default="1000,20000", help="collection sizes for the degradation check ('' skips)")
    parser.add_argument("--scale-only", action="store_true",
                        help="only the collection-size check, into its own section of docs/performance.md")
    parser.add_argument("--nodes", type=int, choices=range(1, 5), default=1, metavar="N",
                        help="servers (1-4) sharing PostgreSQL, Redis and S3; more than one needs --postgres and --redis "
                        "and runs PostgreSQL only, without --scale (default 1)")
    parser.add_argument("--s3", metavar="URL", help="with --nodes: an S3 endpoint to use instead of starting moto here "
                        "(credentials as boto3 finds them)")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    if args.nodes > 1:
        if not (args.postgres and args.redis):
            parser.error("--nodes 2 or more shares one PostgreSQL database and one Redis: give --postgres and --redis")
        args.only_postgres, args.scale = True, ""

    started = time.monotonic()
    load_before = os.getloadavg()
    print(f"load average at the start: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    if load_before[0] > 1:
        print("WARNING: the machine is not quiet (1-minute load above 1): the figures will not be figures; rerun when it is.",
              file=sys.stderr, flush=True)
    sizes = [int(s) for s in args.scale.split(",") if s.strip()]
    if args.scale_only:
        scale = scale_rows(sizes, postgres=args.postgres)
        body = scale.replace("### ", "", 1).split("\n", 1)[1].strip()
        body += f"\n\nCommand (took {time.monotonic() - started:.0f} s):\n\n```sh\n.venv/bin/python bench/load.py --scale-only"
        body += (" --postgres postgresql://postgres@127.0.0.1/postgres" if args.postgres else "") + "\n```"
        print(body)
        if not args.no_doc:
            write_section(SECTION + ": photo page against collection size", body)
        return 0
    results = []
    if not args.only_postgres:
        with tempfile.TemporaryDirectory(prefix="photoid-load-") as folder:
            results.append(run_database("SQLite", f"sqlite:///{folder}/load.sqlite3", args, Path(folder)))
    if args.postgres:
        name = f"h_load_{os.getpid()}"
        database_url = fresh_postgres(args.postgres, name)
        try:
            with tempfile.TemporaryDirectory(prefix="photoid-load-") as folder:
                label = "PostgreSQL" + (f", {args.nodes} nodes" if args.nodes > 1 else "")
                results.append(run_database(label, database_url, args, Path(folder)))
        finally:
            drop_postgres(args.postgres, name)
    scale = scale_rows(sizes, postgres=args.postgres) if sizes else ""

    load_after = os.getloadavg()
    print(f"load average at the end: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}", flush=True)
    body = "\n\n".join([
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}. Server: gunicorn, {WORKERS} sync workers, on 127.0.0.1; "
        "clients on the same machine: the simulated users on aiohttp in one process; the paced runs on four "
        "threads sending plain HTTP over sockets, which cost 0.3-0.4 ms of CPU a request against aiohttp's 1.1-1.4 ms "
        "(the client shares the two cores with the server). Rate limits off for the run (every simulated user "
        "comes from 127.0.0.1).",
        *([f"{args.nodes} servers, each a gunicorn of {WORKERS} sync workers with folders of its own, sharing one "
           "PostgreSQL database (PostgreSQL search), one Redis (kept pages shared; jobs run by one `photoid worker`) "
           f"and one S3 bucket ({'at --s3' if args.s3 else 'moto in server mode'}), all on this machine and its cores: "
           "the simulated users are dealt to the servers in turn, the paced clients alternate between them, and the "
           "writer's patron writes on the first while its archivist approves on the last. Besides the one-server "
           "run's invariants, no job is left waiting or failed (wrk, which sends to one server, is not run)."]
          if args.nodes > 1 else []),
        f"Load average (1, 5, 15 minutes) at the start {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"at the end {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (the run's own load counts in the end figure)."
        + (" **Not quiet at the start: rerun.**" if load_before[0] > 1 else ""),
        f"Command (took {time.monotonic() - started:.0f} s):\n\n```sh\n.venv/bin/python bench/load.py"
        + (f" --nodes {args.nodes}" if args.nodes > 1 else "")
        + (f" --pages {args.pages}" if args.pages else "")
        + (" --postgres postgresql://postgres@127.0.0.1/postgres" if args.postgres else "")
        + (f" --redis {args.redis}" if args.redis else "") + "\n```",
        f"{args.patrons} patrons and {args.archivists} archivists for {args.seconds:g} s over {args.photos} photos, "
        f"pausing {args.think * 1000:.0f} ms on average between requests, after all have signed in through the "
        "login form (4 at a time; not counted in the window). A submission counts as accepted when "
        "the form answers with a redirect; \"lost the race\" is a decision refused because the other archivist "
        "decided that item first.",
        summary_table(results),
        pages_table(results),
        f"### Photo page at {args.rate:g} requests/s, {CONNECTIONS} connections\n\n"
        f"Open loop (fixed schedule; latency counted from the scheduled time), {args.rounds} runs of "
        f"{args.rate_seconds:g} s each, alternating with the baseline in the same gunicorn; medians of the runs. "
        f"Each run starts with no page kept, but the run with writes, which starts as a running site does "
        f"({WARM_PASSES} untimed passes over the photos at its rate first). The highest rate comes from one run per ladder step, each of at least {LADDER_REQUESTS:,} requests. "
        "The last column is the most the page answers at all, closed loop (each connection sends as soon as "
        "its answer arrives), measured with wrk for one photo: a page whose most is near or under the rate cannot "
        "hold it.\n\n"
        + rate_table(results, args.target_ms, args.rate),
        "\n".join(f"Writes during the \"{WRITTEN[2]}\" runs ({r['label']}), by answer: "
                  + ", ".join(f"{name} ×{n}" for name, n in sorted(r["rate"].get("writes", {}).items())) for r in results),
        scale,
    ]).rstrip()
    print(body)
    if not args.no_doc:  # a run of chosen pages has a section of its own, beside the full run's
        write_section(SECTION + (f": {args.nodes} nodes" if args.nodes > 1 else "") + (f": {args.pages}" if args.pages else ""),
                      body)
    failed = [(r["label"], p) for r in results for p in r["problems"]]
    for label, problem in failed:
        print(f"INVARIANT BROKEN [{label}]: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
