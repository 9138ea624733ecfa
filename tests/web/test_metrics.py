"""Prometheus metrics at /metrics: off (a 404) unless PHOTOID_METRICS=1; requests, latency, the
moderation queue and the search lag when on. See photoid/metrics.py."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, insert

from photoid.extensions import db
from photoid.db import utcnow
from photoid.search.models import SearchQueueEntry
from tests.factories import make_comment, make_identification, make_photo


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for sample in family.samples}


def test_metrics_are_off_unless_switched_on(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/metrics")
    assert response.status_code == 404
    assert "photoid_requests_total" not in response.get_data(as_text=True)


def test_requests_are_counted_by_endpoint_and_status_with_their_latency(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    app.config["METRICS"] = True
    before = scrape(client)
    for path in ("/healthz", "/healthz", "/no-such-page"):
        client.get(path).close()
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("photoid_requests_total", endpoint="health.healthz", method="GET", status="200") == 2
    assert grew("photoid_requests_total", endpoint="(unmatched)", method="GET", status="404") == 1
    assert grew("photoid_request_duration_seconds_count", endpoint="health.healthz") == 2
    assert grew("photoid_request_duration_seconds_bucket", endpoint="health.healthz", le="+Inf") == 2


def test_a_kept_public_page_is_counted_under_its_endpoint(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    app.config["METRICS"] = True
    before = scrape(client)
    visitor = app.test_client()  # no cookie: the page is kept for the next such visitor
    visitor.get("/").close()
    kept = visitor.get("/")
    kept.close()
    assert kept.headers.get("X-Page-Cache") == "hit"
    key = ("photoid_requests_total", (("endpoint", "photos.home"), ("method", "GET"), ("status", "200")))
    assert scrape(client)[key] - before.get(key, 0.0) == 2


def test_the_moderation_queue_and_the_search_lag_are_read_from_the_database(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    app.config["METRICS"] = True
    photo = make_photo()
    make_identification(photo=photo, state="pending")
    make_identification(photo=photo, state="pending")
    make_identification(photo=photo, state="approved")
    make_comment(photo=photo, state="pending")
    db.session.commit()
    db.session.execute(delete(SearchQueueEntry))  # as if the index had caught up
    db.session.commit()
    assert scrape(client)[("photoid_search_queue_rows", ())] == 0
    db.session.execute(insert(SearchQueueEntry).values(photo_id=photo.id, enqueued_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()  # one change the index has not taken in for five minutes
    found = scrape(client)
    assert found[("photoid_moderation_queue_length", (("kind", "identification"),))] == 2
    assert found[("photoid_moderation_queue_length", (("kind", "comment"),))] == 1
    assert found[("photoid_moderation_queue_length", (("kind", "report"),))] == 0
    assert found[("photoid_search_queue_rows", ())] == 1
    assert 290 < found[("photoid_search_queue_oldest_seconds", ())] < 400

