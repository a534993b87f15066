#!/usr/bin/env bash
# Fuzzes ossimg's parsers and decoders with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Runs each target (default: all) for SECONDS (default 60). Not part of CI.
# Works on the stable toolchain: cargo-fuzz needs `-Z` rustc flags, which a
# stable rustc accepts under RUSTC_BOOTSTRAP=1 (set here when rustc is not
# nightly). AddressSanitizer is used (its runtime ships with rust-std on
# x86_64 Linux); `FUZZ_SANITIZER=none` turns it off.
# Crashes land in fuzz/artifacts/<target>/; reproduce one with
#   scripts/fuzz.sh repro <target> <file>
# The corpus (fuzz/corpus/<target>) is seeded from fuzz/seeds/ and, for the
# decoders, from fixtures/images/. Build output goes to ${FUZZ_TARGET_DIR}.
# Extra libFuzzer flags go in FUZZ_ARGS (e.g. FUZZ_ARGS="-max_len=65536 -jobs=2").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ALL=(process_string oss_query oss_addressing oss_auth decode)
FUZZ_TARGET_DIR=${FUZZ_TARGET_DIR:-$ROOT/fuzz/target}
SANITIZER=${FUZZ_SANITIZER:-address}

bash scripts/install-build-deps.sh
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
if ! rustc --version | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
fi

cd fuzz
# Same dependency versions as the server build.
[ -f Cargo.lock ] || cp ../Cargo.lock .
FLAGS=(--release --debug-assertions --sanitizer "$SANITIZER" --target-dir "$FUZZ_TARGET_DIR")

if [ "${1:-}" = repro ]; then
  target=$2 input=$3
  cargo fuzz run "${FLAGS[@]}" "$target" "$input"
  exit
fi

SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")

seed() {
  local target=$1 dir=corpus/$1
  mkdir -p "$dir"
  [ -d "seeds/$target" ] && cp -n "seeds/$target"/* "$dir"/ 2>/dev/null || true
  if [ "$target" = decode ]; then
    # Small fixtures only: libFuzzer's max_len follows the largest input.
    find ../fixtures/images -type f -size -300k ! -name '*.md' ! -name '*.tsv' \
      -exec cp -n {} "$dir"/ \;
  fi
}

cargo fuzz build "${FLAGS[@]}"
status=0
for t in "${TARGETS[@]}"; do
  seed "$t"
  echo "=== $t: ${SECONDS_EACH}s"
  if ! cargo fuzz run "${FLAGS[@]}" "$t" "corpus/$t" -- \
      -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 ${FUZZ_ARGS:-}; then
    echo "!!! $t found a crash: see fuzz/artifacts/$t/"
    status=1
  fi
done
exit $status
