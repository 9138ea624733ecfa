"""Benchmark: serving IIIF tiles, against a bare Flask route that serves the same files.

Run from the repository root:  .venv/bin/python bench/tiles.py

Ingests one generated 6000x4000 scan (q90) into a throwaway site with the real ``photoid import``,
reads the photo's info.json and computes every tile and size URL an OpenSeadragon viewer asks for
(each is checked to answer 200), then measures, alternating photoid and the baseline, --rounds times:

- in this process, through Flask's test client: each URL in turn for --client-seconds;
- over HTTP on a free 127.0.0.1 port, against a server this script starts (gunicorn with 2 sync
  workers when it is installed, else werkzeug's threaded server), loaded by ``wrk`` (1 thread,
  4 connections) when it is installed, else by 4 Python threads with keep-alive connections,
  for --seconds.

The baseline is a bare Flask app mounted at /bare in the same server (and its own test client in
process): one route, ``send_from_directory`` on the photo's tile folder, so it serves the very same
files with no database, no IIIF parsing and none of photoid's request hooks. Prints a markdown table
and rewrites the "IIIF tiles" section of docs/performance.md (other sections are kept).
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import BIN, ROOT, _children, _proc, make_site, write_manifest, write_section  # noqa: E402

SECTION = "IIIF tiles"
COMMAND = ".venv/bin/python bench/tiles.py"
SERVER_WORKERS, CONNECTIONS = 2, 4
ONE_YEAR = 365 * 24 * 3600
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("PHOTOID_BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


# -- the apps under test -----------------------------------------------------------------------------


def bare_app(folder: str) -> Any:
    """The baseline: one Flask route sending files from ``folder``, nothing else."""
    from flask import Flask, send_from_directory

    app = Flask("bare")

    @app.route("/<path:key>")
    def tile(key: str) -> Any:
        return send_from_directory(folder, key, mimetype="image/jpeg", max_age=ONE_YEAR)

    return app


def serving_app() -> Any:
    """photoid, with the baseline mounted at /bare (``gunicorn 'tiles:serving_app()'``)."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from photoid import create_app

    return DispatcherMiddleware(create_app(), {"/bare": bare_app(os.environ["PHOTOID_BENCH_TILES"])})


# -- which URLs a viewer asks for ------------------------------------------------------------------


def viewer_paths(info: dict[str, Any]) -> list[tuple[str, str]]:
    """(region, size) of every tile and size OpenSeadragon requests from a level-0 info.json,
    computed from info.json alone as OpenSeadragon's IIIFTileSource does for Image API 3."""
    width, height = info["width"], info["height"]
    tile = info["tiles"][0]
    tile_w, tile_h = tile["width"], tile.get("height", tile["width"])
    found: dict[tuple[str, str], None] = {}

    def size_label(w: int, h: int) -> str:
        return "max" if (w, h) == (width, height) else f"{w},{h}"

    for factor in tile["scaleFactors"]:
        level_w, level_h = math.ceil(width / factor), math.ceil(height / factor)
        if level_w < tile_w and level_h < tile_h:
            found[("full", size_label(level_w, level_h))] = None
            continue
        for y in range(math.ceil(level_h / tile_h)):
            for x in range(math.ceil(level_w / tile_w)):
                left, top = x * tile_w * factor, y * tile_h * factor
                region_w, region_h = min(tile_w * factor, width - left), min(tile_h * factor, height - top)
                whole = (left, top, region_w, region_h) == (0, 0, width, height)
                region = "full" if whole else f"{left},{top},{region_w},{region_h}"
                found[(region, size_label(math.ceil(region_w / factor), math.ceil(region_h / factor)))] = None
    for size in info.get("sizes", []):
        found[("full", size_label(size["width"], size["height"]))] = None
    return list(found)


# -- measuring -----------------------------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failed: int = 0
    server_cpu: float = 0.0  # CPU seconds of the server's processes during the round

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def from_latencies(latencies: list[float], seconds: float, failed: int) -> Load:
    latencies.sort()
    return Load(len(latencies), seconds, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, failed)


