#!/usr/bin/env bash
# test.sh: builds everything and runs every test: the dev preset (debug, assertions),
# the asan preset (ASan + UBSan, no recovery) and the aarch64-qemu preset (the debug
# build cross-compiled for AArch64, every test run under qemu-aarch64), warnings as
# errors in all three; then a plain `cmake -S . -B build/plain` build with gcc as the C
# compiler, and its tests (the language tests in a sample of configurations). Then a campaign on both
# architectures (tessera fuzz --arch=both with the AArch64 release build), the campaign the
# workflows run (with a corpus, pruned after), and a short
# campaign of each fuzz target (diff, module, asm) under libFuzzer (ASan, as
# .clusterfuzzlite/build.sh built them for the dev preset's contract/libfuzzer test) and
# under AFL++ (fuzz/afl.sh on the binaries build.sh built for contract/afl; module as a
# main and a secondary), 10 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
# The seed of this run's campaigns (the workflows' campaign, the cross-architecture
# comparison, libFuzzer): taken from the commit under test, so that every change tests
# new programs and the same commit runs the same programs again. The test suite's own
# campaigns keep their fixed seeds (their counts are documented).
if [ -z "${TESSERA_CI_SEED:-}" ]; then
  head=$(git rev-parse HEAD 2>/dev/null | cut -c1-12 || true)
  if [ -n "$head" ]; then TESSERA_CI_SEED=$((16#$head)); else TESSERA_CI_SEED=$(date -u +%Y%m%d); fi
fi
echo "== CI seed $TESSERA_CI_SEED (TESSERA_CI_SEED=$TESSERA_CI_SEED scripts/test.sh runs the same campaigns again)"
for preset in dev asan aarch64-qemu; do
  echo "== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$jobs"
done
echo "== plain CMake, no preset, with gcc as the C compiler (clang still builds the stencils); the language"
echo "   tests in the asan preset's sample of configurations (the dev preset ran them all)"
CC=gcc cmake -S . -B build/plain -DTESSERA_TEST_SAMPLE="ref:switch;t1:goto;t2-noopt:goto;jit:goto" >/dev/null
cmake --build build/plain --parallel "$jobs"
# The slow presets' sample of seeds too (CMakePresets.json's test preset slow-sample: a
# build without a preset cannot inherit it): gcc's build must pass the same tests, which
# the dev preset ran at full size.
TESSERA_FUZZ_ITERATIONS=10000 TESSERA_MUTATOR_SEEDS=500 TESSERA_GEN_SEEDS=500 TESSERA_ORACLE_EVERY=4 \
  ctest --test-dir build/plain -j "$jobs" --output-on-failure
echo "== AArch64 inside the campaign: the AArch64 release build, then 600 programs from the CI seed with"
echo "   --arch=both (the whole matrix natively and in a worker per job under qemu-aarch64, the two"
echo "   architectures compared program by program); then the two faults only AArch64 has, each found"
echo "   within 40 programs and named (docs/fuzzing.md section 3.10)"
cmake --preset aarch64-release >/dev/null
cmake --build --preset aarch64-release -j "$jobs"
rm -rf build/xarch
a64=(--aarch64-tessera=build/aarch64-release/cli/tessera)
build/dev/cli/tessera fuzz --arch=both "${a64[@]}" --programs=600 --jobs="$jobs" --seed="$TESSERA_CI_SEED" \
  --out=build/xarch/divergences --report=build/xarch/reports
for expect in jit-operand-aarch64:jit-stencil-push_value-aarch64 arch-fuel-aarch64:arch-aarch64-fuel; do
  fault=${expect%%:*} signature=${expect#*:}
  build/dev/cli/tessera fuzz --arch=aarch64 "${a64[@]}" --fault="$fault" --programs=40 --jobs="$jobs" --seed=7 \
    --no-swarm --reduce-seconds=0 --out="build/xarch/fault-$fault" --report="build/xarch/fault-$fault" 2>&1 |
    grep -E "new divergence|summary" || true
  [ -d "build/xarch/fault-$fault/$signature" ] || { echo "--arch=aarch64 --fault=$fault: no $signature saved" >&2; exit 1; }
done
echo "== the workflows' campaign: 30 s on every core from the CI seed, guided by a fresh corpus, which is then"
echo "   pruned; the reports must parse and agree (a find fails the run: see build/ci/divergences)"
rm -rf build/ci
build/dev/cli/tessera fuzz --seconds=30 --jobs="$jobs" --seed="$TESSERA_CI_SEED" --corpus=build/ci/corpus \
  --out=build/ci/divergences --report=build/ci/reports
build/dev/cli/tessera fuzz --prune --corpus=build/ci/corpus --out=build/ci/divergences
python3 tests/check_report.py build/ci/reports "$TESSERA_CI_SEED" 0
echo "== libFuzzer: each fuzz target for 10 s on a copy of its seed corpus (from the CI seed), as built by"
echo "   .clusterfuzzlite/build.sh into build/dev/tests/contract-libfuzzer/out (CTest contract/libfuzzer)"
out=build/dev/tests/contract-libfuzzer/out
rm -rf build/fuzz/run && mkdir -p build/fuzz/run
for target in diff module asm; do
  cp -r "corpora/$target" "build/fuzz/run/$target"
  max_len=8192
  [ "$target" = diff ] && max_len=4096
  timeout=10 env=()
  # module finds slow inputs within seconds: fuel bounds steps, not work (a CALL costs
  # one unit whatever the frame size, a string ADD copies the whole string;
  # docs/fuzzing.md section 7.4). They run clean but pass a 10 s timeout and, with
  # ASan's quarantine, the memory limit: give them room, so that only a crash or a
  # divergence fails the stage.
  [ "$target" = module ] && timeout=60 && env=(ASAN_OPTIONS=quarantine_size_mb=16)
  args=(-seed=$((TESSERA_CI_SEED % 4294967295 + 1)) -max_total_time=10 -timeout=$timeout -rss_limit_mb=4096 -max_len=$max_len
    -artifact_prefix="build/fuzz/run/$target-")
  [ -f "fuzz/$target.dict" ] && args+=(-dict="fuzz/$target.dict")
  if ! env "${env[@]}" "$out/tessera-fuzz-$target" "${args[@]}" "build/fuzz/run/$target" \
      >"build/fuzz/run/$target.log" 2>&1; then
    tail -40 "build/fuzz/run/$target.log"
    echo "libFuzzer: $target found a crash, see build/fuzz/run/$target-*" >&2
    exit 1
  fi
  echo "$target: $(grep DONE "build/fuzz/run/$target.log")"
done
echo "== AFL++: each fuzz target for 10 s (ASan, as .clusterfuzzlite/build.sh built them for the dev preset's"
echo "   contract/afl test; module with the structure-aware mutator, a main and a secondary)"
for target in diff module asm; do
  instances=1
  [ "$target" = module ] && instances=2
  if ! AFL_TARGETS_DIR=build/dev/tests/contract-afl/out AFL_INSTANCES=$instances fuzz/afl.sh "$target" 10 \
      >"build/afl-$target.log" 2>&1; then
    tail -40 "build/afl-$target.log"
    echo "AFL++: $target failed or found a crash, see build/afl/out-$target" >&2
    exit 1
  fi
  echo "$target: $(grep '^all instances:' "build/afl-$target.log")"
done
echo "== all tests passed in dev, asan and aarch64-qemu; the fuzz targets ran clean under libFuzzer and AFL++"
