#!/usr/bin/env bash
# compare.sh: two Tessera builds timed against each other over several placements of
# the value stack and the frame array (tessera run --placement), so that a change is
# not credited with what the placement alone does (bench/README.md, "Comparing two
# builds").
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/compare.sh [--tier T] [--repeat N] [--placements "0 1 ..."] OLD NEW [BENCH...]

  OLD, NEW       two tessera binaries (build/release/cli/tessera, or a copy of it)
  --tier T       the tier to time (default: jit)
  --repeat N     runs of each binary at each placement, the best kept (default: 2)
  --placements L the placements (tessera run --placement), separated by spaces
                 (default: "0 1 2 3 5 8 13 21 34 55")
  BENCH          a benchmark name (fib, looked up in bench/) or a .tas path; default:
                 every bench/*.tas

For each benchmark: the mean over the placements of each binary's best time, the
lowest and highest of those, and NEW's mean over OLD's (below 1: NEW is faster). Runs
are interleaved (OLD then NEW at each placement and repeat), each pinned to one core
with taskset when it is there. Exit 0, 1 when a run failed or the two printed
different output, 2 on bad usage.
EOF
}

tier=jit repeat=2 offsets="0 1 2 3 5 8 13 21 34 55"
while [ $# -gt 0 ]; do
  case "$1" in
    --tier) tier=${2:?}; shift 2 ;;
    --tier=*) tier=${1#*=}; shift ;;
    --repeat) repeat=${2:?}; shift 2 ;;
    --repeat=*) repeat=${1#*=}; shift ;;
    --placements) offsets=${2:?}; shift 2 ;;
    --placements=*) offsets=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "bench/compare.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then usage >&2; exit 2; fi
old=$1 new=$2
shift 2
case "$repeat" in ''|*[!0-9]*|0) echo "bench/compare.sh: --repeat must be a positive number, not '$repeat'" >&2; exit 2 ;; esac
for bin in "$old" "$new"; do
  [ -x "$bin" ] || { echo "bench/compare.sh: '$bin' is not an executable" >&2; exit 2; }
done
here=$(cd "$(dirname "$0")" && pwd)
benches=()
if [ $# -eq 0 ]; then
  for f in "$here"/*.tas; do benches+=("$f"); done
else
  for b in "$@"; do
    if [ -f "$b" ]; then benches+=("$b")
    elif [ -f "$here/${b%.tas}.tas" ]; then benches+=("$here/${b%.tas}.tas")
    else echo "bench/compare.sh: no benchmark '$b'" >&2; exit 2
    fi
  done
fi
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); fi

# Wall seconds of one run (CLOCK_MONOTONIC through perl, as bench/run.sh); its output
# into the file $2.
time_run() {
  perl -MTime::HiRes=clock_gettime,CLOCK_MONOTONIC -e '
    my $t = clock_gettime(CLOCK_MONOTONIC);
    open(STDOUT, ">", shift @ARGV) or die;
    my $rc = system(@ARGV);
    printf STDERR "%.6f %d\n", clock_gettime(CLOCK_MONOTONIC) - $t, $rc >> 8;
  ' "$2" "${pin[@]}" $1 2>&1 >/dev/null | tail -1
}

status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-12s %-34s %-34s %s\n' benchmark "old: mean (min-max)" "new: mean (min-max)" new/old
for bench in "${benches[@]}"; do
  name=$(basename "$bench" .tas)
  declare -A best=()
  for o in $offsets; do
    for r in $(seq "$repeat"); do
      for which in old new; do
        bin=$old
        [ $which = new ] && bin=$new
        echo "bench/compare.sh: $name placement $o run $r/$repeat $which" >&2
        read -r secs rc < <(time_run "$bin run --tier=$tier --placement=$o $bench" "$tmp/$which.out")
        if [ "$rc" != 0 ]; then
          echo "bench/compare.sh: $name failed under $which (exit $rc)" >&2
          status=1
        fi
        key="$which,$o"
        if [ -z "${best[$key]:-}" ] || perl -e 'exit !($ARGV[0] < $ARGV[1])' "$secs" "${best[$key]}"; then
          best[$key]=$secs
        fi
      done
      if ! cmp -s "$tmp/old.out" "$tmp/new.out"; then
        echo "bench/compare.sh: $name prints differently under the two builds" >&2
        status=1
      fi
    done
  done
  line=$(for which in old new; do
    for o in $offsets; do printf '%s %s\n' "$which" "${best[$which,$o]}"; done
  done | perl -e '
    my (%sum, %n, %lo, %hi);
    while (<STDIN>) {
      my ($w, $t) = split;
      $sum{$w} += $t; $n{$w}++;
      $lo{$w} = $t if !defined $lo{$w} || $t < $lo{$w};
      $hi{$w} = $t if !defined $hi{$w} || $t > $hi{$w};
    }
    my %m = map { $_ => $sum{$_} / $n{$_} } keys %sum;
    printf "%-34s %-34s %.3f\n", sprintf("%.4fs (%.4f-%.4f)", $m{old}, $lo{old}, $hi{old}),
      sprintf("%.4fs (%.4f-%.4f)", $m{new}, $lo{new}, $hi{new}), $m{new} / $m{old};')
  printf '%-12s %s\n' "$name" "$line"
  unset best
done
echo "command: bench/compare.sh --tier $tier --repeat $repeat --placements \"$offsets\" $old $new ${*:-}"
exit $status
