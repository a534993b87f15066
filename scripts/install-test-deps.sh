#!/usr/bin/env bash
# Installs everything the test suite needs beyond Rust itself, and does nothing
# when it is already there:
#   - Debian packages (native libraries for the image codecs, fonts for text
#     watermarks, the C toolchain bits that -sys crates build with);
#   - a project-local Python venv `.venv` with the pinned Python OSS SDKs;
#   - the pinned Node OSS SDK in tests/sdk/node/node_modules.
# Meant for Debian 12 as root (CI) but works for a developer with sudo too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# ---------------------------------------------------------------------------
# The one list of system packages the tests need.
# Build packages (cmake, nasm, libheif-dev, ...) are listed once, in
# scripts/install-build-deps.sh, which runs first; these are the extras the
# tests need: the CJK fonts that text watermarks render with.
APT_PACKAGES=(
  fonts-wqy-zenhei
  fonts-wqy-microhei
  fonts-droid-fallback
  fonts-noto-cjk
  fonts-arphic-gkai00mp
  fonts-arphic-gbsn00lp
  fonts-dejavu-core
)
# Python packages: tests/sdk/python/requirements.txt (exact pins).
PY_REQUIREMENTS="tests/sdk/python/requirements.txt"
# The S3-compatible server (moto) of the storage conformance suite, in its
# own venv: tests/s3/requirements.txt (exact pins of every package).
S3_REQUIREMENTS="tests/s3/requirements.txt"
# Node packages: tests/sdk/node/package.json + package-lock.json.
NODE_DIR="tests/sdk/node"
PYTHON="${PYTHON:-python3}"
# ---------------------------------------------------------------------------

log() { printf '[install-test-deps] %s\n' "$*"; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    "${SUDO[@]}" apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- system packages --------------------------------------------------------
bash "$ROOT/scripts/install-build-deps.sh"
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg -s "$pkg" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
else
  log "system packages: all ${#APT_PACKAGES[@]} present"
fi

# --- Python venv with the pinned SDKs ---------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || apt_install python3
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys' >/dev/null 2>&1; then
  log ".venv is broken (its interpreter does not run): recreating it"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt_install python3-venv
  fi
  log "creating .venv with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv .venv
fi

pins_satisfied() {
  local venv="${1:-.venv}" reqs="${2:-$PY_REQUIREMENTS}"
  "$venv/bin/python" - "$reqs" <<'PY'
import sys
from importlib import metadata

ok = True
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, version = line.partition("==")
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        have = None
    if have != version:
        ok = False
sys.exit(0 if ok else 1)
PY
}

if pins_satisfied; then
  log "python packages: pinned versions present in .venv"
else
  log "pip install -r $PY_REQUIREMENTS"
  .venv/bin/python -m pip install --disable-pip-version-check -q -r "$PY_REQUIREMENTS"
  pins_satisfied || { log "pip did not install the pinned versions"; exit 1; }
fi

# --- S3-compatible server for the storage conformance suite -----------------
if [ -x .venv-s3/bin/python ] && ! .venv-s3/bin/python -c 'import sys' >/dev/null 2>&1; then
  rm -rf .venv-s3
fi
if [ ! -x .venv-s3/bin/python ]; then
  log "creating .venv-s3"
  "$PYTHON" -m venv .venv-s3
fi
if pins_satisfied .venv-s3 "$S3_REQUIREMENTS"; then
  log "S3 server: pinned moto present in .venv-s3"
else
  log "pip install -r $S3_REQUIREMENTS"
  .venv-s3/bin/python -m pip install --disable-pip-version-check -q -r "$S3_REQUIREMENTS"
  pins_satisfied .venv-s3 "$S3_REQUIREMENTS" || { log "pip did not install the pinned S3 server"; exit 1; }
fi

# --- Node SDK ------------------------------------------------------------------
command -v node >/dev/null 2>&1 || { log "node is not installed (Node 20 expected)"; exit 1; }
node_ok() {
  # npm writes node_modules/.package-lock.json on every install; it matches the
  # lock file when the tree is what the lock describes.
  [ -f "$NODE_DIR/node_modules/.package-lock.json" ] &&
    [ -f "$NODE_DIR/node_modules/ali-oss/package.json" ] &&
    [ "$NODE_DIR/node_modules/.package-lock.json" -nt "$NODE_DIR/package-lock.json" ] &&
    node -e '
      const dir = process.argv[1];
      const want = require(dir + "/package.json").dependencies["ali-oss"];
      const have = require(dir + "/node_modules/ali-oss/package.json").version;
      process.exit(want === have ? 0 : 1);
    ' "$ROOT/$NODE_DIR"
}
if node_ok; then
  log "node packages: ali-oss present in $NODE_DIR/node_modules"
else
  command -v npm >/dev/null 2>&1 || { log "npm is not installed (it comes with Node 20)"; exit 1; }
  if [ -f "$NODE_DIR/package-lock.json" ]; then
    log "npm ci in $NODE_DIR"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  else
    log "npm install in $NODE_DIR"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi

log "done"
