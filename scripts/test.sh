#!/usr/bin/env bash
# test.sh: builds everything and runs every test: the dev preset (debug, assertions)
# and the asan preset (ASan + UBSan, no recovery), warnings as errors in both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
for preset in dev asan; do
  echo "== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$jobs"
done
echo "== all tests passed in dev and asan"
