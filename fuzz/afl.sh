#!/usr/bin/env bash
# afl.sh: builds the fuzz targets for AFL++ (afl-clang-fast, persistent mode through
# fuzz/afl_driver.c) and runs a bounded afl-fuzz campaign on one of them, with one
# instance or a main and secondaries sharing a sync directory.
#
#   fuzz/afl.sh [TARGET [SECONDS]]     TARGET: diff, module or asm (default module);
#                                      SECONDS: afl-fuzz -V (default 60)
#
#   AFL_INSTANCES=N    instances on this machine (default 1). With more than one, the
#                      first is the main (-M main-HOST) and the others secondaries
#                      (-S secondaryK-HOST); they exchange finds through the sync
#                      directory, as AFL++'s parallel mode does.
#   AFL_TARGETS_DIR=DIR  run DIR/tessera-fuzz-TARGET, as .clusterfuzzlite/build.sh built it
#                      for AFL++ (ASan, AFL++'s driver library; the dev preset's CTest
#                      contract/afl leaves them in build/dev/tests/contract-afl/out),
#                      instead of building build/afl.
#   AFL_SYNC_DIR=DIR   the sync directory (default build/afl/out-TARGET, emptied first).
#                      A DIR given here is never emptied: to fuzz from several machines,
#                      give each the same DIR on a shared file system; run one machine
#                      with AFL_MAIN=1 (the default) and the others with AFL_MAIN=0
#                      (secondaries only). Instance names carry the host name, so they
#                      never collide.
#
# Needs AFL++ (Debian: apt-get install afl++; 4.04c tested); scripts/install-deps.sh
# installs it, and scripts/test.sh runs each target for 10 s (module with two
# instances). The build goes to build/afl (the tree compiled by afl-clang-fast, release
# flags, no tests); the input corpus is corpora/TARGET, the dictionary fuzz/TARGET.dict
# when there is one. Crashes land in SYNC_DIR/INSTANCE/crashes; replay one with
# build/dev/fuzz/tessera-replay-TARGET FILE. At the end it prints each instance's
# execs_done, saved_crashes and saved_hangs and their sums, and exits 1 on a crash.
#
# The `module` target also gets the structure-aware mutator (fuzz/mutator.h) as an AFL++
# custom mutator: build/afl/libtessera-mutator.so, built from fuzz/mutator_afl.c with the
# plain compiler (it runs inside afl-fuzz, so no instrumentation), position-independent,
# in build/afl-mutator. AFL_TESSERA_MUTATOR=0 runs `module` without it, for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-module}
seconds=${2:-60}
case "$target" in diff|module|asm) ;; *) echo "afl.sh: unknown target '$target'" >&2; exit 2 ;; esac
command -v afl-clang-fast >/dev/null || { echo "afl.sh: afl-clang-fast not found (apt-get install afl++)" >&2; exit 2; }

build=build/afl
mkdir -p "$build"
if [ -n "${AFL_TARGETS_DIR:-}" ]; then
  program="$AFL_TARGETS_DIR/tessera-fuzz-$target"
  [ -x "$program" ] || { echo "afl.sh: no $program (AFL_TARGETS_DIR)" >&2; exit 2; }
else
  cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=afl-clang-fast \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$build" --target tessera_fuzz
  # The layers point down (fuzz <- oracle <- jit <- vm), so the archives link in that order.
  libs=("$build/fuzz/libtessera_fuzz.a" "$build/oracle/libtessera_oracle.a" "$build/jit/libtessera_jit.a"
    "$build/jit/libtessera_reloc.a" "$build/vm/libtessera_vm.a")
  for t in diff module asm; do
    afl-clang-fast -O2 -g -std=gnu11 -ffp-contract=off -fno-strict-aliasing \
      -Ivm -Ijit -Ioracle -Ifuzz fuzz/afl_driver.c "fuzz/target_$t.c" \
      "${libs[@]}" -lm -o "$build/tessera-afl-$t"
  done
  program="$build/tessera-afl-$target"
fi

mutator=()
if [ "$target" = module ] && [ "${AFL_TESSERA_MUTATOR:-1}" != 0 ]; then
  mbuild=build/afl-mutator
  cmake -S . -B "$mbuild" -G Ninja -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$mbuild" --target tessera_fuzz
  # Only the afl_custom_* functions are exported; the VM's symbols stay inside the library.
  "${CC:-clang}" -O2 -g -std=gnu11 -ffp-contract=off -fno-strict-aliasing -fPIC -fvisibility=hidden -shared \
    -Ivm -Ioracle -Ifuzz fuzz/mutator_afl.c "$mbuild/fuzz/libtessera_fuzz.a" "$mbuild/vm/libtessera_vm.a" \
    -Wl,--exclude-libs,ALL -Wl,--no-undefined -lm -o "$build/libtessera-mutator.so"
  mutator=(env "AFL_CUSTOM_MUTATOR_LIBRARY=$PWD/$build/libtessera-mutator.so")
fi

max_len=8192
[ "$target" = diff ] && max_len=4096
dict=()
[ -f "fuzz/$target.dict" ] && dict=(-x "fuzz/$target.dict")
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
instances=${AFL_INSTANCES:-1}
[[ "$instances" =~ ^[1-9][0-9]*$ ]] || { echo "afl.sh: AFL_INSTANCES must be a positive number" >&2; exit 2; }
sync=${AFL_SYNC_DIR:-$build/out-$target}
[ -n "${AFL_SYNC_DIR:-}" ] || rm -rf "$sync"
mkdir -p "$sync"
host=$(hostname -s 2>/dev/null || echo host)
pids=()
for k in $(seq 0 $((instances - 1))); do
  if [ "$k" = 0 ] && [ "${AFL_MAIN:-1}" != 0 ]; then role=(-M "main-$host"); else role=(-S "secondary$k-$host"); fi
  "${mutator[@]}" afl-fuzz -i "corpora/$target" -o "$sync" "${role[@]}" -V "$seconds" -G "$max_len" -t 1000 \
    "${dict[@]}" -- "$program" >"$sync/afl-fuzz-$k-$host.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
[ "$status" = 0 ] || { tail -20 "$sync"/afl-fuzz-*-"$host".log >&2; echo "afl.sh: afl-fuzz failed" >&2; exit 1; }
# Each instance's figures, then the sums over every instance in the sync directory.
total_execs=0 total_crashes=0 total_hangs=0
for stats in "$sync"/*/fuzzer_stats; do
  value() { awk -F: -v k="$1" '$1 ~ "^"k" *$" {gsub(/ /, "", $2); print $2}' "$stats"; }
  execs=$(value execs_done) crashes=$(value saved_crashes) hangs=$(value saved_hangs)
  echo "$(basename "$(dirname "$stats")"): execs_done $execs saved_crashes $crashes saved_hangs $hangs"
  total_execs=$((total_execs + execs)) total_crashes=$((total_crashes + crashes)) total_hangs=$((total_hangs + hangs))
done
echo "all instances: execs_done $total_execs saved_crashes $total_crashes saved_hangs $total_hangs"
[ "$total_crashes" = 0 ] || { echo "afl.sh: $total_crashes crashes in $sync/*/crashes" >&2; exit 1; }
