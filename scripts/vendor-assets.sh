#!/usr/bin/env bash
# Copy the pinned front-end libraries from npm into photoid/static/vendor, so the site works
# offline and `make run` needs no Node.js. Run after changing package.json; commit the result.
# CI runs it too and fails if the committed copy differs from what npm installs.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund --silent
vendor=photoid/static/vendor
rm -rf "$vendor/openseadragon"
mkdir -p "$vendor/openseadragon"
cp node_modules/openseadragon/build/openseadragon/openseadragon.min.js "$vendor/openseadragon/"
cp -r node_modules/openseadragon/build/openseadragon/images "$vendor/openseadragon/images"
cp node_modules/openseadragon/LICENSE.txt "$vendor/openseadragon/LICENSE.txt"
node -e 'const p=require("./node_modules/openseadragon/package.json"); console.log(p.version)' > "$vendor/openseadragon/VERSION"
echo "vendored openseadragon $(cat "$vendor/openseadragon/VERSION")"
