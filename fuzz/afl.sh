#!/usr/bin/env bash
# afl.sh: builds the fuzz targets for AFL++ (afl-clang-fast, persistent mode through
# fuzz/afl_driver.c) and runs a bounded afl-fuzz campaign on one of them.
#
#   fuzz/afl.sh [TARGET [SECONDS]]     TARGET: diff, module or asm (default module);
#                                      SECONDS: afl-fuzz -V (default 60)
#
# Needs AFL++ (Debian: apt-get install afl++; 4.04c tested); scripts/install-deps.sh
# installs it, and scripts/test.sh runs each target for 10 s. The build goes to
# build/afl (the tree compiled by afl-clang-fast, release flags, no tests), the campaign to
# build/afl/out-TARGET; the input corpus is corpora/TARGET, the dictionary
# fuzz/TARGET.dict when there is one. Crashes land in build/afl/out-TARGET/default/crashes;
# replay one with build/dev/fuzz/tessera-replay-TARGET FILE.
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
rm -rf "$build/out-$target"
"${mutator[@]}" afl-fuzz -i "corpora/$target" -o "$build/out-$target" -V "$seconds" -G "$max_len" -t 1000 \
  "${dict[@]}" -- "$build/tessera-afl-$target"
stats="$build/out-$target/default/fuzzer_stats"
grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs)' "$stats"
crashes=$(awk -F: '/^saved_crashes/ {gsub(/ /, "", $2); print $2}' "$stats")
[ "${crashes:-0}" = 0 ] || { echo "afl.sh: $crashes crashes in $build/out-$target/default/crashes" >&2; exit 1; }
