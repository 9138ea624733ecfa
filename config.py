"""photoid configuration, read from the environment with safe defaults.

Every setting has a ``PHOTOID_`` environment variable; nothing secret lives in the code.
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent


def default_instance_dir() -> Path:
    """Where data lives unless PHOTOID_INSTANCE_DIR says otherwise: ``instance/`` in a source checkout
    (next to pyproject.toml, so ``make run`` keeps its data), and for an installed package
    ``$XDG_DATA_HOME/photoid`` (``~/.local/share/photoid``): never inside site-packages, which the next
    ``pip install`` replaces, and not the current directory, which would make ``photoid db upgrade``
    run from another folder find another database."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "instance"
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "photoid"


def default_upload_dir(instance_dir: Path) -> Path:
    """``uploads/`` in the instance folder; a checkout whose photos are still in its top-level
    ``uploads/`` (where they went before PHOTOID_INSTANCE_DIR existed) keeps using that folder."""
    legacy = PROJECT_ROOT / "uploads"
    if (PROJECT_ROOT / "pyproject.toml").is_file() and legacy.is_dir() and not (instance_dir / "uploads").exists():
        if any(entry.name != ".gitkeep" for entry in legacy.iterdir()):
            return legacy
    return instance_dir / "uploads"


def database_url(raw: str) -> str:
    """Normalise a database URL: plain ``postgresql://`` means psycopg 3, which we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def engine_options(url: str) -> dict[str, object]:
    """SQLAlchemy's engine options for a database URL. A pooled connection to a server may have been
    dropped (a restart, a firewall), so it is tested before use; an SQLite file's cannot be, and the
    test would be one more statement on every request."""
    return {"pool_pre_ping": not url.startswith("sqlite")}


def secret_key(instance_dir: Path) -> str:
    """The session signing key: PHOTOID_SECRET_KEY, or one generated once into instance/."""
    from_env = os.environ.get("PHOTOID_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_dir / "secret_key"
    if not key_file.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting at once cannot write different keys.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


#: The IIIF metadata labels read into each field of an imported photo (compared without case).
DEFAULT_IMPORT_LABELS = {
    "identifier": ["Identifier", "Local identifier", "Call number", "Item number"],
    "date": ["Date", "Date created", "Date of creation", "Created", "Date original"],
    "creator": ["Creator", "Photographer", "Author", "Artist", "Maker"],
    "subjects": ["Subject", "Subjects", "Topic", "Topics", "Keywords", "Subject (LCSH)", "Subject (TGM)"],
    "places": ["Place", "Places", "Location", "Coverage", "Spatial coverage", "Coverage-Spatial",
               "Geographic subject", "Geographic location"],
    "description": ["Description", "Abstract", "Summary"],
    "rights": ["Rights", "Rights statement", "Standardized rights", "License"],
}


def import_labels(raw: str) -> dict[str, list[str]]:
    """:data:`DEFAULT_IMPORT_LABELS` with the fields named in ``raw`` (``field=Label|Label;…``) replaced."""
    labels = {name: list(values) for name, values in DEFAULT_IMPORT_LABELS.items()}
    for part in raw.split(";"):
        name, _, values = part.partition("=")
        name = name.strip().lower()
        if not name:
            continue
        if name not in labels:
            raise ValueError(f"PHOTOID_IMPORT_LABELS names {name!r}; the fields are {', '.join(labels)}")
        labels[name] = [value.strip() for value in values.split("|") if value.strip()]
    return labels


class Config:
    """Production-shaped defaults; the environment overrides each one."""

    def __init__(self, instance_dir: Path | None = None) -> None:
        env = os.environ
        #: Uploads, the search index, the secret key and the SQLite database live here by default.
        self.INSTANCE_DIR = instance_dir or Path(env.get("PHOTOID_INSTANCE_DIR") or default_instance_dir()).absolute()
        self.SQLALCHEMY_DATABASE_URI = database_url(
            env.get("PHOTOID_DATABASE_URL", f"sqlite:///{self.INSTANCE_DIR / 'photoid.sqlite3'}")
        )
        self.UPLOAD_DIR = Path(env.get("PHOTOID_UPLOAD_DIR") or default_upload_dir(self.INSTANCE_DIR))
        self.INDEX_DIR = Path(env.get("PHOTOID_INDEX_DIR", self.INSTANCE_DIR / "index"))
        #: The search back end: ``whoosh`` (the default: an index folder, for one server) or ``postgres``
        #: (indexed in the PostgreSQL database itself, in the changing transaction: for many servers).
        self.SEARCH = env.get("PHOTOID_SEARCH", "whoosh").strip().lower()
        if self.SEARCH not in ("whoosh", "postgres"):
            raise ValueError(f"PHOTOID_SEARCH must be whoosh or postgres, not {self.SEARCH!r}")
        #: Where photos' files are kept: ``s3://bucket/prefix`` for an S3 bucket (then UPLOAD_DIR holds only
        #: staging folders), unset for the local folder UPLOAD_DIR; see photoid/photos/storage.py.
        self.STORAGE_URL = env.get("PHOTOID_STORAGE_URL") or None
        if self.STORAGE_URL and not re.match(r"^s3://[^/]+", self.STORAGE_URL):
            raise ValueError(f"PHOTOID_STORAGE_URL must look like s3://bucket/prefix, not {self.STORAGE_URL!r}")
        #: The S3 API's address for a store other than AWS (MinIO, Ceph): ``https://s3.example.org``.
        self.S3_ENDPOINT_URL = env.get("PHOTOID_S3_ENDPOINT_URL") or None
        #: The public address of the stored files (a bucket's website or a CDN: key K is at MEDIA_URL/K);
        #: public photos' images and IIIF tiles are then fetched from there instead of through photoid.
        self.MEDIA_URL = (env.get("PHOTOID_MEDIA_URL") or "").rstrip("/") or None
        self.REDIS_URL = env.get("PHOTOID_REDIS_URL") or None
        #: Where after-commit jobs (mail, search index updates) run: ``inline`` in the process that committed
        #: (the default), or ``redis``: on an RQ queue in PHOTOID_REDIS_URL for ``photoid worker`` (photoid/jobs.py).
        #: Its own switch, so a site that shares rate limits through Redis does not start needing a worker.
        self.JOBS = env.get("PHOTOID_JOBS", "inline").strip().lower()
        if self.JOBS not in ("inline", "redis"):
            raise ValueError(f"PHOTOID_JOBS must be inline or redis, not {self.JOBS!r}")
        if self.JOBS == "redis" and not self.REDIS_URL:
            raise ValueError("PHOTOID_JOBS=redis needs PHOTOID_REDIS_URL")
        #: The RQ queue's name (two sites on one Redis need two names), and the seconds between a failed job's
        #: tries: one try more than there are delays, then it is kept in the failed list at /admin/jobs.
        self.JOBS_QUEUE = env.get("PHOTOID_JOBS_QUEUE", "photoid")
        self.JOB_RETRY_DELAYS = [int(s) for s in env.get("PHOTOID_JOB_RETRY_DELAYS", "30,300,1800").split(",") if s.strip()]
        self.SECRET_KEY = secret_key(self.INSTANCE_DIR)
        self.SITE_NAME = env.get("PHOTOID_SITE_NAME", "photoid")
        #: A map tile server's URL template; places link to a map only when one is set.
        self.MAP_TILES = env.get("PHOTOID_MAP_TILES") or None
        #: The site's public address. Exports made from the shell always use it; when PHOTOID_SITE_URL is
        #: set (present and not empty in the environment), every absolute link a page, feed, export or
        #: email holds uses it too instead of the request's Host header (photoid/links.py).
        self.SITE_URL = (env.get("PHOTOID_SITE_URL") or "http://localhost:5000").rstrip("/")
        self.USE_SITE_URL = bool(env.get("PHOTOID_SITE_URL"))
        #: Host names (comma-separated) this site answers to; any other Host header gets a 400 (Flask's TRUSTED_HOSTS).
        self.TRUSTED_HOSTS = [h.strip() for h in env.get("PHOTOID_TRUSTED_HOSTS", "").split(",") if h.strip()] or None
        #: Reverse-proxy hops in front of the site whose X-Forwarded-For/-Proto/-Host/-Port are believed
        #: (Werkzeug's ProxyFix); 0 (the default) believes none, so nobody can claim an address of their choosing.
        self.PROXIES = int(env.get("PHOTOID_PROXIES", 0))
        #: Who harvesters write to; OAI-PMH Identify shows it.
        self.ADMIN_EMAIL = env.get("PHOTOID_ADMIN_EMAIL", "admin@example.org")
        #: The middle part of OAI identifiers (``oai:ID:photo/7``); the request's host name when unset.
        self.OAI_REPOSITORY_ID = env.get("PHOTOID_OAI_REPOSITORY_ID") or None
        #: The library's MARC organization code (Library of Congress's MARC Code List for Organizations),
        #: written in MARC 003 and 040; the institution's web address name when unset.
        self.MARC_ORG_CODE = env.get("PHOTOID_MARC_ORG_CODE") or None
        #: Records per OAI-PMH list page, and how long a resumption token stays valid.
        self.OAI_PAGE_SIZE = int(env.get("PHOTOID_OAI_PAGE_SIZE", 100))
        self.OAI_TOKEN_LIFETIME = int(env.get("PHOTOID_OAI_TOKEN_LIFETIME", 24 * 3600))
        secure = env.get("PHOTOID_SECURE_COOKIES", "0") == "1"
        self.SESSION_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_SECURE = secure
        self.SESSION_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        #: Flask-Login's own name for it; kept pages are never served to a visitor who sends it (page_cache.py).
        self.REMEMBER_COOKIE_NAME = "remember_token"
        self.MAX_CONTENT_LENGTH = int(env.get("PHOTOID_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))
        #: The largest single image file accepted, from the upload form or the importer.
        self.MAX_IMAGE_BYTES = int(env.get("PHOTOID_MAX_IMAGE_BYTES", 150 * 1024 * 1024))
        #: Importing from IIIF manifests (``photoid import-iiif``): seconds between two requests to the
        #: other site, and how long one may take to answer.
        self.IMPORT_DELAY = float(env.get("PHOTOID_IMPORT_DELAY", 1))
        self.IMPORT_TIMEOUT = float(env.get("PHOTOID_IMPORT_TIMEOUT", 30))
        #: Fetch from loopback, private and link-local addresses too (off: only the public internet).
        self.IMPORT_ALLOW_PRIVATE = env.get("PHOTOID_IMPORT_ALLOW_PRIVATE", "0") == "1"
        #: Which IIIF metadata labels fill which field; PHOTOID_IMPORT_LABELS replaces the labels of the
        #: fields it names: ``places=Location|Town;subjects=Topic``.
        self.IMPORT_LABELS = import_labels(env.get("PHOTOID_IMPORT_LABELS", ""))
        self.RATELIMIT_ENABLED = env.get("PHOTOID_RATELIMIT", "1") == "1"
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        #: Starts every key of the limits, sign-in lockouts and registration stamps, so two sites can share one Redis.
        #: Empty by default: Flask-Limiter keeps the first app's non-empty prefix for every later app in the process.
        self.RATELIMIT_KEY_PREFIX = env.get("PHOTOID_RATELIMIT_KEY_PREFIX", "")
        #: Contributions from one address, whatever the account (see contributions/routes.py).
        self.CONTRIBUTION_ADDRESS_LIMIT = env.get("PHOTOID_CONTRIBUTION_ADDRESS_LIMIT", "300 per hour")
        self.RATELIMIT_HEADERS_ENABLED = True
        #: Searches from one address (each runs over the whole index; see search/routes.py).
        self.SEARCH_LIMIT = env.get("PHOTOID_SEARCH_LIMIT", "30 per minute;600 per hour")
        #: Registration forms sent back sooner than this after being shown are refused (bots fill forms
        #: instantly). Defaults to 3, or 0 where rate limits are switched off (development servers).
        self.REGISTER_MIN_SECONDS = float(env.get("PHOTOID_REGISTER_MIN_SECONDS", 3 if self.RATELIMIT_ENABLED else 0))
        #: Failed sign-ins for one email within the window that pause it, and the first and longest pause.
        self.LOGIN_LOCKOUT_FAILURES = int(env.get("PHOTOID_LOGIN_LOCKOUT_FAILURES", 10))
        self.LOGIN_FAILURE_WINDOW = 900
        self.LOGIN_LOCKOUT_SECONDS = 300
        self.LOGIN_LOCKOUT_MAX_SECONDS = 3600
        #: Days technical data kept only for abuse handling (addresses, user agents) may live; ``photoid purge`` removes older.
        self.RETENTION_DAYS = int(env.get("PHOTOID_RETENTION_DAYS", 30))
        #: Days a worker's export file (PHOTOID_JOBS=redis) stays downloadable; ``photoid purge`` removes older.
        self.EXPORT_FILE_DAYS = int(env.get("PHOTOID_EXPORT_FILE_DAYS", 7))
        if self.EXPORT_FILE_DAYS < 1:
            raise ValueError(f"PHOTOID_EXPORT_FILE_DAYS must be at least 1 (day), not {self.EXPORT_FILE_DAYS}")
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        #: How long a write waits for SQLite's write lock before the visitor gets "The site is busy,
        #: please send again" (a 503 that keeps what they typed). SQLite only.
        self.SQLITE_BUSY_TIMEOUT_MS = int(env.get("PHOTOID_SQLITE_BUSY_TIMEOUT_MS", 10000))
        #: Public pages kept per worker for visitors who are not signed in (0: off), and for at most
        #: this many seconds; any committed change to the data also ends them (photoid/page_cache.py).
        self.PAGE_CACHE_ENTRIES = int(env.get("PHOTOID_PAGE_CACHE_ENTRIES", 1000))
        self.PAGE_CACHE_SECONDS = float(env.get("PHOTOID_PAGE_CACHE_SECONDS", 60))
        #: Photos per page of lists and search results; suggestions per page of the moderation queue;
        #: contributors per page of /contributors.
        self.PER_PAGE = 24
        self.MODERATION_PER_PAGE = 25
        self.PROFILES_PER_PAGE = 50
        #: Seconds the impact dashboard keeps its figures per scope and date range (0: counted on every request).
        self.IMPACT_CACHE_SECONDS = 300
        #: Outgoing mail (notifications); without a host, messages go to the ``photoid.mail`` log.
        self.SMTP_HOST = env.get("PHOTOID_SMTP_HOST") or None
        self.SMTP_PORT = int(env.get("PHOTOID_SMTP_PORT", 587))
        self.SMTP_USER = env.get("PHOTOID_SMTP_USER") or None
        self.SMTP_PASSWORD = env.get("PHOTOID_SMTP_PASSWORD") or None
        self.SMTP_FROM = env.get("PHOTOID_SMTP_FROM", "photoid@localhost")
        self.SMTP_STARTTLS = env.get("PHOTOID_SMTP_STARTTLS", "1") == "1"
        #: photoid's own log lines (standard error): their least level, and ``text`` or ``json`` (one
        #: object a line). See photoid/observability.py.
        self.LOG_LEVEL = env.get("PHOTOID_LOG_LEVEL", "INFO").strip().upper()
        if self.LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"PHOTOID_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {self.LOG_LEVEL!r}")
        self.LOG_FORMAT = env.get("PHOTOID_LOG_FORMAT", "text").strip().lower()
        if self.LOG_FORMAT not in ("text", "json"):
            raise ValueError(f"PHOTOID_LOG_FORMAT must be text or json, not {self.LOG_FORMAT!r}")
        #: Prometheus metrics at /metrics (photoid/metrics.py); off, it is a 404.
        self.METRICS = env.get("PHOTOID_METRICS", "0") == "1"
        #: A callable ``sender(to, subject, body)`` replacing SMTP and the log (tests set it).
        self.MAIL_SENDER = None
        #: Days an emailed staff invitation link stays valid (photoid/admin/invitations.py).
        self.INVITATION_DAYS = int(env.get("PHOTOID_INVITATION_DAYS", 7))
        #: Seconds an emailed password reset link works (photoid/accounts/tokens.py).
        self.RESET_TOKEN_SECONDS = int(env.get("PHOTOID_RESET_TOKEN_SECONDS", 3600))
        #: Days a new account has to confirm its email before ``photoid purge`` removes it with what it sent.
        self.UNVERIFIED_DAYS = int(env.get("PHOTOID_UNVERIFIED_DAYS", 7))
        #: Face matching (photoid/faces): the largest Euclidean distance between two faces' encodings that
        #: is offered as "possibly the same person". 0.6 is dlib's own threshold for its model; a person decides.
        self.FACES_MATCH_THRESHOLD = float(env.get("PHOTOID_FACES_MATCH_THRESHOLD", 0.6))
        #: Times the display image is doubled before faces are looked for: 0 misses faces under about 80 px,
        #: 1 finds them down to about 40 px (group photos) at about twice the time; docs/performance.md, "Faces".
        self.FACES_UPSAMPLE = int(env.get("PHOTOID_FACES_UPSAMPLE", 1))
        if not 0 <= self.FACES_UPSAMPLE <= 2:
            raise ValueError(f"PHOTOID_FACES_UPSAMPLE must be 0, 1 or 2, not {self.FACES_UPSAMPLE}")


class TestConfig(Config):
    """Isolated settings for the test suite: a database and folders of its own."""

    __test__ = False  # not a pytest test class
    TESTING = True

    def __init__(self, *, tmp_path: Path, database_url_: str | None = None) -> None:
        super().__init__(instance_dir=tmp_path / "instance")
        self.UPLOAD_DIR = tmp_path / "uploads"
        self.INDEX_DIR = tmp_path / "index"
        self.SEARCH = "whoosh"  # whatever the shell says; tests/integration/test_search_backends.py switches
        self.SQLALCHEMY_DATABASE_URI = database_url(
            database_url_ or f"sqlite:///{tmp_path / 'test.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.RATELIMIT_ENABLED = False
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.SERVER_NAME = None
        self.USE_SITE_URL, self.TRUSTED_HOSTS, self.PROXIES = False, None, 0  # whatever the shell says
        self.SMTP_HOST = None  # tests never talk to a real mail server
        self.METRICS = False  # the tests of /metrics switch it on
        self.REGISTER_MIN_SECONDS = 0  # tests that check the fill time set it
        self.STORAGE_URL = self.S3_ENDPOINT_URL = self.MEDIA_URL = None  # the local folder, whatever the shell says
        self.IMPORT_DELAY = 0
        self.IMPORT_ALLOW_PRIVATE = True  # the tests' IIIF servers listen on 127.0.0.1
        self.JOBS = "inline"  # jobs run in the test's process; tests/integration/test_jobs.py switches to redis
