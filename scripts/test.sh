#!/usr/bin/env bash
# test.sh: builds everything and runs every test: the dev preset (debug, assertions),
# the asan preset (ASan + UBSan, no recovery) and the aarch64-qemu preset (the debug
# build cross-compiled for AArch64, every test run under qemu-aarch64), warnings as
# errors in all three. Then the cross-architecture differential run, and a short
# libFuzzer run of the diff and asm fuzz targets (the fuzz preset; about 35 s in all).
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
echo "== libFuzzer: the diff and asm targets for 10 s each on a copy of their seed corpora (fixed seed)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target tessera-fuzz-diff tessera-fuzz-module tessera-fuzz-asm
rm -rf build/fuzz/run && mkdir -p build/fuzz/run
# Not module yet: within seconds it finds known timeouts and ASan out-of-memory runs
# (fuel bounds steps, not work: a CALL costs one unit whatever the frame size, a string
# ADD copies the whole string; docs/fuzzing.md section 7.4), which would fail CI at
# random. Add it back when the VM's cost model charges for that work.
for target in diff asm; do
  cp -r "corpora/$target" "build/fuzz/run/$target"
  max_len=8192
  [ "$target" = diff ] && max_len=4096
  args=(-seed=1 -max_total_time=10 -timeout=10 -max_len=$max_len -artifact_prefix="build/fuzz/run/$target-")
  [ -f "fuzz/$target.dict" ] && args+=(-dict="fuzz/$target.dict")
  if ! "build/fuzz/fuzz/tessera-fuzz-$target" "${args[@]}" "build/fuzz/run/$target" \
      >"build/fuzz/run/$target.log" 2>&1; then
    tail -40 "build/fuzz/run/$target.log"
    echo "libFuzzer: $target found a crash, see build/fuzz/run/$target-*" >&2
    exit 1
  fi
  echo "$target: $(grep DONE "build/fuzz/run/$target.log")"
done
echo "== all tests passed in dev, asan and aarch64-qemu; the fuzz targets ran clean under libFuzzer"
