#!/usr/bin/env bash
# Refresh the front-end assets in static/vendor from the npm registry (run by hand when upgrading).
#   htmx.org   loaded by every page
#   axe-core   the browser tests' accessibility checker (tests/browser/axe.py injects it); no page loads it
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pinned() { python3 -c 'import json, sys; p = json.load(open("package.json")); print({**p.get("dependencies", {}), **p.get("devDependencies", {})}[sys.argv[1]])' "$1"; }

version=$(pinned htmx.org)
(cd "$tmp" && npm pack --loglevel=warn "htmx.org@$version" >/dev/null && mkdir htmx && tar xzf htmx.org-*.tgz -C htmx)
mkdir -p static/vendor/htmx
cp "$tmp/htmx/package/dist/htmx.min.js" "$tmp/htmx/package/LICENSE" static/vendor/htmx/
echo "htmx.org $version -> static/vendor/htmx/"

version=$(pinned axe-core)
(cd "$tmp" && npm pack --loglevel=warn "axe-core@$version" >/dev/null && mkdir axe && tar xzf axe-core-*.tgz -C axe)
mkdir -p static/vendor/axe-core
cp "$tmp/axe/package/axe.min.js" "$tmp/axe/package/LICENSE" static/vendor/axe-core/
echo "axe-core $version -> static/vendor/axe-core/"
