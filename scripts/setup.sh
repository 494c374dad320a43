#!/usr/bin/env bash
# Installs what OneWindow needs on a fresh Debian machine. Idempotent, and quick when everything is there.
#
#   scripts/setup.sh system runtime   Debian packages the portal needs (pango for WeasyPrint, CJK fonts)
#   scripts/setup.sh system test      the same plus what the tests need (chromium, poppler-utils)
#   scripts/setup.sh venv             .venv with the dependencies of pyproject.toml, pinned by requirements.lock
#   scripts/setup.sh lock             re-resolve the dependencies in a scratch venv and rewrite requirements.lock
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
RUNTIME_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei fonts-wqy-zenhei)
TEST_PACKAGES=("${RUNTIME_PACKAGES[@]}" chromium poppler-utils)
EXTRAS="test,embedded"

say() { echo "[setup] $*" >&2; }

missing_packages() {
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || echo "$package"
    done
}

install_system() {
    local wanted missing
    case "${1:-test}" in
        runtime) wanted=("${RUNTIME_PACKAGES[@]}") ;;
        test) wanted=("${TEST_PACKAGES[@]}") ;;
        *) say "unknown package set: $1"; exit 2 ;;
    esac
    if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
        say "not a Debian system: make sure these (or their equivalents) are installed: ${wanted[*]}"
        return 0
    fi
    mapfile -t missing < <(missing_packages "${wanted[@]}")
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0  # all present: no apt-get at all
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then
            sudo=(sudo)
        else
            say "missing Debian packages: ${missing[*]}"
            say "install them as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
            exit 1
        fi
    fi
    say "installing Debian packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The first Python that pyproject.toml accepts (>=3.11,<3.14); PYTHON=... chooses one.
find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    say "no Python 3.11, 3.12 or 3.13 found (pyproject.toml needs one); set PYTHON=/path/to/python3.x"
    exit 1
}

# pyproject.toml's dependencies plus the given extras, one requirement a line. Reading them, rather than
# `pip install .`, skips building a wheel of a project that has no package to install.
requirements() {
    "$1" - "$2" <<'EOF'
import sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
lines = list(project["dependencies"])
for extra in filter(None, sys.argv[1].split(",")):
    lines += project["optional-dependencies"][extra]
print("\n".join(lines))
EOF
}

make_venv() {
    local dir=$1 python
    python=$(find_python)
    if ! "$python" -m venv "$dir"; then
        say "'$python -m venv' failed: on Debian, install the python3-venv package (or python3.11-venv) and retry"
        rm -rf "$dir"
        exit 1
    fi
}

install_venv() {
    local stamp="$VENV/.installed" want
    # The stamp records what the venv was built from: a changed pyproject.toml or lock file means reinstall.
    want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
    if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    if ! "$VENV/bin/python" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))' 2>/dev/null; then
        rm -rf "$VENV"
        say "creating $VENV"
        make_venv "$VENV"
    fi
    say "installing Python packages into $VENV (pinned by requirements.lock; the first time takes a minute or two)"
    requirements "$VENV/bin/python" "$EXTRAS" >"$VENV/requirements.txt"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$VENV/requirements.txt" -c requirements.lock
    echo "$want" >"$stamp"
}

write_lock() {
    local reqs
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    make_venv "$scratch/venv"
    reqs="$scratch/requirements.txt"
    requirements "$scratch/venv/bin/python" "$EXTRAS" >"$reqs"
    "$scratch/venv/bin/python" -m pip install --disable-pip-version-check -q -r "$reqs"
    {
        echo "# Exact versions of every Python package, used as pip constraints by scripts/setup.sh and the Dockerfile."
        echo "# Regenerate with \`make lock\` after changing dependencies in pyproject.toml."
        "$scratch/venv/bin/python" -m pip freeze --disable-pip-version-check
    } >requirements.lock
    say "requirements.lock rewritten; review the diff"
}

case "${1:-}" in
    system) install_system "${2:-test}" ;;
    venv) install_venv ;;
    lock) write_lock ;;
    *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
