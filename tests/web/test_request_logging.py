"""What a system administrator reads in the log: one access line per request with its request id,
JSON when asked, mail written to the log at the default level, one line (no traceback) per request
while the database is away. See photoid/observability.py."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from config import Config
from photoid import observability
from photoid.extensions import db
from tests.conftest import make_test_app
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_settings(app: Flask):  # type: ignore[no-untyped-def]
    """Change the app's log settings for one test; photoid's logger is set back afterwards."""

    def change(**settings: str) -> None:
        app.config.update(settings)
        observability.configure_logging(app)

    yield change
    app.config.update(LOG_LEVEL="INFO", LOG_FORMAT="text")
    observability.configure_logging(app)


def access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "photoid.access"]


def test_every_request_gets_one_access_line_and_its_id_back(app: Flask, client, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    with client.get("/", headers={"X-Request-ID": "lb-7f3a.2_x"}) as first:
        assert first.status_code == 200
    with client.get("/no-such-page") as second:
        assert second.status_code == 404
    assert first.headers["X-Request-ID"] == "lb-7f3a.2_x"  # the proxy's id, so its log and ours match
    generated = second.headers["X-Request-ID"]
    assert len(generated) == 32
    lines = access_lines(caplog)
    assert [(r.method, r.path, r.status, r.request_id) for r in lines] == [
        ("GET", "/", 200, "lb-7f3a.2_x"), ("GET", "/no-such-page", 404, generated)]
    assert all(r.levelno == logging.INFO and r.duration_ms >= 0 for r in lines)
    assert lines[0].getMessage().startswith("GET / 200 ")


@pytest.mark.parametrize("sent", ["x" * 65, "two words", "id;Set-Cookie=a", "über", ""])
def test_a_request_id_that_is_not_sane_is_replaced(client, sent: str) -> None:  # type: ignore[no-untyped-def]
    with client.get("/healthz", headers={"X-Request-ID": sent}) as response:
        assert response.status_code == 200
    assert response.headers["X-Request-ID"] != sent
    assert observability.SANE_REQUEST_ID.fullmatch(response.headers["X-Request-ID"])


def test_a_kept_public_page_is_logged_and_carries_an_id(app: Flask, client, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    client.get("/").close()
    kept = app.test_client().get("/", headers={"X-Request-ID": "second"})
    kept.close()
    assert kept.headers.get("X-Page-Cache") == "hit" and kept.headers["X-Request-ID"] == "second"
    assert [r.request_id for r in access_lines(caplog)][-1] == "second"


def test_json_lines_name_the_request_and_the_signed_in_account(client, login_as, capsys, log_settings) -> None:  # type: ignore[no-untyped-def]
    log_settings(LOG_FORMAT="json")
    user = login_as("patron")
    capsys.readouterr()
    with client.get("/account", headers={"X-Request-ID": "abc"}) as response:
        assert response.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    [access] = [line for line in lines if line["logger"] == "photoid.access"]
    assert access["request_id"] == "abc" and access["method"] == "GET" and access["path"] == "/account"
    assert access["status"] == 200 and access["user_id"] == user.id and access["level"] == "INFO"
    assert isinstance(access["duration_ms"], float) and access["time"].endswith("+00:00")
    assert access["message"].startswith("GET /account 200")


def test_a_warning_written_during_a_request_carries_its_id(app: Flask, client, capsys, log_settings) -> None:  # type: ignore[no-untyped-def]
    log_settings(LOG_FORMAT="json")

    @app.get("/__test_warning")
    def _warn() -> str:
        logging.getLogger("photoid.test").warning("something odd")
        return "ok"

    capsys.readouterr()
    client.get("/__test_warning", headers={"X-Request-ID": "warned"}).close()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    [warning] = [line for line in lines if line["logger"] == "photoid.test"]
    assert warning["request_id"] == "warned" and warning["path"] == "/__test_warning" and warning["level"] == "WARNING"


def test_an_invitation_token_never_reaches_the_log(app: Flask, client, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    client.get("/invitations/s3cr3t-t0ken-value").close()
    [line] = access_lines(caplog)
    assert "s3cr3t" not in line.path and line.path == "/invitations/…"
    assert "s3cr3t" not in caplog.text


def test_the_log_level_setting_quiets_the_access_lines(client, capsys, log_settings) -> None:  # type: ignore[no-untyped-def]
    log_settings(LOG_LEVEL="WARNING")
    capsys.readouterr()
    client.get("/healthz").close()
    assert "photoid.access" not in capsys.readouterr().err


@pytest.mark.parametrize(("name", "value"), [("PHOTOID_LOG_LEVEL", "LOUD"), ("PHOTOID_LOG_FORMAT", "xml")])
def test_a_wrong_log_setting_is_refused_at_start(monkeypatch, tmp_path, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        Config(instance_dir=tmp_path)


def test_mail_written_to_the_log_is_seen_at_the_default_level_without_any_logging_setup(tmp_path: Path) -> None:
    """As under gunicorn: nothing configures the root logger, and the default level is kept."""
    script = (
        "from photoid import create_app\n"
        "from photoid.notifications.mail import send_mail\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    assert send_mail('ann@example.org', 'Welcome', 'The body text')\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("PHOTOID_")}
    env.update(PHOTOID_INSTANCE_DIR=str(tmp_path), PHOTOID_UPLOAD_DIR=str(tmp_path / "uploads"), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "INFO photoid.mail" in done.stderr and "ann@example.org" in done.stderr and "The body text" in done.stderr


def test_an_unreachable_database_logs_one_line_per_request_never_a_traceback(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    unreachable = make_test_app(tmp_path, "postgresql://postgres@127.0.0.1:1/photoid_nowhere")
    caplog.set_level(logging.INFO)
    client = unreachable.test_client()
    for path in ("/", "/login", "/collections", "/api/authorities?q=smith"):
        caplog.clear()
        with client.get(path, headers={"X-Request-ID": "outage"}) as response:
            status = response.status_code
        assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], f"{path}: a traceback was logged"
        problems = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(problems) <= 1, f"{path}: {[r.getMessage() for r in problems]}"
        [access] = access_lines(caplog)
        assert access.status == status
        if status == 503:
            assert len(problems) == 1 and "unreachable" in problems[0].getMessage()
            assert problems[0].request_id == "outage"  # the warning and its access line are found together
    assert [r.status for r in access_lines(caplog)] == [503]  # the API, as every page reading the database


def test_the_signed_in_account_is_named_only_when_the_request_looked(app: Flask, client, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    user = make_user(role="patron")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.login_id
    client.get("/").close()
    client.get("/healthz").close()  # reads no account: no query of its own for the log
    page, health = access_lines(caplog)
    assert page.user_id == user.id and health.user_id is None
