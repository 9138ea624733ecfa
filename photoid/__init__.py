"""photoid: community identification of historical photos for libraries and archives."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter, Map

from photoid.db import reading_snapshot
from photoid.extensions import csrf, db, limiter, login_manager, migrate
from photoid.links import SiteUrlFlask, refuse_untrusted_hosts


def _migrations_dir() -> Path:
    """The Alembic scripts: ``photoid/migrations`` inside an installed wheel (setup.py maps the
    top-level ``migrations/`` folder there), or that folder itself in a checkout or editable install."""
    packaged = Path(str(resources.files("photoid") / "migrations"))
    if (packaged / "env.py").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "migrations"


MIGRATIONS_DIR = _migrations_dir()


class RecordId(IntegerConverter):
    """``<int:...>`` in every route: ids fit a 64-bit column, so a longer number is a 404
    instead of an overflow inside the database driver."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: Any = None) -> Flask:
    """Build the app. ``config`` is a config object (tests pass a TestConfig); default: the environment."""
    from config import Config

    app = SiteUrlFlask(__name__, instance_relative_config=False)
    app.url_map.converters["int"] = RecordId
    app.config.from_object(config or Config())
    app.config["UPLOAD_DIR"].mkdir(parents=True, exist_ok=True)
    app.config["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)
    from photoid import observability

    observability.configure_logging(app)  # photoid's loggers, whoever runs the app (gunicorn configures none)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        _configure_sqlite(db.engine, busy_timeout_ms=int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))

    from photoid import events, models  # noqa: F401  (models: every table registered before anything queries)

    events.init_app(app)
    from photoid.accounts.profiles import bp as profiles_bp
    from photoid.accounts.routes import bp as accounts_bp
    from photoid.admin.routes import bp as admin_bp
    from photoid.authorities.routes import bp as authorities_bp
    from photoid.campaigns.routes import bp as campaigns_bp
    from photoid.catalog.oai_routes import bp as oai_bp
    from photoid.catalog.routes import bp as catalog_bp
    from photoid.backup import keep_new_sqlite_file_private
    from photoid.cli import register_commands
    from photoid.contributions.api import bp as annotations_api_bp
    from photoid.contributions.help import bp as help_bp
    from photoid.contributions.routes import bp as contributions_bp
    from photoid.faces.routes import bp as faces_bp
    from photoid.errors import register_error_handlers
    from photoid.feeds.routes import bp as feeds_bp
    from photoid.health import bp as health_bp
    from photoid.impact.routes import bp as impact_bp
    from photoid.moderation.report_routes import bp as reports_bp
    from photoid.moderation.routes import bp as moderation_bp
    from photoid.notifications.routes import bp as notifications_bp
    from photoid.photos.browse import bp as browse_bp
    from photoid.photos.curation_routes import bp as curation_bp
    from photoid.photos.iiif import bp as iiif_bp
    from photoid.photos.routes import bp as photos_bp
    from photoid.sharing.routes import bp as sharing_bp
    from photoid.cors import register_cors
    from photoid.security import CookieSessions, refuse_nul_characters, register_security_headers
    from photoid.templating import register_template_helpers

    app.register_blueprint(accounts_bp)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(photos_bp)
    app.register_blueprint(curation_bp)
    app.register_blueprint(iiif_bp)
    app.register_blueprint(contributions_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(annotations_api_bp)
    app.register_blueprint(help_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(oai_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(authorities_bp)
    app.register_blueprint(faces_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(admin_bp)
    from photoid.admin.invitation_routes import bp as invitations_bp
    from photoid.photos.institutions import bp as institutions_bp

    app.register_blueprint(invitations_bp)
    app.register_blueprint(institutions_bp)
    from photoid.search import init_app as init_search

    init_search(app)
    app.register_blueprint(browse_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(sharing_bp)
    app.register_blueprint(impact_bp)
    app.register_blueprint(health_bp)
    from photoid.metrics import bp as metrics_bp

    app.register_blueprint(metrics_bp)
    register_error_handlers(app)
    refuse_untrusted_hosts(app)
    register_security_headers(app)
    app.session_interface = CookieSessions()
    register_cors(app)
    refuse_nul_characters(app)
    keep_new_sqlite_file_private(app)
    register_template_helpers(app)
    register_commands(app)
    from photoid import page_cache

    with app.app_context():
        page_cache.init_app(app)  # it answers kept pages in front of the finished app
        observability.init_app(app)  # the request id, access line and metrics cover kept pages too
    _trust_proxies(app)  # outermost: kept pages, limits and links all see the visitor's address, scheme and host
    return app


def _trust_proxies(app: Flask) -> None:
    """Believe the X-Forwarded-For/-Proto/-Host/-Port headers of ``PROXIES`` reverse-proxy hops
    (PHOTOID_PROXIES; 0 believes none). Behind nginx every request comes from nginx's address: without
    this, every visitor would share one rate limit. Each proxy appends the address it saw, so only the
    last ``PROXIES`` entries are believed and a visitor's own X-Forwarded-For is never taken at its word."""
    hops = int(app.config["PROXIES"] or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int = 10000) -> None:
    """WAL so readers never block the writer, a busy timeout so writers wait instead of failing,
    foreign keys enforced (SQLite leaves them off by default), and immediate write transactions.

    pysqlite opens a transaction only before the first INSERT/UPDATE/DELETE, so a request that reads
    and then writes does its reads outside it: two patrons' forms can both read the same row and
    the later commit silently overwrites the earlier (a lost update). So a request that may write
    (any method but GET, HEAD, OPTIONS) starts with ``BEGIN IMMEDIATE``: it takes the write lock up
    front, waiting up to the busy timeout, and reads and writes in one serialised transaction. (A
    plain deferred BEGIN would not do: a reader that later writes fails at once with "database is
    locked" when another writer committed meanwhile.) Page views, the command line and scripts keep
    pysqlite's own handling, so readers never hold the lock. Keep slow work (password hashing) out
    of a write request's transaction: image processing runs before it (``end_read_transaction``), and
    a download reads from a ``read_snapshot``, a plain ``BEGIN`` that never blocks writers (photoid/db.py).
    When the lock is still taken after ``busy_timeout_ms`` (the ``SQLITE_BUSY_TIMEOUT_MS`` setting), the
    query fails with "database is locked", which photoid/errors.py answers with a 503 and the form again.
    See SQLAlchemy's pysqlite "serializable isolation" recipe."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        if reading_snapshot():
            dbapi_connection.isolation_level = None
            connection.exec_driver_sql("BEGIN")  # deferred: a reader's snapshot from its first read
        elif _may_write():
            dbapi_connection.isolation_level = None  # pysqlite must not BEGIN again on its own
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            dbapi_connection.isolation_level = ""  # pysqlite's default: BEGIN before the first write


def _may_write() -> bool:
    """Whether this transaction belongs to a request whose method may change something."""
    from flask import has_request_context, request

    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
