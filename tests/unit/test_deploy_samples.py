"""The sample production files in deploy/ (docs/deploy.md) agree with photoid's own settings.
.ci/nginx.sh runs the nginx configuration for real; these catch a sample drifting from the code."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config import Config
from photoid.cli import SERVE_TIMEOUT

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = (DEPLOY / "nginx.conf").read_text()
ENV_EXAMPLE = (DEPLOY / "photoid.env.example").read_text()


def nginx_setting(name: str) -> str:
    found = re.search(rf"^\s*{name}\s+([^;]+);", NGINX, re.MULTILINE)
    assert found, f"deploy/nginx.conf sets no {name}"
    return found.group(1).strip()


def megabytes(value: str) -> int:
    assert value.endswith("m"), value
    return int(value[:-1]) * 1024 * 1024


def test_nginx_takes_the_largest_upload_photoid_accepts(tmp_path: Path) -> None:
    assert megabytes(nginx_setting("client_max_body_size")) == Config(instance_dir=tmp_path).MAX_CONTENT_LENGTH
    assert re.search(r"^PHOTOID_MAX_UPLOAD_BYTES=(\d+)$", ENV_EXAMPLE, re.MULTILINE).group(1) == str(  # type: ignore[union-attr]
        megabytes(nginx_setting("client_max_body_size")))


def test_nginx_waits_as_long_as_a_worker_may_work() -> None:
    assert int(nginx_setting("proxy_read_timeout").rstrip("s")) >= SERVE_TIMEOUT


def test_nginx_never_serves_metrics_and_passes_what_photoid_reads() -> None:
    assert re.search(r"location = /metrics\s*\{\s*return 404;\s*\}", NGINX)
    for header in ("Host $http_host", "X-Forwarded-For   $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in NGINX
    assert 'Strict-Transport-Security "max-age=31536000" always' in NGINX
    assert re.search(r"^PHOTOID_PROXIES=1$", ENV_EXAMPLE, re.MULTILINE)
    assert re.search(r"^PHOTOID_SECURE_COOKIES=1$", ENV_EXAMPLE, re.MULTILINE)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_pass_systemd_analyze(tmp_path: Path) -> None:
    """Checked as written, with the program and environment file pointed at ones that exist here."""
    (tmp_path / "photoid.env").write_text(ENV_EXAMPLE)
    names = ["photoid.service", "photoid-daily.service", "photoid-daily.timer", "photoid-import.service", "photoid-import.timer",
             "photoid-worker.service"]
    for name in names:
        text = (DEPLOY / name).read_text()
        text = text.replace("/opt/photoid/current/bin/python", sys.executable).replace("/etc/photoid/photoid.env", str(tmp_path / "photoid.env"))
        (tmp_path / name).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", *(f"./{name}" for name in names)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_worker_unit_runs_photoid_worker_and_the_env_sample_names_its_switch() -> None:
    from photoid.jobs import worker_command

    unit = (DEPLOY / "photoid-worker.service").read_text()
    assert re.search(rf"^ExecStart=/opt/photoid/current/bin/python -m photoid.cli {worker_command.name}$", unit, re.MULTILINE)
    assert re.search(r"^# PHOTOID_JOBS=redis$", ENV_EXAMPLE, re.MULTILINE)
