#!/usr/bin/env bash
# Regenerate the README's screenshots (docs/screenshots/) from a real browser run.
#
# The browser tests save full-page screenshots to test-artifacts/screenshots/ as they go (see
# screenshot() in tests/browser/conftest.py). This runs the journeys that take the ones the README
# shows, then keeps the top of each page, scales it to at most 1280 pixels wide and stores it as an
# optimised palette PNG of at most 250 KB. Needs Debian's chromium (/usr/bin/chromium) and the
# test dependencies (pip install -e '.[test]'). Look at the result before committing it.
#
#   scripts/update-screenshots.sh            # run the journeys, then convert
#   scripts/update-screenshots.sh --no-run   # convert what the last browser run saved
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}

if [[ "${1:-}" != "--no-run" ]]; then
  PHOTOID_REQUIRE_BROWSER=1 "$python" -m pytest -m browser -q -p no:cacheprovider \
    tests/browser/test_browsing.py tests/browser/test_identify_journey.py \
    tests/browser/test_moderation_journey.py tests/browser/test_approved_fact_everywhere.py \
    tests/browser/test_touch_viewer.py "tests/browser/test_every_page_fits.py::test_the_moderation_queue_on_a_phone_for_the_readme"
fi

"$python" - <<'PY'
"""Crop, scale and optimise the chosen screenshots into docs/screenshots/."""
import io
import sys
from pathlib import Path

from PIL import Image

SOURCE, TARGET = Path("test-artifacts/screenshots"), Path("docs/screenshots")
MAX_WIDTH, MAX_BYTES = 1280, 250_000
#: name -> how much of the top of the (full-page) screenshot to keep, in CSS pixels at 1280 wide
#: (the phone-* ones at 390 wide: one phone screen).
CHOSEN = {
    "home": 900,
    "photo-approved-fact": 900,
    "identify-person-with-box": 900,
    "moderation-queue": 1345,
    "search-person-facet": 900,
    "phone-photo": 844,
    "phone-moderation-queue": 844,
}


def encoded(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


TARGET.mkdir(parents=True, exist_ok=True)
missing = [name for name in CHOSEN if not (SOURCE / f"{name}.png").exists()]
if missing:
    sys.exit(f"no screenshot for {', '.join(missing)} in {SOURCE}; run the browser tests first")
for name, height in CHOSEN.items():
    with Image.open(SOURCE / f"{name}.png") as shot:
        image = shot.convert("RGB")
    page_width = 390 if name.startswith("phone-") else 1280
    image = image.crop((0, 0, image.width, min(image.height, height * image.width // page_width)))
    width = min(MAX_WIDTH, image.width)
    while True:
        scaled = image.resize((width, image.height * width // image.width), Image.Resampling.LANCZOS)
        data = encoded(scaled)
        if len(data) <= MAX_BYTES or width <= 640:
            break
        width -= 64
    if len(data) > MAX_BYTES:
        sys.exit(f"{name}: still {len(data)} bytes at {width} pixels wide")
    (TARGET / f"{name}.png").write_bytes(data)
    print(f"{TARGET / name}.png  {scaled.width}x{scaled.height}  {len(data) // 1024} KB")
PY
