#!/bin/sh
# build_contract_test.sh ENGINE DIR: runs .clusterfuzzlite/build.sh as OSS-Fuzz and
# ClusterFuzzLite would for ENGINE with SANITIZER=address (libfuzzer: ASan, -fsanitize=fuzzer; afl:
# afl-clang-fast with ASan, AFL++'s driver library), with $OUT=DIR/out and $WORK=DIR/work,
# then checks what landed in $OUT: each target's binary, its .options (whose dict line
# names the dictionary beside it), its .dict where the target has one, and its seed
# corpus zip with every file of corpora/TARGET; and that each binary runs its corpus.
set -eu
engine=$1 dir=$2
src=$(cd "$(dirname "$0")/.." && pwd)
failed=0
fail() { echo "FAIL: $*"; failed=1; }
rm -rf "$dir/out"
mkdir -p "$dir/out" "$dir/work"
case "$engine" in
  libfuzzer)
    CC=clang
    # OSS-Fuzz's flags for SANITIZER=address. UBSan is the services' other build (the
    # workflows' matrix has both); here it would triple the compile time of the
    # interpreters for 10 s of fuzzing, and the asan preset runs every test under it.
    CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
    LIB_FUZZING_ENGINE=-fsanitize=fuzzer
    ;;
  afl)
    CC=afl-clang-fast CFLAGS="-O1 -g" LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a
    export AFL_USE_ASAN=1 AFL_QUIET=1
    ;;
  *) echo "build_contract_test.sh: ENGINE is libfuzzer or afl" >&2; exit 2 ;;
esac
export CC CFLAGS LIB_FUZZING_ENGINE OUT="$dir/out" WORK="$dir/work" SANITIZER=address FUZZING_ENGINE=$engine
"$src/.clusterfuzzlite/build.sh" >"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log"; fail "build.sh failed"; exit 1; }
for target in diff module asm; do
  name=tessera-fuzz-$target
  [ -x "$OUT/$name" ] || fail "$name is not in \$OUT"
  [ -f "$OUT/$name.options" ] || fail "$name.options is not in \$OUT"
  if [ -f "$src/fuzz/$target.dict" ]; then
    [ -f "$OUT/$name.dict" ] || fail "$name.dict is not in \$OUT"
    grep -q "^dict = $name.dict$" "$OUT/$name.options" || fail "$name.options does not name $name.dict"
  fi
  want=$(ls "$src/corpora/$target" | wc -l)
  got=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$OUT/${name}_seed_corpus.zip")
  [ "$got" = "$want" ] || fail "${name}_seed_corpus.zip holds $got files, corpora/$target $want"
  # Each binary runs every file of its corpus without a crash.
  if [ "$engine" = libfuzzer ]; then
    "$OUT/$name" -runs=0 -rss_limit_mb=4096 "$src/corpora/$target" >"$dir/$target.run.log" 2>&1 ||
      fail "$name does not run its corpus (see $dir/$target.run.log)"
  else
    for input in "$src/corpora/$target"/*; do
      "$OUT/$name" "$input" >"$dir/$target.run.log" 2>&1 || { fail "$name crashes on $input"; break; }
    done
  fi
done
[ "$failed" = 0 ] && echo "build_contract_test: $engine: $(ls "$OUT" | wc -l) files in \$OUT, all there"
exit $failed
