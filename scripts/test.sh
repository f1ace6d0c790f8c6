#!/usr/bin/env bash
# test.sh: builds everything and runs every test: the dev preset (debug, assertions),
# the asan preset (ASan + UBSan, no recovery) and the aarch64-qemu preset (the debug
# build cross-compiled for AArch64, every test run under qemu-aarch64), warnings as
# errors in all three.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
for preset in dev asan aarch64-qemu; do
  echo "== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$jobs"
done
echo "== cross-architecture differential: 300 generated programs, x86_64 against aarch64"
qemu/xdiff.sh --programs 300 --native build/dev --aarch64 build/aarch64-qemu --out build/xarch
echo "== all tests passed in dev, asan and aarch64-qemu"
