#!/usr/bin/env bash
# The code's shape, checked in CI and by `make lint`: the import contract in .importlinter (routes ->
# service -> queries -> models; no feature imports another's routes) and no dead code (vulture, with
# the names used by name in vulture_allowlist.py). Any violation fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

echo "==> lint-imports (.importlinter)"
"$BIN/lint-imports" --no-cache
echo "==> vulture ([tool.vulture] in pyproject.toml, vulture_allowlist.py)"
"$BIN/vulture"
echo "==> lint passed"