def through_test_client(client: Any, urls: list[str], seconds: float) -> Load:
    latencies, failed = [], 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for url in urls:
            before = time.perf_counter()
            response = client.get(url)
            response.data  # noqa: B018  (read the body, as a server would send it)
            response.close()
            latencies.append(time.perf_counter() - before)
            failed += response.status_code != 200
            if before > deadline:
                break
    return from_latencies(latencies, time.perf_counter() - started, failed)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    port = free_port()
    try:
        import gunicorn  # noqa: F401

        command = [str(BIN / "gunicorn"), "--workers", str(SERVER_WORKERS), "--bind", f"127.0.0.1:{port}",
                   "--pythonpath", str(ROOT / "bench"), "--log-level", "warning", "tiles:serving_app()"]
        name = f"gunicorn, {SERVER_WORKERS} sync workers"
    except ImportError:
        command = [sys.executable, __file__, "--serve", str(port)]
        name = "werkzeug's threaded server (gunicorn is not installed)"
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}; see {log}")
        try:
            if get(port, "/iiif/3/0/info.json")[0] in (200, 404):
                return server, port, name
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"the server did not answer within 30 s; see {log}")


def server_cpu(pid: int) -> float:
    return sum(info[1] for p in [pid, *_children(pid)] if (info := _proc(p)) is not None)


def with_wrk(port: int, paths: Path, seconds: float, script: Path) -> Load:
    result = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        env={**os.environ, "PHOTOID_BENCH_PATHS": str(paths)}, capture_output=True, text=True, check=True,
        timeout=seconds + 30,
    )
    text = result.stdout
    units = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}

    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M).groups()
        return float(value) * units[unit]

    requests, took = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text).group(1, 2)
    unit = re.search(r"\d+ requests in [\d.]+(us|ms|s|m)", text).group(1)
    failed = int(match.group(1)) if (match := re.search(r"Non-2xx or 3xx responses: (\d+)", text)) else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    failed += sum(int(n) for n in errors.groups()) if errors else 0
    return Load(int(requests), float(took) * units[unit] / 1000, latency("50%"), latency("99%"), failed)


def with_threads(port: int, urls: list[str], seconds: float) -> Load:
    """The fallback client: CONNECTIONS threads, each a keep-alive connection cycling the URLs."""
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    failures = [0] * CONNECTIONS
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = n * 7
        while time.perf_counter() < deadline:
            before = time.perf_counter()
            try:
                connection.request("GET", urls[i % len(urls)])
                response = connection.getresponse()
                response.read()
                failures[n] += response.status != 200
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                failures[n] += 1
                connection.close()
            latencies[n].append(time.perf_counter() - before)
            i += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    return from_latencies([x for each in latencies for x in each], time.perf_counter() - started, sum(failures))


# -- report ----------------------------------------------------------------------------------------------


