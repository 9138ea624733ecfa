"""The previous release keeps serving its public pages on a database the new migrations upgraded.

An upgrade runs `photoid db upgrade` while the old workers still answer (docs/upgrade.md), so every
migration must be one the previous release can run against: new columns nullable or with a server
default, nothing it reads dropped or renamed until a later release. This test takes the previous
release's code from git (the commit in .ci/previous-release, or the newest tag before HEAD), upgrades
a new database with today's migrations, puts a published photo in it, and asks the old code for the
pages visitors and harvesters use.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest
from flask_migrate import upgrade

from photoid.extensions import db
from tests.conftest import make_test_app
from tests.factories import make_collection, make_identification, make_photo

CHECKOUT = Path(__file__).resolve().parents[2]
#: The pages visitors, harvesters and monitoring ask for; each must answer 200 from the old code.
PAGES = ["/", "/collections/{slug}", "/photos/{photo}", "/oai?verb=Identify", "/oai?verb=ListRecords&metadataPrefix=oai_dc",
         "/iiif/3/{photo}/manifest", "/feeds/photos.atom", "/search?q=street", "/healthz"]


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=CHECKOUT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def previous_release() -> str | None:
    """The commit of the release before this one, or None where git history is not at hand."""
    if _git("rev-parse", "--is-shallow-repository") != "false":
        return None  # not a git checkout, or a shallow clone (CI clones fully)
    named = CHECKOUT / ".ci" / "previous-release"
    if named.is_file():
        lines = [line.strip() for line in named.read_text().splitlines() if line.strip() and not line.startswith("#")]
        ref = lines[0] if lines else ""
    else:
        ref = _git("describe", "--tags", "--abbrev=0", "HEAD^")
    return _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") or None if ref else None


def _extract(commit: str, into: Path) -> None:
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "photoid", "config.py"], cwd=CHECKOUT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


OLD_CODE = """
import json, sys
old = sys.argv[1]
sys.path.insert(0, old)
import photoid
assert photoid.__file__.startswith(old), photoid.__file__
from photoid import create_app
app = create_app()
client = app.test_client()
print(json.dumps({path: client.get(path).status_code for path in json.loads(sys.argv[2])}))
"""


def test_the_previous_release_serves_its_pages_on_the_upgraded_schema(tmp_path: Path) -> None:
    commit = previous_release()
    if commit is None:
        pytest.skip("no git history here (a shallow clone?): the previous release cannot be checked out")
    old = tmp_path / "previous"
    _extract(commit, old)
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"

    app = make_test_app(tmp_path / "new", database)  # today's code: migrations, then a published photo
    with app.app_context():
        upgrade()
        photo = make_photo(collection=make_collection(title="Street life"), title="Main Street, about 1950")
        make_identification(photo=photo, state="approved")
        db.session.commit()
        slug, photo_id = photo.collection.slug, photo.id
        db.session.remove()
        db.engine.dispose()

    pages = [page.format(slug=slug, photo=photo_id) for page in PAGES]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PHOTOID_") and key != "PYTHONPATH"}
    env.update(PHOTOID_DATABASE_URL=database, PHOTOID_INSTANCE_DIR=str(tmp_path / "old-instance"),
               PHOTOID_UPLOAD_DIR=str(tmp_path / "new" / "uploads"), PHOTOID_INDEX_DIR=str(tmp_path / "new" / "index"),
               PHOTOID_SECRET_KEY="upgrade-test", PHOTOID_RATELIMIT="0")
    done = subprocess.run([sys.executable, "-c", OLD_CODE, str(old), json.dumps(pages)], cwd=old, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
    statuses = json.loads(done.stdout.strip().splitlines()[-1])
    assert statuses == {page: 200 for page in pages}, f"the release at {commit[:12]} on the new schema: {statuses}"
