"""The nightly backup schedules in docs/operations.md work as written: the systemd timer and
service, and the cron line, each run here with only the paths moved into a temporary folder."""
from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from photoid.extensions import db
from photoid.photos.service import add_photo
from tests.conftest import make_test_app
from tests.factories import make_collection

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
ENV_FILE, PHOTOID, BACKUPS = "/etc/photoid/photoid.env", "/opt/photoid/current/bin/photoid", "/var/backups/photoid"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """A SQLite site with one photo, its environment file, and the folder backups go into."""
    folder = tmp_path / "site"
    folder.mkdir()
    app = make_test_app(folder, f"sqlite:///{folder / 'photoid.sqlite3'}")
    with app.app_context():
        db.create_all()
        image = io.BytesIO()
        Image.new("RGB", (800, 600), (90, 100, 110)).save(image, "JPEG")
        add_photo(collection=make_collection(), identifier="N-1", title="Night train", image_data=image.getvalue())
        db.session.remove()
        db.engine.dispose()
    env_file = tmp_path / "photoid.env"
    env_file.write_text(f"PHOTOID_DATABASE_URL=sqlite:///{folder / 'photoid.sqlite3'}\n"
                        f"PHOTOID_INSTANCE_DIR={folder}\nPHOTOID_UPLOAD_DIR={app.config['UPLOAD_DIR']}\n"
                        "PHOTOID_SECRET_KEY=a-key-for-this-test-only\n")
    yield {"env": env_file, "backups": tmp_path / "backups"}


def _moved(command: str, site: dict[str, Path]) -> str:
    return (command.replace(ENV_FILE, str(site["env"])).replace(PHOTOID, str(Path(sys.executable).parent / "photoid"))
            .replace(BACKUPS, str(site["backups"])))


def _assert_tonights_backup(site: dict[str, Path]) -> None:
    tonight = site["backups"] / date.today().isoformat()
    manifest = json.loads((tonight / "manifest.json").read_text())
    assert manifest["photos"] == 1 and manifest["database"]["file"] == "photoid.sqlite3"
    assert tonight.stat().st_mode & 0o077 == 0  # umask 077: the backup is its owner's only


def test_the_documented_systemd_timer_runs_a_backup(site: dict[str, Path], tmp_path: Path) -> None:
    units = {}
    for block in _blocks("ini"):
        first, _, body = block.partition("\n")
        if first.startswith("# /etc/systemd/system/photoid-backup."):
            units[first.rsplit("/", 1)[1]] = body
    assert set(units) == {"photoid-backup.service", "photoid-backup.timer"}
    if shutil.which("systemd-analyze"):
        for name, body in units.items():
            (tmp_path / name).write_text(body)
        checked = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in units)],
                                 capture_output=True, text=True, timeout=60, check=False)
        assert checked.returncode == 0, checked.stderr
    service = dict(line.split("=", 1) for line in units["photoid-backup.service"].splitlines() if "=" in line)
    assert service["EnvironmentFile"] == ENV_FILE and service["UMask"] == "0077" and service["Type"] == "oneshot"
    environment = dict(line.split("=", 1) for line in site["env"].read_text().splitlines())
    argv = [part.replace("%%", "%") for part in shlex.split(_moved(service["ExecStart"], site))]  # systemd's %% is %
    site["backups"].mkdir()
    ran = subprocess.run(argv, env={"PATH": os.environ["PATH"], **environment}, umask=0o077,
                         capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    _assert_tonights_backup(site)


def test_the_documented_cron_line_runs_a_backup_and_deletes_old_ones(site: dict[str, Path]) -> None:
    lines = [line for block in _blocks("cron") for line in block.splitlines() if line and not line.startswith("#")]
    assert len(lines) == 1
    fields = lines[0].split(None, 6)
    assert fields[:5] == ["15", "2", "*", "*", "*"] and fields[5] == "photoid"
    command = _moved(fields[6], site).replace("\\%", "%")  # cron's \% is %
    old = site["backups"] / "2026-01-01"
    old.mkdir(parents=True)
    month_ago = time.time() - 40 * 86400
    os.utime(old, (month_ago, month_ago))
    ran = subprocess.run(["/bin/sh", "-c", command], env={"PATH": os.environ["PATH"]},
                         capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    _assert_tonights_backup(site)
    assert not old.exists()
