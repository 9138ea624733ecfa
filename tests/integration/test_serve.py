"""``photoid serve``: gunicorn in front of ``photoid.wsgi:app``, with data in PHOTOID_INSTANCE_DIR."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PHOTOID = [sys.executable, "-m", "photoid.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(instance: Path) -> dict[str, str]:
    """Only the instance folder is named: the database, uploads, index and key go there by default."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOID_")}
    return {**env, "PHOTOID_INSTANCE_DIR": str(instance), "PHOTOID_RATELIMIT": "0"}


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return int(response.status)


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return _status(url)
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"photoid serve did not answer:\n{log.read_text()}") from None
            time.sleep(0.2)


def test_a_new_site_keeps_its_data_in_the_instance_folder(tmp_path: Path) -> None:
    instance = tmp_path / "site"
    done = subprocess.run([*PHOTOID, "db", "upgrade"], env=_env(instance), cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (instance / "photoid.sqlite3").is_file()
    assert (instance / "secret_key").is_file()
    assert (instance / "uploads").is_dir()
    assert (instance / "index" / "current").exists(), "a new site has a search index from its first upgrade"
    assert "Search index built: 0 photos." in done.stdout


def test_photoid_serve_answers_and_reloads_its_workers_on_hup(tmp_path: Path) -> None:
    instance = tmp_path / "site"
    env = _env(instance)
    subprocess.run([*PHOTOID, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True)
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen([*PHOTOID, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                                  env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        assert _wait_for(url + "/", server, log) == 200
        assert _status(url + "/healthz") == 200
        server.send_signal(signal.SIGHUP)  # what `systemctl reload` sends after an upgrade
        deadline = time.monotonic() + 30
        while "Hang up" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "Hang up" in log.read_text(), log.read_text()
        for _ in range(5):
            assert _wait_for(url + "/", server, log) == 200
            time.sleep(0.2)
        assert server.poll() is None, "the master keeps running through a reload"
    finally:
        server.terminate()
        server.wait(timeout=30)
