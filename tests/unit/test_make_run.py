"""`make run` serves on this computer only, unless HOST says otherwise (to try the site from a phone)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_command(**environment: str) -> str:
    """The command `make run` would serve with, in an environment with ``environment`` (and no other HOST or PORT)."""
    if not shutil.which("make"):
        pytest.skip("no make on this machine")
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")} | environment
    dry_run = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return next(line for line in dry_run.stdout.splitlines() if "photoid run" in line)


def test_make_run_listens_on_this_computer_only_by_default() -> None:
    assert "--host 127.0.0.1 --port 5000" in _run_command()


def test_host_lets_make_run_listen_on_every_interface() -> None:
    assert "--host 0.0.0.0 --port 8080" in _run_command(HOST="0.0.0.0", PORT="8080")
