#!/usr/bin/env bash
# The production install, as a library's sysadmin does it: build the wheel, install it into a clean
# virtual environment in a temporary folder outside the checkout, create a new site's database and
# search index with `photoid db upgrade`, serve it with `photoid serve` and fetch pages through it.
# Fails on any failure. Called by .ci/run; runs on its own too: bash .ci/wheel.sh
set -euo pipefail
cd "$(dirname "$0")/.."
checkout="$(pwd)"
PYTHON=${PYTHON:-python3}

printf '\n==> %s\n' "The built wheel installs into a clean venv outside the checkout, upgrades a new database and serves pages"
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# setuptools warns at length about the template and static folders (data, not packages): shown on failure only.
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$work/dist" "$checkout" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
rm -rf "$checkout/build"  # setuptools' scratch folder, not part of the checkout
wheel=$(ls "$work"/dist/photoid-*.whl)
"$PYTHON" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for wanted in ("photoid/migrations/env.py", "photoid/migrations/alembic.ini", "photoid/migrations/script.py.mako",
               "photoid/wsgi.py", "photoid/static/css/site.css", "photoid/templates/base.html"):
    assert wanted in names, f"the wheel has no {wanted}"
assert any(n.startswith("photoid/migrations/versions/") and n.endswith(".py") for n in names), "the wheel has no migrations"
PY

"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --prefer-binary "$wheel"
echo "Built and installed the wheel with its dependencies in ${SECONDS}s."

cd "$work"  # nothing from the checkout may be imported from here on
# Only the instance folder is set: the database, uploads, index and secret key go there by default.
for name in $(env | grep -o '^PHOTOID_[A-Z_]*' || true); do unset "$name"; done
export PHOTOID_INSTANCE_DIR="$work/instance"
installed=$("$work/venv/bin/python" -c 'import photoid; print(photoid.__file__)')
case "$installed" in "$work/venv/"*) ;; *) echo "photoid was imported from $installed, not the venv"; exit 1;; esac

"$work/venv/bin/photoid" db upgrade
test -f "$PHOTOID_INSTANCE_DIR/photoid.sqlite3" && test -e "$PHOTOID_INSTANCE_DIR/index/current"

port=$("$work/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$work/venv/bin/photoid" serve --bind "127.0.0.1:$port" --workers 2 >"$work/serve.log" 2>&1 &
server=$!

"$work/venv/bin/python" - "http://127.0.0.1:$port" "$server" <<'PY' || { cat "$work/serve.log"; exit 1; }
import os, re, sys, time, urllib.request

base, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(base + "/healthz", timeout=5).close()
        break
    except OSError:
        os.kill(pid, 0)  # the server is still running, or this fails
        if time.monotonic() > deadline:
            sys.exit("photoid serve did not answer within 60 seconds")
        time.sleep(0.3)
for path in ("/", "/healthz", "/search?q=harbour", "/oai?verb=Identify"):
    with urllib.request.urlopen(base + path, timeout=30) as response:
        body = response.read().decode()
        assert response.status == 200, (path, response.status)
        print(f"GET {path}: {response.status}")
    if path == "/":
        css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{8})"', body)
        assert css, "the home page links a versioned stylesheet"
        with urllib.request.urlopen(base + css.group(1), timeout=30) as static:
            assert static.status == 200 and "immutable" in static.headers["Cache-Control"]
            print(f"GET {css.group(1)}: {static.status}")
PY
echo "The wheel installs, upgrades and serves (${SECONDS}s)."
