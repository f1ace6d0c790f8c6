#!/bin/bash -eu
# build.sh: builds Tessera's fuzz targets the way OSS-Fuzz and ClusterFuzzLite build a
# project: with the service's $CC and $CFLAGS (its sanitizer and coverage flags) and
# linked with $LIB_FUZZING_ENGINE (libFuzzer: -fsanitize=fuzzer; AFL++: its driver
# library), into $OUT as tessera-fuzz-diff, tessera-fuzz-module and tessera-fuzz-asm,
# each beside its NAME.options, NAME.dict (when the target has a dictionary) and
# NAME_seed_corpus.zip (corpora/TARGET). $WORK, when set, holds the build tree.
#
# The service runs it from the project's directory inside .clusterfuzzlite/Dockerfile's
# image; anyone can run it with the same variables (tests/build_contract_test.sh does, for
# libFuzzer and for AFL++, and checks what lands in $OUT; docs/ci.md). The JIT's stencils
# are compiled by clang whatever $CC is, as in every build.
root=$(cd "$(dirname "$0")/.." && pwd)
: "${CC:?set CC}" "${OUT:?set OUT}" "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
CFLAGS=${CFLAGS:-}
work=${WORK:-$root/build/cflite}/tessera
mkdir -p "$OUT" "$work"

# The libraries, instrumented with the service's flags; no tests, warnings not fatal
# (the service's flags are not ours).
cmake -S "$root" -B "$work" -G Ninja -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DTESSERA_WERROR=OFF >/dev/null
cmake --build "$work" --target tessera_fuzz
# The layers point down (fuzz <- oracle <- jit <- vm), so the archives link in that order.
libs=("$work/fuzz/libtessera_fuzz.a" "$work/oracle/libtessera_oracle.a" "$work/jit/libtessera_jit.a"
  "$work/jit/libtessera_reloc.a" "$work/vm/libtessera_vm.a")

for target in diff module asm; do
  name=tessera-fuzz-$target
  sources=("$root/fuzz/target_$target.c")
  # module mutates programs, not bytes: libFuzzer's custom mutator hooks (AFL++'s
  # drivers ignore them; fuzz/afl.sh loads the AFL++ custom mutator instead).
  [ "$target" = module ] && sources+=("$root/fuzz/mutator_libfuzzer.c")
  # shellcheck disable=SC2086  # CFLAGS and LIB_FUZZING_ENGINE are lists of flags
  $CC $CFLAGS -std=gnu11 -ffp-contract=off -fno-strict-aliasing \
    -I"$root/vm" -I"$root/jit" -I"$root/oracle" -I"$root/fuzz" "${sources[@]}" "${libs[@]}" \
    $LIB_FUZZING_ENGINE -lm -o "$OUT/$name"
  # Options and dictionary take the binary's name; the options' dict line follows.
  sed "s/^dict = .*/dict = $name.dict/" "$root/fuzz/$target.options" >"$OUT/$name.options"
  [ -f "$root/fuzz/$target.dict" ] && cp "$root/fuzz/$target.dict" "$OUT/$name.dict"
  rm -f "$OUT/${name}_seed_corpus.zip"
  (cd "$root/corpora/$target" && python3 -m zipfile -c "$OUT/${name}_seed_corpus.zip" ./*)
done
echo "build.sh: $(ls "$OUT" | tr '\n' ' ')"
