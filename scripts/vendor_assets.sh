#!/usr/bin/env bash
# Refresh the front-end assets in static/vendor from the npm registry (run by hand when upgrading).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(python3 -c 'import json; print(json.load(open("package.json"))["dependencies"]["htmx.org"])')
(cd "$tmp" && npm pack "htmx.org@$version" >/dev/null && tar xzf htmx.org-*.tgz)
mkdir -p static/vendor/htmx
cp "$tmp/package/dist/htmx.min.js" "$tmp/package/LICENSE" static/vendor/htmx/
echo "htmx.org $version -> static/vendor/htmx/"
