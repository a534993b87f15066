#!/usr/bin/env bash
# Runs every test of the project: installs what the tests need
# (scripts/install-test-deps.sh), then rustfmt, clippy and `cargo test`, which
# includes tests/sdk.rs (the official Python and Node OSS SDKs against a real
# server process). Exits non-zero when any step fails and ends with a summary.
#
# Usage: bash scripts/test.sh
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"

STEPS=()
RESULTS=()
TIMES=()
FAILED=0

run_step() {
  local name="$1"
  shift
  printf '\n===== %s: %s =====\n' "$name" "$*"
  local start=$SECONDS
  "$@"
  local rc=$?
  local took=$((SECONDS - start))
  STEPS+=("$name")
  TIMES+=("$took")
  if [ "$rc" -eq 0 ]; then
    RESULTS+=("ok")
  else
    RESULTS+=("FAILED (exit $rc)")
    FAILED=1
  fi
  printf '===== %s: %s in %ss =====\n' "$name" "${RESULTS[-1]}" "$took"
  return "$rc"
}

summary() {
  printf '\n===== test.sh summary =====\n'
  local i
  for i in "${!STEPS[@]}"; do
    printf '  %-8s %-20s %5ss\n' "${STEPS[$i]}" "${RESULTS[$i]}" "${TIMES[$i]}"
  done
  if [ "$FAILED" -eq 0 ]; then
    printf 'test.sh: all steps succeeded\n'
  else
    printf 'test.sh: some steps FAILED (see above)\n'
  fi
}

printf 'toolchain: %s; %s; node %s; %s\n' \
  "$(rustc --version 2>/dev/null || echo 'rustc missing')" \
  "$(cargo --version 2>/dev/null || echo 'cargo missing')" \
  "$(node --version 2>/dev/null || echo missing)" \
  "$(python3 --version 2>&1 || echo 'python3 missing')"

if ! run_step deps bash scripts/install-test-deps.sh; then
  # Without the native libraries nothing below can pass; say so clearly.
  summary
  exit 1
fi

# The S3-compatible server that the storage conformance suite and the
# two-node test run against (moto, from .venv-s3): its own free port, stopped
# on exit.
S3_LOG="$(mktemp)"
start_s3_server() {
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  .venv-s3/bin/moto_server -H 127.0.0.1 -p "$port" >"$S3_LOG" 2>&1 &
  S3_PID=$!
  local i
  for i in $(seq 1 100); do
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "http://127.0.0.1:$port/" >/dev/null 2>&1; then
      export OSSIMG_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
      export OSSIMG_TEST_S3_REQUIRED=1
      echo "S3 server (moto) on $OSSIMG_TEST_S3_ENDPOINT"
      return 0
    fi
    sleep 0.1
  done
  cat "$S3_LOG"
  return 1
}
run_step s3 start_s3_server

run_step fmt cargo fmt --all -- --check
run_step clippy cargo clippy --all-targets -- -D warnings
TEST_LOG="$(mktemp)"
trap 'rm -f "$TEST_LOG" "$S3_LOG"; [ -n "${S3_PID:-}" ] && kill "$S3_PID" 2>/dev/null' EXIT
cargo_test() {
  cargo test --no-fail-fast 2>&1 | tee "$TEST_LOG"
}
run_step test cargo_test

summary
# One closing line with the Rust test totals over every test binary (the SDK
# suites run inside tests/sdk.rs).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$TEST_LOG"
exit "$FAILED"
