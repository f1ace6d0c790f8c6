#!/usr/bin/env bash
# bench/run.sh: runs the Tessera benchmarks under every tier and prints one table.
#
#   bench/run.sh [--build DIR] [--repeat N] [--tiers "ref t1"] [--peers] [BENCH...]
#
#   --build DIR    use DIR/cli/tessera as it is (no build). Without it, the release
#                  preset is configured and built first, and build/release is used.
#   --repeat N     runs per benchmark and tier; the best (lowest) time is kept
#                  (default 3).
#   --tiers LIST   the tiers to run, separated by spaces (default: every tier that
#                  `tessera tiers` lists).
#   --peers        also run each benchmark's peers, bench/peers/NAME.lua under
#                  lua5.4, luajit and luajit -joff, and bench/peers/NAME.py under
#                  python3 (each one that is installed), in the same interleaved
#                  repeats; their output must be Tessera's.
#   BENCH          a benchmark name (fib, or fib.tas, looked up in bench/) or a path
#                  to a .tas file. Default: every bench/*.tas, in name order.
#
# Each run is one process, `tessera run FILE --tier=T --json`, timed from outside
# (wall time, monotonic clock). The JSON observation (output, result, error, fuel,
# probe checksum, heap statistics) of every run must be identical across tiers and
# across repeats: a difference is a VM bug, reported on stderr, and the script exits 1
# after printing the table. Timings are never judged: this is a benchmark, not a test.
# Repeats are interleaved: repeat 1 runs every benchmark under every tier (and every
# peer), then repeat 2 does it again, and so on, so that a slow spell of the machine
# does not fall on one benchmark's or one tier's runs only.
# With --peers, each peer's stdout must equal the output of Tessera's observation,
# in every repeat; a difference is reported like a tier's disagreement.
#
# Exit status: 0 all tiers (and peers) agreed, 1 a tier or peer disagreed or a run
# failed, 2 bad usage or the build failed.
set -u

prog=$0
cmdline=$(printf '%q ' "$0" "$@")
cmdline=${cmdline% }

script_dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$script_dir/.." && pwd)

usage() {
  sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die_usage() {
  echo "$prog: $1" >&2
  echo "(usage: $prog [--build DIR] [--repeat N] [--tiers \"ref t1\"] [--peers] [BENCH...])" >&2
  exit 2
}

build_dir=""
repeat=3
tiers=""
tiers_given=0
with_peers=0
benches=()
while [ $# -gt 0 ]; do
  case $1 in
    --build) [ $# -ge 2 ] || die_usage "--build needs a directory"; build_dir=$2; shift 2 ;;
    --build=*) build_dir=${1#--build=}; shift ;;
    --repeat) [ $# -ge 2 ] || die_usage "--repeat needs a number"; repeat=$2; shift 2 ;;
    --repeat=*) repeat=${1#--repeat=}; shift ;;
    --tiers) [ $# -ge 2 ] || die_usage "--tiers needs a list"; tiers=$2; tiers_given=1; shift 2 ;;
    --tiers=*) tiers=${1#--tiers=}; tiers_given=1; shift ;;
    --peers) with_peers=1; shift ;;
    -h|--help) usage ;;
    --) shift; benches+=("$@"); break ;;
    -*) die_usage "unknown option '$1'" ;;
    *) benches+=("$1"); shift ;;
  esac
done
case $repeat in
  ''|*[!0-9]*) die_usage "--repeat needs a positive integer, not '$repeat'" ;;
esac
[ "$repeat" -ge 1 ] || die_usage "--repeat needs a positive integer, not '$repeat'"

# The binary: build the release preset unless a build directory was given.
if [ -z "$build_dir" ]; then
  build_dir=$root/build/release
  echo "$prog: building the release preset ..." >&2
  if ! (cd "$root" && cmake --preset release && cmake --build --preset release) >&2; then
    echo "$prog: the release build failed" >&2
    exit 2
  fi
fi
bin=$build_dir/cli/tessera
[ -x "$bin" ] || { echo "$prog: no tessera binary at $bin" >&2; exit 2; }

