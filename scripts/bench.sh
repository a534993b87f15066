#!/usr/bin/env bash
# Compares ossimg with libvips (vipsthumbnail, pyvips), sharp, Pillow-SIMD,
# thumbor and nginx on the same inputs, in the same run, on this machine.
#
#   scripts/bench.sh            full run (several runs per workload; ~30-40 min on 2 cores)
#   scripts/bench.sh --quick    fewer runs and iterations (a few minutes)
#   scripts/bench.sh --no-install   skip installing peers (use what is there)
#   scripts/bench.sh --install-only install the peers and stop
#   scripts/bench.sh --no-install --only=P1 --merge=benches/results/STAMP/results.json
#                               rerun some in-process workloads into an earlier run's table
#
# Installs: Debian libvips-tools, nginx-light, wrk, build deps of Pillow-SIMD;
# a project-local venv .venv-bench (pyvips[binary], thumbor, oss2) and
# .venv-bench-simd (pillow-simd: it replaces Pillow's `PIL`, so it cannot share
# thumbor's venv); sharp in benches/node. Peers that fail to install are
# reported as "peer unavailable" and the run goes on without them.
# All load goes to 127.0.0.1 only; every load run is bounded in time or count.
# Results: benches/results/<UTC timestamp>/ (raw JSON + table.md).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
QUICK=0
INSTALL=1
EXTRA=()
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    --no-install) INSTALL=0 ;;
    --install-only) INSTALL=2 ;;
    *) EXTRA+=("$a") ;;  # passed on to benches/compare.py (--only=P1,HTTP, --merge=FILE)
  esac
done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
STATUS=$ROOT/benches/results/peer-status.txt
mkdir -p "$ROOT/benches/results"
: >"$STATUS"
note() { echo "$1	$2" >>"$STATUS"; echo "peer $1: $2"; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if [ "$INSTALL" != 0 ]; then
  bash scripts/install-build-deps.sh
  DEB=(libvips-tools nginx-light wrk python3-venv libjpeg-dev zlib1g-dev libpng-dev
       libwebp-dev libtiff-dev libfreetype-dev liblcms2-dev build-essential)
  missing=()
  for p in "${DEB[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null \
      || echo "warning: apt-get install ${missing[*]} failed" >&2
  fi
  PY=${PYTHON:-python3}
  if [ ! -x .venv-bench/bin/python ]; then "$PY" -m venv .venv-bench && echo "*" >.venv-bench/.gitignore; fi
  .venv-bench/bin/pip install -q --upgrade pip >/dev/null 2>&1
  # pyvips with its bundled libvips wheel; fall back to Debian's libvips.
  if ! .venv-bench/bin/pip install -q "pyvips[binary]" 2>benches/results/pip-pyvips.log; then
    .venv-bench/bin/pip install -q pyvips 2>>benches/results/pip-pyvips.log \
      || note pyvips "pip install failed: $(tail -1 benches/results/pip-pyvips.log)"
  fi
  .venv-bench/bin/pip install -q thumbor oss2 2>benches/results/pip-thumbor.log \
    || note thumbor "pip install failed: $(tail -1 benches/results/pip-thumbor.log)"
  if [ ! -x .venv-bench-simd/bin/python ]; then "$PY" -m venv .venv-bench-simd && echo "*" >.venv-bench-simd/.gitignore; fi
  .venv-bench-simd/bin/pip install -q --upgrade pip >/dev/null 2>&1
  .venv-bench-simd/bin/pip install -q pillow-simd 2>benches/results/pip-pillow-simd.log \
    || note pillow-simd "pip install failed: $(grep -m1 -iE 'error' benches/results/pip-pillow-simd.log)"
  if command -v npm >/dev/null; then
    (cd benches/node && npm install --no-audit --no-fund --silent) >benches/results/npm-sharp.log 2>&1 \
      || note sharp "npm install failed: $(tail -1 benches/results/npm-sharp.log)"
  else
    note sharp "npm not found"
  fi
fi

[ "$INSTALL" = 2 ] && exit 0

echo "building ossimg (release) and the throughput bench"
# Copied at once: a target dir shared with other checkouts may be relinked under us.
BIN=$ROOT/benches/results/bin
mkdir -p "$BIN"
cargo build --release --bin ossimg && cp "$CARGO_TARGET_DIR/release/ossimg" "$BIN/ossimg" \
  || { echo "ossimg build failed" >&2; exit 1; }
THROUGHPUT=$(cargo bench --no-run --bench throughput 2>&1 \
  | sed -n 's/.*Executable .*(\(.*throughput-[0-9a-f]*\)).*/\1/p' | tail -1)
[ -x "$THROUGHPUT" ] && cp "$THROUGHPUT" "$BIN/throughput" \
  || { echo "could not build benches/throughput.rs" >&2; exit 1; }

PYBIN=python3
[ -x .venv-bench/bin/python ] && PYBIN=.venv-bench/bin/python
exec "$PYBIN" benches/compare.py \
  --ossimg "$BIN/ossimg" \
  --throughput "$BIN/throughput" \
  --peer-status "$STATUS" \
  $([ "$QUICK" = 1 ] && echo --quick) "${EXTRA[@]}"
