"""``GET /healthz`` for load balancers: 200 and a small JSON body while the database and the search
index answer, 503 when either cannot; never rate limited, never a kept page."""
from __future__ import annotations

import os

from flask import Flask
from flask_limiter.constants import ExemptionScope

from photoid import page_cache
from photoid.extensions import limiter

from photoid.search import queue
from tests.conftest import make_test_app


def test_a_healthy_site_says_so(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    queue.reindex(app, procs=1)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "search": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_new_site_without_a_search_index_is_still_healthy(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["search"] == "not built"


def test_a_search_index_that_cannot_be_opened_is_a_503(app: Flask, client, caplog) -> None:  # type: ignore[no-untyped-def]
    index_dir = app.config["INDEX_DIR"]
    index_dir.mkdir(parents=True, exist_ok=True)
    os.symlink(index_dir / "build-that-was-deleted", index_dir / "current")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json == {"status": "unavailable", "database": "ok", "search": "unreachable"}
    assert any("search index unreachable" in r.getMessage() for r in caplog.records)


def test_a_database_that_refuses_to_connect_is_a_503(tmp_path) -> None:  # type: ignore[no-untyped-def]
    unreachable = make_test_app(tmp_path, "postgresql://postgres@127.0.0.1:1/photoid_nowhere")
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json["status"] == "unavailable" and response.json["database"] == "unreachable"


def test_load_balancers_are_never_rate_limited_nor_served_a_kept_page(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    # Exempt from every limit, the site's own and any a deployment adds (RATELIMIT_DEFAULT, RATELIMIT_APPLICATION).
    exemption = limiter.limit_manager.exemption_scope(app, "health.healthz", "health")
    assert exemption & ExemptionScope.APPLICATION and exemption & ExemptionScope.DEFAULT and exemption & ExemptionScope.META
    answers = [client.get("/healthz") for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 3
    assert not any("X-Page-Cache" in a.headers for a in answers)
    assert "health.healthz" not in page_cache.CACHED_ENDPOINTS
