#!/usr/bin/env bash
# xdiff.sh: the cross-architecture differential run. Generates a batch of programs from
# fixed seeds (the fuzzer's generator), runs each in every configuration of the oracle's
# matrix natively (x86-64) and under qemu-aarch64, and compares every observation across
# architectures as well as across tiers (the campaign itself fails on a tier divergence).
#
#   qemu/xdiff.sh [--programs N] [--seed S] [--native DIR] [--aarch64 DIR] [--out DIR]
#
# Defaults: 2000 programs from seed 1; native build build/release, AArch64 build
# build/aarch64-qemu (each is configured and built when its binary is missing); saved
# differences go to reports/xarch. A difference is saved like any divergence, in
# OUT/arch-aarch64-CONFIG-SEED/: program.tas (the generated program, replayable with
# `tessera repro` on either architecture), x86_64.json and aarch64.json (the two
# observations), and the signature names the architecture.
# Exit 0 when everything agrees, 1 on any difference, 2 on bad usage or a failed build.
set -euo pipefail
cd "$(dirname "$0")/.."

programs=2000 seed=1 native=build/release cross=build/aarch64-qemu out=reports/xarch
while [ $# -gt 0 ]; do
  case "$1" in
    --programs) programs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --native) native=$2; shift 2 ;;
    --aarch64) cross=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--programs N] [--seed S] [--native DIR] [--aarch64 DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done

build() {  # build PRESET DIR: configure and build the preset when DIR has no binary
  if [ ! -x "$2/cli/tessera" ]; then
    cmake --preset "$1" >/dev/null && cmake --build --preset "$1" >/dev/null || { echo "$0: cannot build $1" >&2; exit 2; }
  fi
}
build release "$native"
build aarch64-qemu "$cross"
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=(fuzz --programs="$programs" --seed="$seed" --jobs=1 --out="$tmp/divergences")
start=$(date +%s)
echo "x86_64:  $native/cli/tessera ${args[*]} --observations=..."
"$native/cli/tessera" "${args[@]}" --observations="$tmp/x86_64.txt" 2>"$tmp/x86_64.log" || {
  tail -3 "$tmp/x86_64.log" >&2; echo "$0: the native campaign found a tier divergence or failed" >&2; exit 1; }
tail -1 "$tmp/x86_64.log"
echo "aarch64: qemu-aarch64 $cross/cli/tessera ${args[*]} --observations=..."
"${qemu[@]}" "$cross/cli/tessera" "${args[@]}" --observations="$tmp/aarch64.txt" 2>"$tmp/aarch64.log" || {
  tail -3 "$tmp/aarch64.log" >&2; echo "$0: the AArch64 campaign found a tier divergence or failed" >&2; exit 1; }
tail -1 "$tmp/aarch64.log"

lines=$(wc -l <"$tmp/x86_64.txt")
if cmp -s "$tmp/x86_64.txt" "$tmp/aarch64.txt"; then
  echo "xdiff: $programs programs, $lines observations: x86_64 and aarch64 agree everywhere ($(( $(date +%s) - start ))s)"
  exit 0
fi
# Save each differing (seed, configuration) like a divergence.
mkdir -p "$out"
paste -d '\n' "$tmp/x86_64.txt" "$tmp/aarch64.txt" | paste - - | while IFS=$'\t' read -r a b; do
  [ "$a" = "$b" ] && continue
  s=${a%% *}; rest=${a#* }; config=${rest%% *}
  dir="$out/arch-aarch64-${config//\//-}-$s"
  mkdir -p "$dir"
  "$native/fuzz/tessera-gen" --seed "$s" >"$dir/program.tas" || true
  printf '%s\n' "${a#* * }" >"$dir/x86_64.json"
  printf '%s\n' "${b#* * }" >"$dir/aarch64.json"
  echo "DIFFERENCE seed $s config $config: saved in $dir"
done
echo "xdiff: x86_64 and aarch64 differ; see $out" >&2
exit 1
