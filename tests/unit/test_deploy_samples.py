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
#: Several photoid servers behind one nginx, which also serves the bucket as PHOTOID_MEDIA_URL.
NGINX_MANY = (DEPLOY / "nginx-many-servers.conf").read_text()
ENV_EXAMPLE = (DEPLOY / "photoid.env.example").read_text()
UNITS = sorted(path.name for path in DEPLOY.iterdir() if path.suffix in (".service", ".timer"))


def nginx_setting(name: str, conf: str = NGINX) -> str:
    found = re.search(rf"^\s*{name}\s+([^;]+);", conf, re.MULTILINE)
    assert found, f"the nginx sample sets no {name}"
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
    names = UNITS
    assert {"photoid.service", "photoid-worker.service", "photoid-daily.service", "photoid-daily.timer"} <= set(names)
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


def test_every_unit_runs_a_photoid_command_and_options_that_exist(tmp_path: Path) -> None:
    """A renamed command or option would leave a server's unit failing at 3:30 at night; this fails first."""
    from photoid.cli import main
    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'units.sqlite3'}")
    run = []
    for name in UNITS:
        for line in re.findall(r"^ExecStart=(.*)$", (DEPLOY / name).read_text(), re.MULTILINE):
            program, *args = line.split()
            assert program == "/opt/photoid/current/bin/python" and args[:2] == ["-m", "photoid.cli"], f"{name}: {line}"
            command_name, *options = args[2:]
            command = app.cli.get_command(None, command_name) or main.commands.get(command_name)  # type: ignore[arg-type]
            assert command is not None, f"{name} runs `photoid {command_name}`, which photoid does not have"
            known = {opt for param in command.params for opt in param.opts}
            assert {option for option in options if option.startswith("-")} <= known, f"{name}: {line}"
            run.append(command_name)
    # The many-servers processes: the web server, the worker, and the daily chores on one server.
    assert {"serve", "worker", "purge", "impact-refresh", "import-iiif"} <= set(run)


def test_the_many_servers_nginx_balances_the_servers_and_serves_the_bucket_as_the_media_host(tmp_path: Path) -> None:
    from tests.conftest import make_test_app

    upstream = re.search(r"upstream photoid \{(.*?)\}", NGINX_MANY, re.S)
    assert upstream and len(re.findall(r"^\s*server \S+:8000 max_fails", upstream.group(1), re.M)) >= 2
    # The same limits as on one server: photoid's largest upload, a worker's longest request.
    assert megabytes(nginx_setting("client_max_body_size", NGINX_MANY)) == Config(instance_dir=tmp_path).MAX_CONTENT_LENGTH
    assert int(nginx_setting("proxy_read_timeout", NGINX_MANY).rstrip("s")) >= SERVE_TIMEOUT
    assert re.search(r"location = /metrics\s*\{\s*return 404;\s*\}", NGINX_MANY)
    for header in ("Host $http_host", "X-Forwarded-For   $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in NGINX_MANY
    # The media host is the PHOTOID_MEDIA_URL the env sample names, and only reads from the bucket.
    media = re.search(r"^# PHOTOID_MEDIA_URL=https://(\S+)$", ENV_EXAMPLE, re.M)
    assert media and f"server_name {media.group(1)};" in NGINX_MANY
    bucket = re.search(r"^# PHOTOID_STORAGE_URL=s3://(\S+)$", ENV_EXAMPLE, re.M)
    assert bucket and f"proxy_pass https://s3.library.example/{bucket.group(1)}/;" in NGINX_MANY
    assert re.search(r"limit_except GET \{\s*deny all;", NGINX_MANY)
    # Load balancers are told the health check's real address.
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'health.sqlite3'}")
    assert "/healthz" in {rule.rule for rule in app.url_map.iter_rules()} and "GET /healthz" in NGINX_MANY


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                    reason="nginx and openssl are not installed (CI installs them: .ci/nginx.sh)")
@pytest.mark.parametrize("name", ["nginx.conf", "nginx-many-servers.conf"])
def test_the_nginx_samples_pass_nginx_t(name: str, tmp_path: Path) -> None:
    """nginx reads the sample as written, with only the paths and names that exist here put in
    (certificates, cache folders, the S3 endpoint's name, which nginx resolves when it starts)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ci",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    site = (DEPLOY / name).read_text()
    site = re.sub(r"/etc/letsencrypt/live/[^/]+/fullchain\.pem", str(tmp_path / "cert.pem"), site)
    site = re.sub(r"/etc/letsencrypt/live/[^/]+/privkey\.pem", str(tmp_path / "key.pem"), site)
    site = site.replace("/etc/ssl/certs/ca-certificates.crt", str(tmp_path / "cert.pem"))
    site = site.replace("/var/cache/nginx/", f"{tmp_path}/cache-").replace("s3.library.example", "127.0.0.1")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n")
    done = subprocess.run(["nginx", "-t", "-q", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c",
                           str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
