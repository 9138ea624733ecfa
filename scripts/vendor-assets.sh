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

# Annotorious draws the boxes on the identify page. Only the UMD build and its stylesheet are
# needed (PixiJS, Svelte and the rest are bundled into it). The npm tarball has no LICENSE file,
# so the BSD-3-Clause text is kept beside this script.
anno=node_modules/@annotorious/openseadragon
rm -rf "$vendor/annotorious"
mkdir -p "$vendor/annotorious"
cp "$anno/dist/annotorious-openseadragon.js" "$anno/dist/annotorious-openseadragon.css" "$vendor/annotorious/"
cp scripts/licenses/annotorious-openseadragon.LICENSE.txt "$vendor/annotorious/LICENSE.txt"
node -e 'const p=require("./'"$anno"'/package.json"); console.log(p.version)' > "$vendor/annotorious/VERSION"
echo "vendored @annotorious/openseadragon $(cat "$vendor/annotorious/VERSION")"

# axe-core checks the pages for accessibility problems in the browser tests. It is a test tool,
# never served to visitors, so it goes beside the tests rather than into photoid/static.
axe=tests/browser/vendor/axe-core
rm -rf "$axe"
mkdir -p "$axe"
cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE "$axe/"
node -e 'const p=require("./node_modules/axe-core/package.json"); console.log(p.version)' > "$axe/VERSION"
echo "vendored axe-core $(cat "$axe/VERSION") (for the tests)"

# Mirador, the IIIF viewer many libraries run, opens our manifests in the browser tests (it must
# show the community's identifications). A test tool like axe-core: its UMD build bundles React and
# everything else, so one file (2.3 MB) works offline.
mirador=tests/browser/vendor/mirador
rm -rf "$mirador"
mkdir -p "$mirador"
cp node_modules/mirador/dist/mirador.min.js node_modules/mirador/LICENSE "$mirador/"
node -e 'const p=require("./node_modules/mirador/package.json"); console.log(p.version)' > "$mirador/VERSION"
echo "vendored mirador $(cat "$mirador/VERSION") (for the tests)"
