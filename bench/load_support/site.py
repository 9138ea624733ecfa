"""The throwaway site the load test runs against: its settings, its data and the served app."""
from __future__ import annotations

import io
import os
import random
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PASSWORD = "load-test-password"
WORDS = ("harbour", "parade", "tram", "school", "mill", "bridge", "church", "market", "station", "farm")


def site_env(folder: Path, database_url: str, *, redis_url: str = "") -> dict[str, str]:
    """The environment both this process and gunicorn read their Config from.

    Rate limits are switched off (PHOTOID_RATELIMIT=0): every simulated user comes from 127.0.0.1,
    so the per-address limits (sign-in: 10 a minute) would refuse them after the first few."""
    return {
        "PHOTOID_DATABASE_URL": database_url,
        "PHOTOID_INSTANCE_DIR": str(folder / "instance"),
        "PHOTOID_UPLOAD_DIR": str(folder / "uploads"),
        "PHOTOID_INDEX_DIR": str(folder / "index"),
        "PHOTOID_SECRET_KEY": secrets.token_hex(16),
        "PHOTOID_RATELIMIT": "0",
        "PHOTOID_REDIS_URL": "",
        "PHOTOID_LOAD_REDIS_URL": redis_url,
        "PHOTOID_SITE_URL": "http://127.0.0.1",
    }


def make_app(env: dict[str, str]) -> Any:
    os.environ.update(env)
    from photoid import create_app

    return create_app()


def _jpeg(n: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (96, 64), (n % 251, (n * 7) % 253, (n * 13) % 255))
    ImageDraw.Draw(image).text((4, 4), str(n), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def seed(app: Any, *, photos: int, patrons: int, archivists: int) -> dict[str, Any]:
    """Create the schema and fill it through the real services: photos through the ingest
    pipeline (small images), accounts through the account service; then build the search index."""
    from photoid.accounts import service
    from photoid.extensions import db
    from photoid.photos.models import Collection, Institution
    from photoid.photos.service import add_photo
    from photoid.search import queue

    with app.app_context():
        db.create_all()
        institution = Institution(slug="loadlib", name="Load Test Library")
        collection = Collection(institution=institution, slug="load", title="Load test photos", is_published=True)
        db.session.add_all([institution, collection])
        db.session.commit()
        photo_ids = []
        for n in range(photos):
            word = WORDS[n % len(WORDS)]
            photo = add_photo(collection=collection, image_data=_jpeg(n), identifier=f"LT-{n:05d}",
                              title=f"The {word} in {1900 + n % 80}", description=f"A {word} seen from the street.")
            photo_ids.append(photo.id)
        users: dict[str, list[str]] = {"patron": [], "archivist": []}
        # Every account has the same password: hash it once (scrypt costs up to a second here).
        real_hash, one_hash = service.hash_password, service.hash_password(PASSWORD)
        service.hash_password = lambda _password: one_hash  # type: ignore[assignment]
        try:
            for role, count in (("patron", patrons), ("archivist", archivists)):
                for n in range(count):
                    email = f"{role}{n}@load.example.org"
                    service.create_user(email=email, display_name=f"Load {role} {n}", password=PASSWORD, role=role,
                                        institution_slugs=("loadlib",) if role == "archivist" else ())
                    users[role].append(email)
        finally:
            service.hash_password = real_hash  # type: ignore[assignment]
        if app.config["SEARCH"] == "postgres":  # --nodes: indexed in the database, nothing on any server's disk
            from photoid.search import pg_index

            pg_index.reindex(app)
        else:
            queue.reindex(app, procs=1)
        db.session.remove()
    return {"photo_ids": photo_ids, "users": users}


def bare_app(database_url: str) -> Any:
    """The baseline: a bare Flask app (no photoid hooks, templates or session) whose one page
    runs the photo page's core query, the photo with its approved identifications, and
    renders it with a small inline template."""
    from flask import Flask, abort
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from config import database_url as normalise
    from photoid.contributions.models import Identification
    from photoid.photos.models import Photo

    app = Flask("bare")
    engine = create_engine(normalise(database_url))
    # Compiled once, as Flask does for a template file (render_template_string compiles on every call).
    template = app.jinja_env.from_string(
        "<!doctype html><title>{{ p.title }}</title><h1>{{ p.title }}</h1><p>{{ p.description }}</p>"
        "<ul>{% for i in facts %}<li>{{ i.kind }}: {{ i.text_value }}</li>{% endfor %}</ul>"
    )

    @app.route("/photos/<int:photo_id>")
    def photo(photo_id: int) -> str:
        with Session(engine) as session:
            found = session.scalar(select(Photo).where(Photo.id == photo_id, Photo.is_published.is_(True)))
            if found is None:
                abort(404)
            facts = session.scalars(select(Identification).where(
                Identification.photo_id == photo_id, Identification.state == "approved")).all()
            return template.render(p=found, facts=facts)

    return app


def serving_app() -> Any:
    """photoid, with the baseline mounted at /bare, photoid without its page cache at /uncached and,
    when PHOTOID_LOAD_REDIS_URL names a Redis, photoid sharing its kept pages through it at /shared
    (``gunicorn 'load_support.site:serving_app()'``)."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from photoid import create_app

    from config import Config

    uncached = Config()
    uncached.PAGE_CACHE_ENTRIES = 0
    mounts = {"/bare": bare_app(os.environ["PHOTOID_DATABASE_URL"]), "/uncached": create_app(uncached)}
    if os.environ.get("PHOTOID_LOAD_REDIS_URL"):
        shared = Config()
        shared.REDIS_URL = os.environ["PHOTOID_LOAD_REDIS_URL"]  # the page cache only: rate limits stay off
        mounts["/shared"] = create_app(shared)
    return DispatcherMiddleware(create_app(), mounts)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], log: Path, *, workers: int,
                   tree: Path = ROOT) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn with ``workers`` sync workers on a free loopback port, serving the code of ``tree`` (a
    checkout of another version, say); returns it and its base URL."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--pythonpath", f"{tree / 'bench'},{tree}", "--log-level", "warning", "--backlog", "256",
               "load_support.site:serving_app()"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env={**os.environ, **env}, cwd=tree, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as response:
                if response.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within 30 s; see {log}")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run bench/load.py")
