"""Benchmark: face detection per photo (with and without upsampling, on portraits and on a grey, faded
group photo with small faces) and face matching over 10,000 and 100,000 approved faces (time per face
and memory), as photoid/faces does them.

Run from the repository root, on a quiet machine:
    .venv/bin/python bench/faces.py
Quick check that it runs (seconds; leaves docs/performance.md alone):
    .venv/bin/python bench/faces.py --sizes 1000 --queries 5 --runs 1 --db-faces 200 --no-doc

Detection: ``detection.find_faces`` with encodings (as with matching on) on the display-size portraits the
tests and the demo use (tests/fixtures/faces/), at PHOTOID_FACES_UPSAMPLE 0 and 1; then a group photo made
here from those portraits: twelve faces of 36 to 100 pixels on a 1600 x 1067 canvas, turned grey and faded
(contrast halved), at upsampling 0, 1 and 2, with how many of the twelve faces were found. The models'
loading (once per process) is timed on its own.

Matching: synthetic encodings (random, scaled like real ones) in ``matching.Examples``, then
``matching.nearest`` for --queries new faces (three candidates, one per person, within 0.6): median and
p95 per face. Baseline: the plain brute force, ``numpy.linalg.norm(matrix - face, axis=1)`` and a full sort.
Memory: the matrix, and the peak Python allocation (tracemalloc) of one query. Also the time to read the
approved faces from a SQLite database of --db-faces faces (``matching.load_examples``: the cost a process
pays on its first suggestion and after each change). Rewrites the "Faces" section of docs/performance.md
unless --no-doc.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from PIL import Image, ImageEnhance  # noqa: E402

from ingest import write_section  # noqa: E402

SECTION = "Faces"
PORTRAITS = ROOT / "tests" / "fixtures" / "faces"
COMMAND = ".venv/bin/python bench/faces.py"
GROUP_FACE_SIZES = (36, 44, 52, 60, 68, 76, 84, 92, 100, 40, 56, 72)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


def timed(func, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """The median time of ``runs`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def group_photo() -> Image.Image:
    """Twelve faces cut from the portraits, scaled to 36-100 px, on a grey, faded 1600 x 1067 canvas."""
    from photoid.faces.detection import find_faces

    heads = []
    for path in sorted(PORTRAITS.glob("*.jpg")):
        with Image.open(path) as image:
            image = image.convert("RGB")
            [face] = find_faces(image.copy(), upsample=1, encode=False)
            w, h = image.size
            margin = 0.6
            box = (max(0, int((face.x - face.w * margin) * w)), max(0, int((face.y - face.h * margin) * h)),
                   min(w, int((face.x + face.w * (1 + margin)) * w)), min(h, int((face.y + face.h * (1 + margin)) * h)))
            heads.append((image.crop(box), face.w * w / (box[2] - box[0])))
    canvas = Image.new("RGB", (1600, 1067), (150, 140, 130))
    for n, size in enumerate(GROUP_FACE_SIZES):
        head, share = heads[n % len(heads)]
        scale = size / (share * head.width)
        piece = head.resize((max(1, int(head.width * scale)), max(1, int(head.height * scale))), Image.LANCZOS)
        canvas.paste(piece, (60 + (n % 6) * 250, 120 + (n // 6) * 480))
    grey = canvas.convert("L")
    return ImageEnhance.Contrast(grey).enhance(0.5)


def detection(runs: int) -> list[str]:
    from photoid.faces import detection as found

    start = time.perf_counter()
    found.detector()
    load = time.perf_counter() - start
    lines = [f"Models loaded in {ms(load)} (once per process).", "",
             "| photo | pixels | upsample 0 | faces | upsample 1 | faces | upsample 2 | faces |", "|---|---|---|---|---|---|---|---|"]
    for path in sorted(PORTRAITS.glob("*.jpg")):
        with Image.open(path) as image:
            pixels = image.convert("RGB")
        cells = []
        for upsample in (0, 1):
            seconds, faces = timed(lambda: found.find_faces(pixels.copy(), upsample=upsample, encode=True), runs)
            cells += [ms(seconds), str(len(faces))]  # type: ignore[arg-type]
        lines.append(f"| {path.name} | {pixels.width} x {pixels.height} | {' | '.join(cells)} | – | – |")
    group = group_photo()
    cells = []
    for upsample in (0, 1, 2):
        seconds, faces = timed(lambda: found.find_faces(group.copy(), upsample=upsample, encode=True), runs)
        cells += [ms(seconds), f"{len(faces)} of {len(GROUP_FACE_SIZES)}"]  # type: ignore[arg-type]
    lines.append(f"| group photo, grey and faded, faces 36-100 px | {group.width} x {group.height} | {' | '.join(cells)} |")
    return lines


def synthetic(n: int, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    """``n`` approved faces of n/3 people: random encodings with the spread of real ones (about 0.05 a number)."""
    from photoid.faces.matching import Examples

    matrix = (rng.standard_normal((n, 128)) * 0.05).astype(np.float32)
    people = np.arange(n, dtype=np.int64) // 3
    return Examples(key=(0, 0), face_ids=np.arange(n, dtype=np.int64), photo_ids=np.arange(n, dtype=np.int64),
                    person_ids=people, matrix=matrix, norms=np.einsum("ij,ij->i", matrix, matrix),
                    boxes={}, headings={})


def matching(sizes: list[int], queries: int) -> list[str]:
    from photoid.faces.matching import nearest

    rng = np.random.default_rng(24)
    lines = ["| approved faces | matrix | per face, median | p95 | baseline (norm + sort) median | peak per face | process RSS |",
             "|---|---|---|---|---|---|---|"]
    for n in sizes:
        held = synthetic(n, rng)
        asked = [(held.matrix[i] + rng.standard_normal(128).astype(np.float32) * 0.03) for i in rng.integers(0, n, queries)]
        nearest(held, asked[0], threshold=0.6, limit=3)  # warm
        times = []
        for q in asked:
            start = time.perf_counter()
            nearest(held, q, threshold=0.6, limit=3)
            times.append(time.perf_counter() - start)
        base = []
        for q in asked:
            start = time.perf_counter()
            d = np.linalg.norm(held.matrix - q, axis=1)
            np.argsort(d)[:3]
            base.append(time.perf_counter() - start)
        tracemalloc.start()
        nearest(held, asked[0], threshold=0.6, limit=3)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lines.append(f"| {n:,} | {held.matrix.nbytes / 2**20:.1f} MB | {ms(statistics.median(times))} | {ms(p95)} | "
                     f"{ms(statistics.median(base))} | {peak / 2**20:.2f} MB | {rss:.0f} MB |")
    return lines


def loading(faces: int) -> list[str]:
    """Fill a SQLite database with ``faces`` approved faces (one per photo, boxed), then time load_examples."""
    from sqlalchemy import insert

    from config import TestConfig
    from photoid import create_app
    from photoid.authorities.models import AuthorityRecord
    from photoid.contributions.models import Identification
    from photoid.contributions.workflow import IdentificationState
    from photoid.extensions import db
    from photoid.faces import matching
    from photoid.faces.models import Face
    from photoid.photos.models import Collection, Institution, Photo

    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(prefix="photoid-bench-faces-") as folder:
        app = create_app(TestConfig(tmp_path=Path(folder)))
        with app.app_context():
            db.create_all()
            conn = db.session.connection()
            conn.execute(insert(Institution), [{"id": 1, "slug": "bench", "name": "Bench", "faces_detection_enabled": True,
                                                "faces_matching_enabled": True}])
            conn.execute(insert(Collection), [{"id": 1, "institution_id": 1, "slug": "bench", "title": "Bench"}])
            people = max(1, faces // 3)
            conn.execute(insert(AuthorityRecord), [{"id": i + 1, "kind": "person", "heading": f"Person {i}",
                                                    "heading_folded": f"person {i}"} for i in range(people)])
            conn.execute(insert(Photo), [{"id": i + 1, "collection_id": 1, "institution_id": 1, "identifier": f"B-{i}",
                                          "title": f"Photo {i}", "source_checksum": f"{i:064x}", "source_size": 1,
                                          "source_format": "JPEG", "width": 1600, "height": 1200} for i in range(faces)])
            conn.execute(insert(Face), [{"photo_id": i + 1, "x": 0.4, "y": 0.2, "w": 0.2, "h": 0.25, "confidence": 1.0,
                                         "encoding": (rng.standard_normal(128) * 0.05).astype("<f4").tobytes()}
                                        for i in range(faces)])
            from photoid.db import utcnow

            now = utcnow()
            from photoid.accounts.service import create_user

            reviewer = create_user(email="archivist@bench.example", display_name="Bench Archivist",
                                   password="bench-password-1", role="archivist", institution_slugs=["bench"])
            conn = db.session.connection()
            reviewed = {"contributor_id": None, "reviewer_id": reviewer.id}
            conn.execute(insert(Identification), [{"photo_id": i + 1, "kind": "person", "authority_id": i % people + 1,
                                                   "state": IdentificationState.APPROVED, "region_x": 0.38, "region_y": 0.18, "region_w": 0.24,
                                                   "region_h": 0.3, "reviewed_at": now, **reviewed}
                                                  for i in range(faces)])
            db.session.commit()
            seconds, held = timed(lambda: matching.load_examples(), 1)
            db.session.remove()
            db.engine.dispose()
    return [f"Reading {len(held):,} approved faces from SQLite (``matching.load_examples``, once per process and "  # type: ignore[arg-type]
            f"after each change to faces or identifications): {ms(seconds)}."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="approved faces to match against (default 10000,100000)")
    parser.add_argument("--queries", type=int, default=200, help="faces matched at each size (default 200)")
    parser.add_argument("--runs", type=int, default=3, help="timed detections of each photo (default 3)")
    parser.add_argument("--db-faces", type=int, default=10_000, help="approved faces read from SQLite (default 10,000)")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average at start {os.getloadavg()[0]:.2f}. Command: `{COMMAND}`.", "",
        "### Detection (dlib HOG detector, five-point alignment and encoding; median of "
        f"{args.runs})", "",
        *detection(args.runs), "",
        f"### Matching ({args.queries} faces at each size, three candidates each)", "",
        *matching(sizes, args.queries), "",
        *loading(args.db_faces), "",
        f"Load average at the end: {os.getloadavg()[0]:.2f}.",
    ]
    body = "\n".join(lines)
    print(body)
    if not args.no_doc:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