def machine() -> str:
    from ingest import machine as described

    return described()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each (default 3)")
    parser.add_argument("--seconds", type=float, default=8, help="length of one HTTP round (default 8)")
    parser.add_argument("--client-seconds", type=float, default=3, help="length of one test-client round (default 3)")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto", help="HTTP load generator")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: the werkzeug fallback server
    args = parser.parse_args()
    if args.serve:
        import logging

        from werkzeug.serving import run_simple

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        run_simple("127.0.0.1", args.serve, serving_app(), threaded=True)
        return
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)

    bench_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="photoid-bench-tiles-") as folder:
        tmp = Path(folder)
        print("ingesting one 6000×4000 scan ...", file=sys.stderr)
        from derivatives import scan_image

        (tmp / "images").mkdir()
        scan_image(6000, 4000, seed=5).save(tmp / "images" / "scan.jpg", quality=90)
        write_manifest(tmp / "manifest.csv", ["scan.jpg"])
        env = make_site(tmp / "site")
        subprocess.run(
            [str(BIN / "photoid"), "import", str(tmp / "manifest.csv"), "--images", str(tmp / "images"),
             "--collection", "bench", "--workers", "1", "--report", str(tmp / "report.csv")],
            env=env, cwd=ROOT, check=True, capture_output=True,
        )
        photo_id = int(next(line for line in (tmp / "report.csv").read_text().splitlines() if ",ingested," in line).split(",")[3])
        tiles_dir = next((tmp / "site" / "uploads" / "photos").glob("*/*/iiif"))
        env["PHOTOID_BENCH_TILES"] = str(tiles_dir)
        os.environ.update(env)  # this process's test client runs the same site

        from photoid import create_app

        photoid_client, bare_client = create_app().test_client(), bare_app(str(tiles_dir)).test_client()
        info = json.loads(photoid_client.get(f"/iiif/3/{photo_id}/info.json").data)
        pairs = viewer_paths(info)
        photoid_urls = [f"/iiif/3/{photo_id}/{region}/{size}/0/default.jpg" for region, size in pairs]
        bare_urls = [f"/bare/{region}/{size}/0/default.jpg" for region, size in pairs]
        sizes = []
        for url, (region, size) in zip(photoid_urls, pairs, strict=True):
            response = photoid_client.get(url)
            body = response.data
            file = tiles_dir / region / size / "0" / "default.jpg"
            if response.status_code != 200 or response.mimetype != "image/jpeg" or body != file.read_bytes():
                raise SystemExit(f"{url}: {response.status_code} {response.mimetype}; expected the file {file}")
            sizes.append(len(body))
        on_disk = len(list(tiles_dir.rglob("*.jpg")))
        print(f"{len(pairs)} URLs from info.json, all 200 ({on_disk} files in the photo's iiif folder)", file=sys.stderr)

        in_process: dict[str, list[Load]] = {"photoid": [], "bare": []}
        for run in range(args.rounds):
            print(f"round {run + 1}/{args.rounds}: test client ...", file=sys.stderr)
            in_process["photoid"].append(through_test_client(photoid_client, photoid_urls, args.client_seconds))
            in_process["bare"].append(through_test_client(bare_client, [u.removeprefix("/bare") for u in bare_urls],
                                                          args.client_seconds))

        server, port, server_name = start_server(env, tmp / "server.log")
        over_http: dict[str, list[Load]] = {"photoid": [], "bare": []}
        try:
            for url in (photoid_urls[0], bare_urls[0]):
                if get(port, url)[0] != 200:
                    raise SystemExit(f"{url} did not answer 200 over HTTP; see {tmp / 'server.log'}")
            script = tmp / "paths.lua"
            script.write_text(WRK_SCRIPT)
            for run in range(args.rounds):
                for name, urls in (("photoid", photoid_urls), ("bare", bare_urls)):
                    print(f"round {run + 1}/{args.rounds}: HTTP, {name} ...", file=sys.stderr)
                    paths = tmp / f"{name}.txt"
                    paths.write_text("\n".join(urls) + "\n")
                    cpu_before = server_cpu(server.pid)
                    load = with_wrk(port, paths, args.seconds, script) if use_wrk else with_threads(port, urls, args.seconds)
                    load.server_cpu = server_cpu(server.pid) - cpu_before
                    over_http[name].append(load)
        finally:
            server.terminate()
            server.wait(timeout=30)
    total_seconds = time.perf_counter() - bench_started

    def med(loads: list[Load], value) -> float:
        return statistics.median(value(load) for load in loads)

    def rate(loads: list[Load]) -> float:
        return med(loads, lambda x: x.per_second)

    def cell(loads: list[Load]) -> str:
        return (f"**{rate(loads):,.0f}/s**, p50 {med(loads, lambda x: x.p50_ms):.2f} ms,"
                f" p99 {med(loads, lambda x: x.p99_ms):.2f} ms")

    failed = sum(load.failed for group in (*in_process.values(), *over_http.values()) for load in group)
    client_name = (f"wrk, 1 thread, {CONNECTIONS} connections" if use_wrk
                   else f"{CONNECTIONS} Python threads with keep-alive connections")
    cpu = {name: med(loads, lambda x: x.server_cpu / x.requests * 1000) for name, loads in over_http.items()}
    rows = [
        f"| median of {args.rounds} rounds | photoid `/iiif/3/…/default.jpg` | baseline: bare Flask `send_from_directory`,"
        " same files | photoid / baseline |",
        "|---|---|---|---|",
        f"| in process, Flask test client, one request at a time ({args.client_seconds:g} s a round)"
        f" | {cell(in_process['photoid'])} | {cell(in_process['bare'])}"
        f" | **{rate(in_process['photoid']) / rate(in_process['bare']):.2f}×** |",
        f"| over HTTP on 127.0.0.1: {server_name}; {client_name} ({args.seconds:g} s a round)"
        f" | {cell(over_http['photoid'])} | {cell(over_http['bare'])}"
        f" | **{rate(over_http['photoid']) / rate(over_http['bare']):.2f}×** |",
        f"| server CPU time per request over HTTP (all its processes) | {cpu['photoid']:.2f} ms | {cpu['bare']:.2f} ms"
        f" | {cpu['photoid'] / cpu['bare']:.2f}× |",
        f"| responses other than 200, or socket errors | {failed} in all | | |",
    ]
    table = "\n".join(rows)
    overhead_ms = 1000 / rate(in_process["photoid"]) - 1000 / rate(in_process["bare"])
    print(table)
    print(f"\n{len(pairs)} URLs, mean {statistics.mean(sizes) / 1024:.0f} KB; photoid's own work per request"
          f" ≈ {overhead_ms:.2f} ms in process; bench took {total_seconds:.0f} s")
    if not args.no_doc:
        write_section(SECTION, DOC_TEMPLATE.format(
            machine=machine(), command=COMMAND, table=table, urls=len(pairs), files=on_disk,
            mean_kb=statistics.mean(sizes) / 1024, seconds=round(total_seconds, -1), overhead_ms=overhead_ms,
            http_ratio=rate(over_http["photoid"]) / rate(over_http["bare"]), http_rate=rate(over_http["photoid"]),
            installed="gunicorn was pip-installed into .venv for this (it is not a dependency of photoid)"
            if "gunicorn" in server_name else "gunicorn was not installed",
            verdict=(f"meets it ({rate(over_http['photoid']):,.0f} per second)" if rate(over_http["photoid"]) >= 2000
                     else f"does not: about {rate(over_http['photoid']):,.0f} per second on this machine"),
            wrk="`wrk` (Debian package, `apt-get install wrk`)" if use_wrk else "a Python client (wrk was not installed)",
        ))
        print(f"wrote {Path('docs/performance.md')}", file=sys.stderr)


