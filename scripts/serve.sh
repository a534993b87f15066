#!/usr/bin/env bash
# Runs ossimg on its embedded defaults (127.0.0.1:8080, ./data), installing the
# system packages the build needs first. Extra arguments go to `ossimg serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-build-deps.sh
exec cargo run --release --bin ossimg -- serve "$@"
