"""Names vulture reports as unused that are used by name, with why (read by `make lint`).

vulture finds code nothing calls. Code that a framework calls by name looks the same to it, so
what follows is every such name, grouped by who uses it. Flask views and hooks, CLI commands,
SQLAlchemy listeners and pytest fixtures are skipped by their decorators instead
([tool.vulture] in pyproject.toml). Add a name here only with its reason; delete dead code instead.
This file is never imported: vulture only reads it, and any use of a name marks it used.
"""
# ruff: noqa
from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# --- Flask reads its settings by name from app.config (config.py, and benchmarks' own settings).
_.SECRET_KEY, _.SITE_NAME, _.MAP_TILES, _.SITE_URL, _.USE_SITE_URL, _.TRUSTED_HOSTS, _.PROXIES
_.OAI_REPOSITORY_ID, _.OAI_PAGE_SIZE, _.OAI_TOKEN_LIFETIME, _.MARC_ORG_CODE
_.SESSION_COOKIE_SECURE, _.REMEMBER_COOKIE_SECURE, _.SESSION_COOKIE_HTTPONLY, _.REMEMBER_COOKIE_HTTPONLY
_.SESSION_COOKIE_SAMESITE, _.REMEMBER_COOKIE_SAMESITE, _.MAX_IMAGE_BYTES
_.RATELIMIT_STORAGE_URI, _.RATELIMIT_KEY_PREFIX, _.RATELIMIT_HEADERS_ENABLED, _.CONTRIBUTION_ADDRESS_LIMIT
_.LOGIN_LOCKOUT_FAILURES, _.LOGIN_FAILURE_WINDOW, _.LOGIN_LOCKOUT_SECONDS, _.LOGIN_LOCKOUT_MAX_SECONDS
_.RETENTION_DAYS, _.SQLALCHEMY_ENGINE_OPTIONS, _.SQLITE_BUSY_TIMEOUT_MS, _.PAGE_CACHE_ENTRIES, _.PAGE_CACHE_SECONDS
_.SMTP_HOST, _.SMTP_PORT, _.SMTP_USER, _.SMTP_PASSWORD, _.SMTP_FROM, _.SMTP_STARTTLS
_.METRICS, _.MAIL_SENDER, _.INVITATION_DAYS, _.RESET_TOKEN_SECONDS, _.UNVERIFIED_DAYS
_.TESTING, _.SERVER_NAME
_.PER_PAGE, _.MODERATION_PER_PAGE, _.PROFILES_PER_PAGE, _.IMPACT_CACHE_SECONDS, _.REMEMBER_COOKIE_NAME
_.IMPORT_DELAY, _.IMPORT_TIMEOUT, _.IMPORT_ALLOW_PRIVATE, _.IMPORT_LABELS  # photos/iiif_import.py site_fetcher()
_.S3_ENDPOINT_URL, _.MEDIA_URL  # photos/storage.py current_storage()
_.JOBS_QUEUE, _.JOB_RETRY_DELAYS  # photoid/jobs.py _queue() and enqueue()

# --- Jinja templates read these attributes and properties (grep the templates for each).
_.failed_at, _.retrying  # admin/jobs.html, a failed job's time and the jobs waiting for another try
_.has_prev, _.has_next  # pagination links (photoid/templates/_pagination.html and others)
_.is_email_verified  # admin/user.html
_.is_identification  # moderation/report.html
_.possibly  # moderation/queue.html: the records a free-text name resembles
_.support  # moderation queue cards
_.total_note  # impact/_figures.html

# --- SQLAlchemy: columns and relationships are schema (migrations create them) and are read
# through the ORM by name; type decorators and bundles are called by SQLAlchemy.
_.source_size, _.supersedes, _.accepted_by, _.revoked_by, _.updated_by, _.photos_resolved_at
_.imported_at, _.requested_at  # photo_source, iiif_import (the import page shows requested_at)
_.impl, _.cache_ok, _.process_bind_param, _.process_result_value  # photoid/db.py UTCDateTime
_.create_row_processor  # contributions/help.py _HelpCard(Bundle)
_.isolation_level  # photoid/__init__.py sets pysqlite's attribute on the connection

# --- Alembic reads each revision's module attributes and calls env.py's callbacks by keyword.
_.revision, _.down_revision, _.branch_labels, _.depends_on, _.autogen_context

# --- Other libraries call these by name.
_.deliver, _.drain_job, _.process_job, _.write_job  # photoid/jobs.py JOBS names each job's function as "module:name"
_.get_id  # Flask-Login's UserMixin API (accounts/models.py)
_.login_view, _.login_message, _.login_message_category  # Flask-Login settings (extensions.py)
_.Meta  # Flask-WTF form options (csrf = False on GET filter forms)
_.widget, _.option_widget  # WTForms field rendering (admin/forms.py CheckboxListField)
_.last_modified, _.no_cache, _.immutable, _.max_content_length  # Werkzeug response/request properties set
_.get_timestamp  # itsdangerous TimestampSigner hook (catalog/oai_tokens.py, the clock tests move)
_.writable  # io.RawIOBase API (catalog/export.py streaming writer)
_.format_fragment, _.between  # Whoosh highlight.Formatter API (search/querying.py)
_.dfl  # Whoosh BM25FScorer's field-length function (search/whoosh_fast.py)
_.handle_starttag, _.handle_endtag, _.handle_data  # html.parser.HTMLParser API (tests)
_.handle_DATA  # aiosmtpd handler API (tests/mailbox.py)
_.log_message  # http.server handler API (browser tests silence their servers)
_.do_GET  # http.server handler API (tests/iiif_server.py)
_.redirect_request  # urllib.request handler API (bench/load_support/writer.py: redirects are answers, not followed)
_.test_client_class  # Flask's test client class (tests/conftest.py)
_.bytecode_cache, _.load_bytecode, _.dump_bytecode  # Jinja's bytecode cache API (tests/conftest.py SharedTemplateCode)
_._build_unknown  # set on a Werkzeug Rule as its own compile does (tests/conftest.py _share_compiled_rules)
_.template_class  # Jinja's environment API: the class it makes templates with (photoid/templating.py)
_.session_interface  # Flask reads the app's session interface (photoid/__init__.py: security.CookieSessions)

# --- pytest: hooks and module marks by name; fixtures asked for only for what they set up.
_.pytest_collection_modifyitems, _.pytest_collection_finish, _.pytestmark
_.small_bands  # tests/unit/test_images.py: shrinks the decoder's bands for the test
_.dated  # tests/web/test_browse_pages.py: photos with dates on the page
_.queue_setup  # tests/web/test_feeds.py: a search queue the feed reads

# --- Face assistance (photoid/faces): a setting read as app.config["FACES_MATCH_THRESHOLD"], the job's
# function named in photoid/jobs.py JOBS, and the times stored with face data (what was computed when).
_.FACES_MATCH_THRESHOLD, _.detect_job, _.detected_at, _.scanned_at
