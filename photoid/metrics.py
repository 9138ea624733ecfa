"""Prometheus metrics at ``GET /metrics``, off unless ``PHOTOID_METRICS=1`` (then a 404, as for any
unknown page). Never public: the sample nginx configuration (deploy/nginx.conf) refuses it, and a
Prometheus server scrapes the web server's own address (``127.0.0.1:8000``) instead.

Counted by ``photoid.observability.RequestLog`` for every request, kept public pages included:
``photoid_requests_total`` (endpoint, method, status) and ``photoid_request_duration_seconds``
(endpoint; until the last byte is sent). Read from the database when scraped: the moderation queue
(``photoid_moderation_queue_length``, by kind) and how far search lags behind the database
(``photoid_search_queue_rows``, ``photoid_search_queue_oldest_seconds``). photoid runs no background
job queue: the daily purge and impact refresh are commands run by a timer (docs/deploy.md).

Several gunicorn workers each count their own requests, so a scrape sees one worker's counts. With
``PROMETHEUS_MULTIPROC_DIR`` set to an empty folder before the server starts, prometheus-client keeps
the counts in files there and every scrape adds up all workers (its "multiprocess mode"; the
process and garbage-collector metrics are then left out).
"""
from __future__ import annotations

import os
from typing import Iterator

from flask import Blueprint, Response, abort, current_app
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from photoid.contributions.models import Comment, Identification
from photoid.contributions.workflow import PENDING_STATE, ReportState
from photoid.db import utcnow
from photoid.extensions import db, limiter
from photoid.moderation.models import Report
from photoid.search.models import SearchQueueEntry

bp = Blueprint("metrics", __name__)

#: An endpoint label for requests that matched no route (404s, bad methods): one value, not one per address.
UNMATCHED = "(unmatched)"
REQUESTS = Counter("photoid_requests", "Requests answered, by endpoint, method and status.", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "photoid_request_duration_seconds", "Time from the request to its last byte, by endpoint.", ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)


def observe(endpoint: str | None, method: str, status: str, seconds: float) -> None:
    """Count one finished request."""
    label = endpoint or UNMATCHED
    REQUESTS.labels(endpoint=label, method=method, status=status).inc()
    LATENCY.labels(endpoint=label).observe(seconds)


class DatabaseCollector:
    """Figures read from the database at each scrape (so every worker reports the same)."""

    def collect(self) -> Iterator[Metric]:
        queue = GaugeMetricFamily("photoid_moderation_queue_length", "Items waiting for a moderator, by kind.", labels=["kind"])
        for kind, model in (("identification", Identification), ("comment", Comment)):
            queue.add_metric([kind], db.session.scalar(select(func.count()).where(model.state == PENDING_STATE)) or 0)
        queue.add_metric(["report"], db.session.scalar(select(func.count()).where(Report.state == ReportState.OPEN)) or 0)
        yield queue
        rows, oldest = db.session.execute(select(func.count(), func.min(SearchQueueEntry.enqueued_at))).one()
        yield GaugeMetricFamily("photoid_search_queue_rows", "Changed photos whose search entry is not refreshed yet.", value=rows)
        waited = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("photoid_search_queue_oldest_seconds", "How long the oldest of them has waited.", value=max(waited, 0.0))


@bp.route("/metrics")
@limiter.exempt
def metrics() -> Response:
    if not current_app.config["METRICS"]:
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests_registry = CollectorRegistry()
        MultiProcessCollector(requests_registry)
    else:
        requests_registry = REGISTRY
    from_database = CollectorRegistry(auto_describe=False)
    from_database.register(DatabaseCollector())  # type: ignore[arg-type]
    body = generate_latest(requests_registry) + generate_latest(from_database)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