# The tiers.
if [ "$tiers_given" = 0 ]; then
  tiers=$("$bin" tiers | awk 'NF { print $1 }' | tr '\n' ' ')
fi
read -r -a tier_list <<< "$tiers"
[ ${#tier_list[@]} -gt 0 ] || die_usage "no tiers to run"
for t in "${tier_list[@]}"; do
  "$bin" tiers | awk '{ print $1 }' | grep -qx -- "$t" || die_usage "unknown tier '$t' (run '$bin tiers')"
done
has_ref=0
for t in "${tier_list[@]}"; do [ "$t" = ref ] && has_ref=1; done

# The benchmarks.
if [ ${#benches[@]} -eq 0 ]; then
  for f in "$script_dir"/*.tas; do [ -e "$f" ] && benches+=("$f"); done
  [ ${#benches[@]} -gt 0 ] || { echo "$prog: no benchmarks in $script_dir" >&2; exit 2; }
fi
files=()
names=()
for b in "${benches[@]}"; do
  if [ -f "$b" ]; then f=$b
  elif [ -f "$script_dir/$b" ]; then f=$script_dir/$b
  elif [ -f "$script_dir/$b.tas" ]; then f=$script_dir/$b.tas
  else die_usage "no benchmark '$b' (looked for $b, bench/$b and bench/$b.tas)"
  fi
  files+=("$f")
  n=$(basename "$f"); names+=("${n%.tas}")
done

# The peers (--peers): the programs bench/peers/NAME.lua and NAME.py, written to do
# what bench/NAME.tas does and print the same (bench/README.md, "Peers"). Each peer
# that is installed runs them; the others are reported as skipped in the header.
peer_list=()      # the peers that run, in table order
declare -A peer_bin peer_flag peer_ext peer_desc
skipped=()
if [ "$with_peers" = 1 ]; then
  if p=$(command -v lua5.4); then
    peer_list+=(lua5.4); peer_bin[lua5.4]=$p; peer_ext[lua5.4]=lua
    peer_desc[lua5.4]="lua5.4 ($("$p" -v 2>&1 | awk '{ print $1, $2; exit }'))"
  else
    skipped+=("lua5.4 (not installed)")
  fi
  if p=$(command -v luajit); then
    v=$("$p" -v 2>&1 | awk '{ print $1, $2; exit }')
    peer_list+=(luajit luajit-joff)
    peer_bin[luajit]=$p; peer_ext[luajit]=lua; peer_desc[luajit]="luajit ($v)"
    peer_bin[luajit-joff]=$p; peer_flag[luajit-joff]=-joff; peer_ext[luajit-joff]=lua
    peer_desc[luajit-joff]="luajit-joff (luajit -joff: its interpreter alone)"
  else
    skipped+=("luajit (not installed)" "luajit-joff (not installed)")
  fi
  # python3 may be a launcher (a pyenv shim starts a shell and pyenv itself, about
  # half a second): time the interpreter it starts.
  if p=$(command -v python3) && p=$("$p" -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$p" ]; then
    peer_list+=(python3); peer_bin[python3]=$p; peer_ext[python3]=py
    peer_desc[python3]="python3 ($("$p" --version 2>&1), $p)"
  else
    skipped+=("python3 (not installed)")
  fi
fi
# peer_file NAME PEER: the peer's program for benchmark NAME, or nothing.
peer_file() {
  local f=$script_dir/peers/$1.${peer_ext[$2]}
  [ -f "$f" ] && echo "$f"
}
# The peers' times are compared with jit's when jit runs, else with the last tier's.
vs_tier=${tier_list[${#tier_list[@]}-1]}
for t in "${tier_list[@]}"; do [ "$t" = jit ] && vs_tier=jit; done

# The clock: CLOCK_MONOTONIC through perl's Time::HiRes when it is there (the perl
# process starts the run and reads the clock around it, so its own start-up is not
# timed); otherwise `date +%s%N` (CLOCK_REALTIME) around the run.
if perl -MTime::HiRes=clock_gettime,CLOCK_MONOTONIC -e 1 2>/dev/null; then
  clock="CLOCK_MONOTONIC (perl Time::HiRes)"
  use_perl=1
else
  clock="date +%s%N (CLOCK_REALTIME; perl Time::HiRes not found)"
  use_perl=0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# timed OUT ERR CMD...: runs CMD with stdout in OUT and stderr in ERR; sets
# elapsed_ns and run_rc.
timed() {
  local out=$1 err=$2
  shift 2
  if [ "$use_perl" = 1 ]; then
    local res
    res=$(perl -MTime::HiRes=clock_gettime,CLOCK_MONOTONIC -e '
      my ($out, $err, @cmd) = @ARGV;
      open(my $report, ">&", \*STDOUT) or die "dup: $!";
      open(STDOUT, ">", $out) or die "$out: $!";
      open(STDERR, ">", $err) or die "$err: $!";
      my $t0 = clock_gettime(CLOCK_MONOTONIC);
      system { $cmd[0] } @cmd;
      my $t1 = clock_gettime(CLOCK_MONOTONIC);
      my $rc = $? == -1 ? 127 : ($? & 127) ? 128 + ($? & 127) : $? >> 8;
      printf $report "%.0f %d\n", ($t1 - $t0) * 1e9, $rc;' "$out" "$err" "$@")
    elapsed_ns=${res% *}
    run_rc=${res#* }
  else
    local t0 t1
    t0=$(date +%s%N)
    "$@" > "$out" 2> "$err"
    run_rc=$?
    t1=$(date +%s%N)
    elapsed_ns=$((t1 - t0))
  fi
}

fmt_s() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

declare -A best   # best[bench,tier] = ns, or "ERR"; best[bench,peer] too
declare -A obs    # obs[bench,tier] = the JSON observation of the first run
declare -A pbad   # pbad[bench,peer] = 1 when the peer's output differed
declare -A bad    # bad[bench] = 1 when some tier disagreed
status=0
for name in "${names[@]}"; do
  for t in "${tier_list[@]}"; do best[$name,$t]=""; done
  for p in "${peer_list[@]}"; do best[$name,$p]=""; done
done

# run_failed KEY WHAT: the run just made exited non-zero: said with its stderr, and
# KEY (bench,tier or bench,peer) has no time.
run_failed() {
  echo "$prog: ERROR: $2 exited with status $run_rc" >&2
  sed 's/^/    /' "$tmp/err" >&2
  best[$1]=ERR
  status=1
}
# keep_best KEY: the run just timed is KEY's best time when it beats the others.
keep_best() {
  if [ -z "${best[$1]}" ] || [ "$elapsed_ns" -lt "${best[$1]}" ]; then best[$1]=$elapsed_ns; fi
}

# expect_output I: writes to $tmp/expected.I the output of benchmark I's
# observation under the first tier that ran it (every tier's must be the same).
expect_output() {
  local name=${names[$1]} t
  for t in "${tier_list[@]}"; do
    [ -n "${obs[$name,$t]:-}" ] || continue
    if printf '%s' "${obs[$name,$t]}" | perl -MJSON::PP -e '
        binmode STDOUT;
        my $o = JSON::PP->new->decode(do { local $/; <STDIN> });
        print $o->{output};' > "$tmp/expected.$1" 2>/dev/null; then
      return 0
    fi
    # No JSON::PP: the output of one more run, without --json.
    "$bin" run "${files[$1]}" --tier="$t" > "$tmp/expected.$1" 2>/dev/null
    return 0
  done
  return 1
}

# Repeats are interleaved: each repeat runs every benchmark under every tier and
# peer once.
for ((r = 1; r <= repeat; r++)); do
  for i in "${!files[@]}"; do
    f=${files[$i]}
    name=${names[$i]}
    for t in "${tier_list[@]}"; do
      [ "${best[$name,$t]}" = ERR ] && continue
      echo "$prog: $name --tier=$t run $r/$repeat" >&2
      timed "$tmp/out" "$tmp/err" "$bin" run "$f" --tier="$t" --json
      if [ "$run_rc" != 0 ]; then
        run_failed "$name,$t" "$name under --tier=$t"
        continue
      fi
      o=$(cat "$tmp/out")
      if [ "$r" = 1 ]; then
        obs[$name,$t]=$o
      elif [ "$o" != "${obs[$name,$t]}" ]; then
        echo "$prog: ERROR: $name under --tier=$t is not deterministic: run $r differs from run 1" >&2
        echo "    run 1: ${obs[$name,$t]}" >&2
        echo "    run $r: $o" >&2
        status=1
      fi
      keep_best "$name,$t"
    done
    [ ${#peer_list[@]} -gt 0 ] || continue
    if [ "$r" = 1 ] && ! expect_output "$i"; then
      echo "$prog: ERROR: $name: no tier ran it, so its peers' output cannot be checked" >&2
      : > "$tmp/expected.$i"
      status=1
    fi
    for p in "${peer_list[@]}"; do
      [ "${best[$name,$p]}" = ERR ] && continue
      pf=$(peer_file "$name" "$p") || continue
      echo "$prog: $name $p run $r/$repeat" >&2
      timed "$tmp/out" "$tmp/err" "${peer_bin[$p]}" ${peer_flag[$p]:+"${peer_flag[$p]}"} "$pf"
      if [ "$run_rc" != 0 ]; then
        run_failed "$name,$p" "$name under peer $p"
        continue
      fi
      if ! cmp -s "$tmp/out" "$tmp/expected.$i"; then
        if [ -z "${pbad[$name,$p]:-}" ]; then
          echo "$prog: ERROR: $name: peer $p's output differs from Tessera's (run $r; ${pf#"$root"/})" >&2
          echo "    tessera: $(cat -v "$tmp/expected.$i")" >&2
          echo "    $p: $(cat -v "$tmp/out")" >&2
        fi
        pbad[$name,$p]=1
        status=1
      fi
      keep_best "$name,$p"
    done
  done
done

# Every tier must give the observation of the first tier (ref when it is run).
base=${tier_list[0]}
for name in "${names[@]}"; do
  [ "${best[$name,$base]}" = ERR ] && continue
  for t in "${tier_list[@]:1}"; do
    [ "${best[$name,$t]}" = ERR ] && continue
    if [ "${obs[$name,$t]}" != "${obs[$name,$base]}" ]; then
      echo "$prog: ERROR: $name: tier $t disagrees with tier $base (a VM bug)" >&2
      echo "    $base: ${obs[$name,$base]}" >&2
      echo "    $t: ${obs[$name,$t]}" >&2
      bad[$name]=1
      status=1
    fi
  done
done

# The report.
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit + uncommitted changes"
fi
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
echo "command: $cmdline"
echo "machine: $(uname -m), nproc $(nproc)${cpu:+, $cpu}"
echo "binary:  $bin (commit $commit)"
if [ "$with_peers" = 1 ]; then
  peers_line=""
  for p in "${peer_list[@]}"; do peers_line+="${peers_line:+, }${peer_desc[$p]}"; done
  skipped_line=""
  for p in "${skipped[@]}"; do skipped_line+="${skipped_line:+, }$p"; done
  echo "peers:   ${peers_line:-none}; skipped: ${skipped_line:-none}"
  echo "timing:  best of $repeat (repeats interleaved), wall seconds per process: 'tessera run FILE --tier=T --json', or a peer's 'lua5.4|luajit|luajit -joff bench/peers/NAME.lua' or 'python3 bench/peers/NAME.py'; clock $clock"
  echo "ratios:  peer/$vs_tier = peer time / $vs_tier time (above 1: $vs_tier is faster)"
else
  echo "timing:  best of $repeat, wall seconds per 'tessera run FILE --tier=T --json' process; clock $clock"
fi
echo

w=10
for name in "${names[@]}"; do [ ${#name} -gt $w ] && w=${#name}; done
declare -A pw     # the width of a peer's time column
for p in "${peer_list[@]}"; do pw[$p]=9; [ ${#p} -gt 9 ] && pw[$p]=${#p}; done
{
printf "%-${w}s" benchmark
for t in "${tier_list[@]}"; do printf "  %9s" "$t"; done
for p in "${peer_list[@]}"; do printf "  %${pw[$p]}s" "$p"; done
if [ "$has_ref" = 1 ]; then
  for t in "${tier_list[@]}"; do [ "$t" = ref ] || printf "  %-14s" "speedup"; done
fi
for p in "${peer_list[@]}"; do printf "  %-18s" "peer/$vs_tier"; done
echo
declare -A logsum count
for name in "${names[@]}"; do
  printf "%-${w}s" "$name"
  for t in "${tier_list[@]}"; do
    v=${best[$name,$t]}
    if [ "$v" = ERR ]; then printf "  %9s" ERR; else printf "  %8ss" "$(fmt_s "$v")"; fi
  done
  for p in "${peer_list[@]}"; do
    v=${best[$name,$p]}
    if [ "$v" = ERR ]; then printf "  %${pw[$p]}s" ERR
    elif [ -z "$v" ]; then printf "  %${pw[$p]}s" "-"
    else printf "  %$((pw[$p] - 1))ss" "$(fmt_s "$v")"
    fi
  done
  if [ "$has_ref" = 1 ]; then
    for t in "${tier_list[@]}"; do
      [ "$t" = ref ] && continue
      rv=${best[$name,ref]} tv=${best[$name,$t]}
      if [ "$rv" = ERR ] || [ "$tv" = ERR ]; then
        printf "  %-14s" "$t -"
      else
        printf "  %-14s" "$t x$(awk -v a="$rv" -v b="$tv" 'BEGIN { printf "%.2f", a / b }')"
        logsum[$t]=$(awk -v s="${logsum[$t]:-0}" -v a="$rv" -v b="$tv" 'BEGIN { printf "%.17g", s + log(a / b) }')
        count[$t]=$(( ${count[$t]:-0} + 1 ))
      fi
    done
  fi
  differ=""
  for p in "${peer_list[@]}"; do
    pv=${best[$name,$p]} jv=${best[$name,$vs_tier]}
    if [ "$pv" = ERR ] || [ -z "$pv" ] || [ "$jv" = ERR ]; then
      printf "  %-18s" "$p -"
    else
      printf "  %-18s" "$p x$(awk -v a="$pv" -v b="$jv" 'BEGIN { printf "%.2f", a / b }')"
      logsum[$p]=$(awk -v s="${logsum[$p]:-0}" -v a="$pv" -v b="$jv" 'BEGIN { printf "%.17g", s + log(a / b) }')
      count[$p]=$(( ${count[$p]:-0} + 1 ))
    fi
    [ -n "${pbad[$name,$p]:-}" ] && differ+="${differ:+ }$p"
  done
  if [ -n "${bad[$name]:-}" ] || [ -n "$differ" ]; then
    printf "  MISMATCH"
    [ -n "$differ" ] && printf " (peers: %s)" "$differ"
  fi
  echo
done
if { [ "$has_ref" = 1 ] && [ ${#tier_list[@]} -gt 1 ]; } || [ ${#peer_list[@]} -gt 0 ]; then
  printf "%-${w}s" geomean
  for t in "${tier_list[@]}"; do printf "  %9s" ""; done
  for p in "${peer_list[@]}"; do printf "  %${pw[$p]}s" ""; done
  if [ "$has_ref" = 1 ]; then
    for t in "${tier_list[@]}"; do
      [ "$t" = ref ] && continue
      if [ -n "${count[$t]:-}" ]; then
        printf "  %-14s" "$t x$(awk -v s="${logsum[$t]}" -v n="${count[$t]}" 'BEGIN { printf "%.2f", exp(s / n) }')"
      else
        printf "  %-14s" "$t -"
      fi
    done
  fi
  for p in "${peer_list[@]}"; do
    if [ -n "${count[$p]:-}" ]; then
      printf "  %-18s" "$p x$(awk -v s="${logsum[$p]}" -v n="${count[$p]}" 'BEGIN { printf "%.2f", exp(s / n) }')"
    else
      printf "  %-18s" "$p -"
    fi
  done
  echo
fi
} | sed 's/ *$//'

if [ "$status" != 0 ]; then
  echo >&2
  echo "$prog: FAILED: a run failed, or a tier or a peer disagreed (details above)" >&2
fi
exit "$status"