DOC_TEMPLATE = """
Machine: {machine}.

Command (from the repository root; it makes its own site and photo and took {seconds:.0f} seconds here):

```sh
{command}
```

One generated 6000×4000 scan (q90) imported with `photoid import`; the {urls} tile and size URLs an
OpenSeadragon viewer requests, computed from its info.json ({files} files on disk, mean
{mean_kb:.0f} KB), requested in turn. The baseline is a bare Flask route, `send_from_directory` on
the photo's tile folder, serving the same files: mounted at /bare in the same server, and its own
test client in process. Over HTTP the load comes from {wrk}; {installed}.

{table}

**Ratio: photoid serves tiles at {http_ratio:.2f}× the rate of the bare route over HTTP
({http_rate:,.0f} per second), and spends about {overhead_ms:.2f} ms more per tile in process.**
Target from the issue, thousands of tiles per second through Flask with no decoding per request:
no decoding is met (every response is checked to be the stored file, byte for byte); the rate
{verdict}. With only 2 CPUs, the load generator shares them with the server.

Where photoid's extra time goes: a cProfile of the test-client loop (run by hand, not part of the
bench) put about 40% of a tile request in `visible_photo`, which runs two queries per tile (the photo,
then its collection, lazily loaded, to check both are published), about 15% in `send_file`, about 8%
in Flask-Limiter's per-request check (although the route has no limit), and most of the rest in
Flask's request context and hooks. Looking the photo and its collection up in one query, or caching
the published checksum of a photo for a short time, would be the first things to try.
"""


if __name__ == "__main__":
    main()
