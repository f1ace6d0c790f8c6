#!/bin/sh
# cli_test.sh: the command line's contract: exit statuses, where messages go, and the
# asm/dis round trip through files. usage: cli_test.sh TESSERA SOURCE_DIR [sample]
T=$1
SRC=$2
# sample (a slow build, ASan or QEMU: tests/CMakeLists.txt passes it with
# TESSERA_TEST_SAMPLE): the same checks, on fewer programs. Under ASan every divergent
# program a campaign meets costs 0.4 s, 40 times the release build's (localizing it runs
# it again many times, and ASan's allocator dominates); the dev build runs them all.
FINDS=40      # programs of the campaigns under the t1 fault (of seed 7, most diverge)
REDUCE_ALL="" # reduce a find to the end; bounded where each candidate is slow
CORPUS_FINDS=""  # programs of the campaign under the fault on a corpus: all it holds
if [ "${3:-}" = sample ]; then FINDS=10 REDUCE_ALL="--seconds=5" CORPUS_FINDS=10; fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

# expect_status WANT DESCRIPTION COMMAND...: runs the command, checks its exit status.
expect_status() {
  want=$1; what=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  got=$?
  if [ "$got" = "$want" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $what: exit $got, want $want"; cat "$TMP/err"; fi
}

# expect_grep FILE PATTERN DESCRIPTION
expect_grep() {
  if grep -q -- "$2" "$1"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $3: '$2' not in $1:"; cat "$1"; fi
}

# expect_no_grep FILE PATTERN DESCRIPTION
expect_no_grep() {
  if grep -q -- "$2" "$1"; then
    failed=$((failed + 1)); echo "FAIL: $3: '$2' in $1:"; cat "$1"; else passed=$((passed + 1)); fi
}

# expect_same FILE DESCRIPTION: the last command's stdout is the same as FILE.
expect_same() {
  if cmp -s "$TMP/out" "$1"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $2: stdout differs from $1:"; diff "$1" "$TMP/out" | head -5; fi
}

# expect_usage_error MESSAGE DESCRIPTION COMMAND...: exit 2, and stderr's first line is
# exactly "tessera: MESSAGE".
expect_usage_error() {
  msg=$1; what=$2; shift 2
  expect_status 2 "$what" "$@"
  if [ "$(head -1 "$TMP/err")" = "tessera: $msg" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $what: want 'tessera: $msg', got:"; cat "$TMP/err"; fi
}

expect_status 0 "run a good program" "$T" run "$SRC/examples/fib.tas"
expect_grep "$TMP/out" "^610$" "program output on stdout"
expect_status 1 "runtime error" "$T" run "$SRC/examples/errors.tas"
expect_grep "$TMP/err" "runtime error: division_by_zero in divide at offset 6" "error kind and location on stderr"
expect_grep "$TMP/out" "^dividing$" "output before the error is kept"
expect_status 1 "missing map key" "$T" run "$SRC/tests/lang/map_missing_key.tas"
expect_grep "$TMP/err" "runtime error: index in main at offset 12: key 2 not in map" "the missing key named"
# Builtins' details (docs/semantics.md section 28), which language tests cannot see: the
# type name builtin, and the details of each check.
expect_status 1 "ordering builtins" "$T" run "$SRC/tests/lang/builtin_unordered.tas"
expect_grep "$TMP/err" "runtime error: type in main at offset 68: cannot order builtin and builtin" "a builtin's type name"
expect_status 1 "a builtin map key" "$T" run "$SRC/tests/lang/builtin_map_key.tas"
expect_grep "$TMP/err" "runtime error: type in main at offset 36: builtin cannot be a map key" "a builtin key"
expect_status 1 "builtin arity" "$T" run "$SRC/tests/lang/builtin_arity_no_fuel.tas"
expect_grep "$TMP/err" "runtime error: arity in main at offset 18: sqrt takes 1 arguments, called with 2" "builtin arity detail"
expect_status 1 "builtin of two kinds" "$T" run "$SRC/tests/lang/builtin_minmax_type.tas"
expect_grep "$TMP/err" "runtime error: type in main at offset 75: max of string and int" "builtin type detail"
expect_status 1 "chr out of range" "$T" run "$SRC/tests/lang/builtin_chr_range.tas"
expect_grep "$TMP/err" "runtime error: conversion in main at offset 17: chr of 256: not a byte" "chr detail"
expect_status 1 "ord of two bytes" "$T" run "$SRC/tests/lang/builtin_ord_length.tas"
expect_grep "$TMP/err" "runtime error: conversion in main at offset 17: ord of a string of 2 bytes" "ord detail"
expect_status 1 "runtime error with --json" "$T" run --json "$SRC/examples/errors.tas"
expect_grep "$TMP/out" '"error":{"kind":"division_by_zero","function":"divide","offset":6' "JSON error field"
expect_status 0 "json run" "$T" run --json "$SRC/examples/sieve.tas"
expect_grep "$TMP/out" '"result":"15"' "JSON result field"
expect_grep "$TMP/out" '"heap_objects":' "JSON heap field"
expect_status 0 "stats run" "$T" run --stats "$SRC/examples/sieve.tas"
expect_grep "$TMP/err" "stats: tier=ref" "stats on stderr"
expect_status 0 "switch dispatch" "$T" run --dispatch=switch "$SRC/examples/sieve.tas"
expect_status 1 "fuel limit" "$T" run --fuel=10 "$SRC/examples/sieve.tas"
expect_grep "$TMP/err" "runtime error: fuel in main" "fuel error"

printf 'garbage' >"$TMP/bad.tsm"
expect_status 2 "invalid text module" "$T" run "$TMP/bad.tsm"
expect_grep "$TMP/err" "invalid module" "invalid module message"
printf 'TSMD\003\000\000\000' >"$TMP/trunc.tsm"
expect_status 2 "truncated binary module" "$T" run "$TMP/trunc.tsm"
expect_grep "$TMP/err" "module offset 8: truncated" "truncation names the offset"
printf 'TSMD\001\000\000\000' >"$TMP/old.tsm"
expect_status 2 "module of an older version" "$T" run "$TMP/old.tsm"
expect_grep "$TMP/err" "unsupported version 1 (this VM reads version 3: assemble the module again)" "an old module says how to fix it"
expect_status 2 "missing file" "$T" run "$TMP/nope.tas"
expect_status 2 "no command" "$T"
mv "$TMP/err" "$TMP/no-command.err"
expect_status 0 "no command: nothing on stdout" test ! -s "$TMP/out"
expect_status 2 "unknown command" "$T" frobnicate
expect_status 2 "unknown tier" "$T" run --tier=warp "$SRC/examples/fib.tas"
expect_status 2 "bad limit" "$T" run --fuel=lots "$SRC/examples/fib.tas"
expect_status 2 "unknown option" "$T" run --frob "$SRC/examples/fib.tas"
expect_status 0 "help" "$T" help
expect_status 0 "tiers" "$T" tiers
expect_grep "$TMP/out" "^ref " "tier list"

for f in "$SRC"/examples/*.tas; do
  name=$(basename "$f" .tas)
  expect_status 0 "asm $name" "$T" asm "$f" -o "$TMP/$name.tsm"
  expect_status 0 "dis $name" "$T" dis "$TMP/$name.tsm"
  cp "$TMP/out" "$TMP/$name.dis.tas"
  expect_status 0 "re-asm $name" "$T" asm "$TMP/$name.dis.tas" -o "$TMP/$name.2.tsm"
  expect_status 0 "round trip $name" cmp "$TMP/$name.tsm" "$TMP/$name.2.tsm"
  expect_status 0 "run binary $name" "$T" diff "$TMP/$name.tsm"
done
expect_status 0 "diff agrees" "$T" diff "$SRC"/examples/fib.tas "$SRC"/examples/sieve.tas
expect_grep "$TMP/out" "2 module(s), 0 divergence(s)" "diff summary"

# A program that crashes its worker is saved, and the campaign goes on from the next
# program (fuzz/engine.c, "Crashes and hangs"): --test-crash-at makes program 20 raise
# SIGSEGV, with one job and with two; the saved input must replay.
for jobs in 1 2; do
  expect_status 1 "a campaign survives a crash ($jobs jobs)" "$T" fuzz --programs=60 --seed=7 --jobs=$jobs \
    --test-crash-at=20 --out="$TMP/crash$jobs"
  expect_grep "$TMP/err" "crashed the VM (signal 11); its input is saved: tessera repro" "a crash names its saved input"
  expect_grep "$TMP/err" "job [01]: the program at seed [0-9]* crashed the VM" "the parent names the crash"
  expect_grep "$TMP/err" "summary: 60 programs .*; 1 crashes, 0 hangs" "the campaign ran every program and counted the crash"
done
# The campaign's reports (fuzz/report.h) parse as JSON, SARIF and JUnit XML, agree, and
# list every find, the crash included (the finds directory also holds the triage
# registry, triage.tsv); each saved find names the build that found it.
expect_status 1 "a campaign with reports" "$T" fuzz --programs=$FINDS --seed=7 --fault=t1-sub-adds --test-crash-at=5 --reduce-seconds=0 \
  --out="$TMP/rep-out" --report="$TMP/rep"
expect_grep "$TMP/err" "report: $TMP/rep/campaign-7.json" "the reports are named"
expect_status 0 "the reports parse and agree" python3 "$SRC/tests/check_report.py" "$TMP/rep" 7 "$(ls "$TMP/rep-out" | grep -vc '\.tsv$')"
expect_grep "$(ls "$TMP"/rep-out/*/report.txt | head -1)" "^found by: tessera [0-9.]*, commit " "a find records the build"
saved=$(ls "$TMP"/crash1/crash-*.gen 2>/dev/null | head -1)
expect_status 0 "the crash input replays" "$T" repro --fuel=20000 --max-depth=64 --max-heap=65536 --max-output=65536 "${saved:-$TMP/none}"
# --json: the progress as JSON lines on stdout, the last one final, with every count.
expect_status 0 "fuzz --json" "$T" fuzz --programs=20 --seed=3 --json --out="$TMP/fz-json" --report="$TMP/fz-json-rep"
cp "$TMP/out" "$TMP/json.txt"
expect_status 0 "the last JSON line is final and counts 20 programs" python3 -c \
  'import json, sys; d = json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(not (d["final"] and d["counts"]["programs"] == 20 and "jit" in d["counts"]["reach"]))' "$TMP/json.txt"
expect_usage_error "--json and --observations=- both want stdout" "fuzz --json --observations=-" "$T" fuzz --json --observations=-
# A campaign without --seed takes a fresh one and prints it; the same --seed runs the same programs.
expect_status 0 "a fresh seed" "$T" fuzz --programs=3 --out="$TMP/fresh"
expect_grep "$TMP/err" "^\[fuzz\] seed [0-9]* (fresh: --seed=it runs this campaign again)" "the fresh seed is printed"

# --corpus (fuzz/corpus.h): a campaign keeps the programs that cover something new, and
# the next one on the same corpus runs them first, so it starts from the same coverage.
json_final() { python3 -c 'import json, sys; d = json.loads(open(sys.argv[1]).read().splitlines()[-1])["counts"]; print(d[sys.argv[2]] if sys.argv[2] != "coverage" else d["coverage"]["all"])' "$@"; }
expect_status 0 "a campaign keeps a corpus" "$T" fuzz --programs=120 --seed=7 --corpus="$TMP/corpus" --json \
  --out="$TMP/corpus-out" --report="$TMP/corpus-rep"
cp "$TMP/out" "$TMP/corpus1.json"
kept=$(ls "$TMP/corpus" | wc -l)
expect_status 0 "it kept programs ($kept), as many as it counted" test "$kept" -gt 0 -a "$kept" -le "$(json_final "$TMP/corpus1.json" kept)"
expect_status 0 "the corpus runs again" "$T" fuzz --programs="$kept" --seed=8 --corpus="$TMP/corpus" --json \
  --out="$TMP/corpus-out" --report="$TMP/corpus-rep"
cp "$TMP/out" "$TMP/corpus2.json"
expect_grep "$TMP/err" "corpus run again in [0-9.]*s: coverage $(json_final "$TMP/corpus1.json" coverage) features" \
  "the second campaign starts from the first's coverage"
expect_status 0 "it ran every kept program and kept nothing more" \
  test "$(json_final "$TMP/corpus2.json" replayed)" = "$kept" -a "$(json_final "$TMP/corpus2.json" kept)" = 0
expect_status 0 "a campaign mutates its corpus" "$T" fuzz --programs=$((kept + 60)) --seed=9 --jobs=2 --corpus="$TMP/corpus" \
  --json --out="$TMP/corpus-out" --report="$TMP/corpus-rep"
expect_status 0 "mutated programs ran" test "$(json_final "$TMP/out" mutated)" -gt 0
# --prune keeps the programs that cover what the whole corpus covers, and no more.
expect_status 0 "prune the corpus" "$T" fuzz --prune --corpus="$TMP/corpus" --out="$TMP/corpus-out"
features=$(sed -n 's/.* programs kept, covering \([0-9]*\) features.*/\1/p' "$TMP/err")
expect_status 0 "it says what it kept" test -n "$features"
left=$(ls "$TMP/corpus" | wc -l)
expect_status 0 "the pruned corpus covers as much" "$T" fuzz --programs="$left" --seed=9 --corpus="$TMP/corpus" \
  --out="$TMP/corpus-out" --report="$TMP/corpus-rep"
expect_grep "$TMP/err" "corpus run again in [0-9.]*s: coverage $features features" "pruning lost no feature"
expect_usage_error "--prune needs --corpus=DIR" "fuzz --prune without a corpus" "$T" fuzz --prune
# --arch: a name it knows, and an AArch64 build that is there (scripts/test.sh runs the
# campaigns on both architectures, which need the AArch64 build and qemu-aarch64).
expect_usage_error "--arch takes $("$T" version | sed -n 's/^arch: *//p'), aarch64 or both" "fuzz --arch=sparc" "$T" fuzz --arch=sparc
if [ "$("$T" version | sed -n 's/^arch: *//p')" = x86_64 ]; then
  expect_usage_error "--aarch64-tessera: $TMP/no-such-build: No such file or directory" "fuzz --aarch64-tessera missing" \
    "$T" fuzz --arch=both --aarch64-tessera="$TMP/no-such-build"
fi
kept=$left
# A find among the corpus's programs is saved as the module itself, and replays.
expect_status 1 "a fault on the corpus" "$T" fuzz --programs="${CORPUS_FINDS:-$kept}" --seed=9 --corpus="$TMP/corpus" --reduce-seconds=0 \
  --fault=t1-sub-adds --out="$TMP/corpus-finds" --report="$TMP/corpus-rep"
find=$(ls -d "$TMP"/corpus-finds/*/ | head -1)
expect_status 0 "the find's input is a module" test -f "$find/input.tsm"
replay=$(sed -n 's/^replay: tessera //p' "$find/report.txt")
expect_status 0 "its replay command names the module" test -n "$replay" -a -z "${replay##*input.tsm}"
# shellcheck disable=SC2086 # the command's words
expect_status 1 "the replay command reproduces it" "$T" $replay
printf 'not a module' >"$TMP/corpus/zz-junk"
expect_status 0 "a corpus with a stray file" "$T" fuzz --programs=1 --seed=9 --corpus="$TMP/corpus" --out="$TMP/corpus-out" \
  --report="$TMP/corpus-rep"
expect_grep "$TMP/err" "1 files are not modules and are left alone" "a stray file is named, not loaded"
expect_usage_error "--observations needs programs made from seeds alone, not --corpus" "fuzz --corpus --observations" \
  "$T" fuzz --corpus="$TMP/corpus" --observations=-

# repro names the configuration that hangs or crashes: bench/loop.tas runs for more than
# a second in every configuration of these builds (over a second in ref even in release),
# so ref is running at the one-second timeout, and some configuration two seconds in.
expect_status 1 "repro of a hang" "$T" repro --timeout=1 "$SRC/bench/loop.tas"
expect_grep "$TMP/err" "repro: the configuration ref ran for more than 1 s: a hang, and it reproduces" "a hang names its configuration"
"$T" repro "$SRC/bench/loop.tas" >/dev/null 2>"$TMP/repro-crash.err" &
repro_pid=$!
sleep 2
kill -ABRT "$repro_pid"
wait "$repro_pid" 2>/dev/null || true
expect_grep "$TMP/repro-crash.err" "repro: the configuration [a-z0-9/-]* crashed the VM (signal 6): it reproduces" "a crash names its configuration"
# reduce checks the program itself first, in its own process: a crash there is named too
# (the candidates run in a child, where a crash only rejects the candidate).
"$T" reduce --out="$TMP/loop.reduced.tas" "$SRC/bench/loop.tas" >/dev/null 2>"$TMP/reduce-crash.err" &
reduce_pid=$!
sleep 2
kill -ABRT "$reduce_pid"
wait "$reduce_pid" 2>/dev/null || true
expect_grep "$TMP/reduce-crash.err" "reduce: the configuration [a-z0-9/-]* crashed the VM (signal 6) on the program itself" "reduce names a crash of the program itself"
expect_status 2 "a bad timeout" "$T" repro --timeout=soon "$SRC/examples/fib.tas"

# reduce: a find under the test-only fault shrinks to a program that still diverges.
# The campaign reduces each new find itself, for a bounded time (--reduce-seconds). Each
# program ran under a swarm of its own (limits, and knobs of the matrix): a find replays
# with the options its report gives.
LIMITS="--fuel=20000 --max-depth=64 --max-heap=65536 --max-output=65536"
"$T" fuzz --programs=$FINDS --seed=7 --fault=t1-sub-adds --reduce-seconds=1 --out="$TMP/find" >/dev/null 2>&1
for dir in "$TMP"/find/*/; do
  opts=$(sed -n 's/^replay: tessera repro \(.*\) [^ ]*$/\1/p' "$dir/report.txt")
  expect_status 0 "a find records its swarm ($opts)" test -n "$(echo "$opts" | grep -e "--matrix-threshold=[0-9]")"
  # How far it gets in a second depends on the build (ASan, QEMU): never more lines than
  # the program's canonical text (its report says how many of how many), and still the
  # same divergence; `tessera reduce` below shows a reduction to the end.
  expect_grep "$dir/report.txt" "^reduced: .*program.reduced.tas, [0-9]* lines of [0-9]*" "its report names the reduced program"
  counts=$(sed -n 's/^reduced: .*, \([0-9]*\) lines of \([0-9]*\) .*/\1 -le \2/p' "$dir/report.txt" | head -1)
  # shellcheck disable=SC2086 # "N -le M"
  expect_status 0 "the campaign reduced $(basename "$dir") ($counts)" test ${counts:-1 -le 0}
  # Later sightings are reduced too (--reduce-tries), each with the swarm of its own
  # program: the reduced file's header says how it replays, and a reduction is kept only
  # when it is smaller than the one before it.
  ropts=$(sed -n 's/^; replay: tessera repro \(.*\) FILE$/\1/p' "$dir/program.reduced.tas")
  # shellcheck disable=SC2086 # the options, one word each
  expect_status 1 "the reduced $(basename "$dir") still diverges" "$T" diff $ropts "$dir/program.reduced.tas"
  expect_grep "$TMP/out" "$(basename "$dir")" "with the same signature"
  kept=$(sed -n 's/^reduced: .*, \([0-9]*\) lines of .*/\1/p' "$dir/report.txt" | tr '\n' ' ')
  expect_status 0 "each reduction kept is smaller than the one before ($kept)" \
    awk -v l="$kept" 'BEGIN { n = split(l, a, " "); for (i = 2; i <= n; i++) if (a[i] + 0 >= a[i - 1] + 0) exit 1 }'
  if [ "$(echo "$kept" | wc -w)" -gt 1 ]; then
    expect_status 0 "a later sighting's reduction keeps its program beside it" test -f "$dir/program.reduced-from.tas"
  fi
  # The fault makes t1 choose add_int for int - int: every signature names that form.
  expect_grep "$dir/report.txt" "^culprit: t1 form add_int: with it switched off" "its report names the culprit"
done
# One bug, one signature: localization names the form, and the signature is built from it.
expect_status 0 "the t1 fault's finds share one bug-level signature" test "$(cd "$TMP/find" && ls -d -- */)" = t1-form-add_int/
found=$(ls "$TMP"/find/*/program.tas 2>/dev/null | head -1)
opts=$(sed -n 's/^replay: tessera repro \(.*\) [^ ]*$/\1/p' "$(dirname "${found:-$TMP/none}")/report.txt" 2>/dev/null)
# shellcheck disable=SC2086 # the options, one word each
expect_status 0 "reduce a find" "$T" reduce $opts $REDUCE_ALL "${found:-$TMP/none}" --out="$TMP/reduced.tas"
expect_grep "$TMP/out" "lines to" "reduce says how far"
# shellcheck disable=SC2086
expect_status 1 "the reduced program still diverges" "$T" diff $opts "$TMP/reduced.tas"
expect_status 0 "the reduced program is shorter" test "$(wc -l <"$TMP/reduced.tas")" -lt "$(wc -l <"${found:-$TMP/none}")"
# shellcheck disable=SC2086
expect_status 0 "reduce within a time bound" "$T" reduce $opts --seconds=1 "${found:-$TMP/none}" --out="$TMP/bounded.tas"
# shellcheck disable=SC2086
expect_status 1 "the bounded reduction still diverges" "$T" diff $opts "$TMP/bounded.tas"
expect_status 1 "nothing to reduce without a divergence" "$T" reduce "$SRC/examples/fib.tas" --out="$TMP/fib.reduced.tas"
# A conditional jump rewritten as never taken, with the code no run reaches any more: a
# loop's exit test and what follows the loop go (line removals alone leave that code
# stranded, which the verifier rejects). Under the default fuel (a billion), candidates
# get a few times the program's fuel and one that runs out of it is not taken: the exit
# stays.
expect_status 0 "reduce takes a loop's exit" "$T" reduce --fault=opt-fold-sub --fuel=2000 \
  "$SRC/tests/reduce/loop_exit.tas" --out="$TMP/exit.tas"
expect_no_grep "$TMP/exit.tas" "jump_if_false\|return" "the exit test and the code after the loop are gone"
expect_status 1 "the loop without its exit still diverges" "$T" diff --fault=opt-fold-sub --fuel=2000 "$TMP/exit.tas"
# Each candidate that runs out of fuel runs a few billion steps first: only at full size.
if [ -z "$REDUCE_ALL" ]; then
  expect_status 0 "reduce under the default fuel" "$T" reduce --fault=opt-fold-sub "$SRC/tests/reduce/loop_exit.tas" \
    --out="$TMP/exit-fuel.tas"
  expect_grep "$TMP/exit-fuel.tas" "jump_if_false" "a candidate that would loop for a billion is not taken"
fi
# A candidate that never ends (t2-loop-free's traces charge no fuel) is stopped, and the
# reduction goes on (for 2 s: each stop costs a fraction of a second, more under QEMU).
expect_status 0 "reduce stops an endless candidate" "$T" reduce --fault=t2-loop-free --fuel=20000 --seconds=2 \
  "$SRC/tests/reduce/endless.tas" --out="$TMP/endless.tas"
expect_grep "$TMP/out" "stopped after" "reduce says how many it stopped"

# triage: the campaign above noted every divergence in the registry of its finds
# directory; a bug marked known is counted and not saved again; a fix needs a regression
# file that agrees now.
expect_status 0 "triage lists the registry" "$T" triage --out="$TMP/find"
expect_grep "$TMP/out" "^new    t1-form-add_int" "the bug is new"
expect_grep "$TMP/out" "smallest: t1-form-add_int/program" "with the smallest program saved for it"
expect_grep "$TMP/out" "culprit: t1 form add_int" "and its culprit"
expect_status 2 "an unknown bug" "$T" triage --out="$TMP/find" --known=no-such-bug
expect_status 2 "--fixed needs --regression" "$T" triage --out="$TMP/find" --fixed=t1-form-add_int
expect_status 0 "mark a bug known" "$T" triage --out="$TMP/find" --known=t1-form-add_int
rm -rf "$TMP/find/t1-form-add_int"
expect_status 0 "a campaign that meets only known bugs passes" "$T" fuzz --programs=$FINDS --seed=7 --fault=t1-sub-adds \
  --reduce-seconds=0 --out="$TMP/find"
expect_grep "$TMP/err" "divergent programs of known bugs not saved" "it says so"
expect_status 1 "and does not save them" test -e "$TMP/find/t1-form-add_int"
expect_status 1 "a regression that still diverges proves no fix" "$T" triage --out="$TMP/find" \
  --fixed=t1-form-add_int --regression="$SRC/tests/lang/arith_int_basic.tas" --fault=t1-sub-adds
expect_status 0 "mark it fixed" "$T" triage --out="$TMP/find" --fixed=t1-form-add_int \
  --regression="$SRC/tests/lang/arith_int_basic.tas"
"$T" fuzz --programs=$FINDS --seed=7 --fault=t1-sub-adds --reduce-seconds=0 --out="$TMP/find" >/dev/null 2>&1
expect_status 0 "seen after its fix" "$T" triage --out="$TMP/find"
expect_grep "$TMP/out" "^new    t1-form-add_int" "a fixed bug seen again is new again"
expect_status 0 "and saved again" test -d "$TMP/find/t1-form-add_int"

# ---- The option spelling (docs/cli.md, "Options") ----

# --name VALUE and --name=VALUE are the same option, in every command.
expect_status 1 "run --fuel VALUE" "$T" run --fuel 10 --json "$SRC/examples/sieve.tas"
cp "$TMP/out" "$TMP/fuel-space.json"
expect_status 1 "run --fuel=VALUE" "$T" run --fuel=10 --json "$SRC/examples/sieve.tas"
expect_same "$TMP/fuel-space.json" "both spellings give the same observation"
expect_grep "$TMP/out" '"kind":"fuel"' "the limit was applied"
expect_status 0 "run --tier t1 --warmup 2 --dispatch switch" "$T" run --tier t1 --warmup 2 --dispatch switch --stats "$SRC/examples/sieve.tas"
expect_grep "$TMP/err" "stats: tier=t1 dispatch=switch" "tier and dispatch taken from the next argument"
expect_status 0 "run --trace-threshold N --opt off" "$T" run --tier t2 --trace-threshold 100 --opt off --stats "$SRC/examples/sieve.tas"
expect_grep "$TMP/err" "traces projected 0," "the threshold was applied"
expect_status 0 "run a deep recursion in ref" "$T" run "$SRC/tests/lang/call_trace_deep_bound.tas"
cp "$TMP/out" "$TMP/deep-ref.out"
expect_status 0 "run --max-nested N" "$T" run --tier t2 --warmup 1 --trace-threshold 2 --max-nested 1 --stats "$SRC/tests/lang/call_trace_deep_bound.tas"
expect_grep "$TMP/err" "at the nesting bound [1-9]" "the bound on nesting was applied"
expect_same "$TMP/deep-ref.out" "the same output as ref at the lowest bound"
# --placement moves the value stack and the frame array (bench/compare.sh), nothing
# else: a deep recursion observes the same at placements 0 and 37, in every tier here.
for tier in ref t1 t2 jit; do
  if [ $tier = jit ] && ! "$T" run --tier jit "$SRC/examples/fib.tas" >/dev/null 2>&1; then continue; fi
  expect_status 0 "run --tier $tier --json" "$T" run --tier $tier --json "$SRC/tests/lang/call_trace_deep_bound.tas"
  cp "$TMP/out" "$TMP/place0.json"
  expect_status 0 "run --tier $tier --placement 37" "$T" run --tier $tier --json --placement 37 "$SRC/tests/lang/call_trace_deep_bound.tas"
  expect_same "$TMP/place0.json" "the same observation at another placement ($tier)"
done
expect_status 0 "asm --output OUT" "$T" asm --output "$TMP/o1.tsm" "$SRC/examples/fib.tas"
expect_status 0 "asm -o OUT" "$T" asm "$SRC/examples/fib.tas" -o "$TMP/o2.tsm"
expect_status 0 "asm -oOUT" "$T" asm "$SRC/examples/fib.tas" -o"$TMP/o3.tsm"
expect_status 0 "asm --output=OUT" "$T" asm "$SRC/examples/fib.tas" --output="$TMP/o4.tsm"
expect_status 0 "every asm spelling writes the same module" sh -c "cmp '$TMP/o1.tsm' '$TMP/o2.tsm' && cmp '$TMP/o1.tsm' '$TMP/o3.tsm' && cmp '$TMP/o1.tsm' '$TMP/o4.tsm'"
expect_status 0 "dis --quickened --tier NAME" "$T" dis --quickened --tier t2 --warmup 1 "$SRC/examples/fib.tas"
expect_grep "$TMP/out" "; was " "dis --quickened lists rewritten instructions"
expect_status 0 "diff --fuel N" "$T" diff --fuel 20000 --max-depth 64 "$SRC/examples/fib.tas"
expect_status 1 "diff --fault NAME" "$T" diff --fault t1-sub-adds "$SRC/examples/fib.tas"
expect_grep "$TMP/out" "DIVERGE" "the fault was applied"
expect_status 1 "repro --fault NAME --timeout S" "$T" repro --timeout 60 --fault t1-sub-adds "$SRC/examples/fib.tas"
expect_status 1 "reduce --out OUT" "$T" reduce "$SRC/examples/fib.tas" --out "$TMP/fib.r.tas"
expect_grep "$TMP/err" "does not diverge" "reduce read FILE, not OUT, as its operand"
# (--programs ends it: 20 programs take well under 600 seconds, even under ASan on a busy machine.)
expect_status 0 "fuzz with values after spaces" "$T" fuzz --seconds 600 --seed 3 --programs 20 --out "$TMP/fz-space"
expect_grep "$TMP/err" "summary: 20 programs" "fuzz --programs N"
expect_grep "$TMP/err" "seed 3, 1 job, 600 seconds" "fuzz --seconds N --seed S"
expect_status 0 "fuzz --observations FILE" "$T" fuzz --programs 3 --seed 5 --jobs 1 --observations "$TMP/obs.txt" --out "$TMP/fz-obs"
expect_grep "$TMP/obs.txt" "^[0-9][0-9]* ref " "observations written to the file after the space"
# -- ends the options: what follows is an operand even if it starts with -.
expect_status 2 "-- ends options" "$T" run -- --fuel
expect_grep "$TMP/err" "cannot read --fuel" "after --, --fuel is a file name"
# A refused option's value is consumed with it, not taken as a file.
expect_usage_error "diff runs the oracle's configurations; '--tier' does not apply" "diff --tier VALUE" "$T" diff --tier ref "$SRC/examples/fib.tas"
expect_usage_error "fuzz runs the oracle's configurations; '--opt=off' does not apply" "fuzz --opt=off" "$T" fuzz --opt=off

# Flags take no value; an option at the end needs one; unknown options are named.
expect_usage_error "--json takes no value: '--json=yes'" "a flag given a value" "$T" run --json=yes "$SRC/examples/fib.tas"
expect_usage_error "--quickened takes no value: '--quickened=1'" "dis flag given a value" "$T" dis --quickened=1 "$SRC/examples/fib.tas"
expect_usage_error "--fuel needs a value" "a value missing at the end" "$T" run "$SRC/examples/fib.tas" --fuel
expect_usage_error "--seconds needs a value" "fuzz value missing" "$T" fuzz --seconds
expect_usage_error "-o needs a value" "asm -o at the end" "$T" asm "$SRC/examples/fib.tas" -o
expect_usage_error "--out needs a DIR, not an empty string" "an empty string value" "$T" fuzz --out=
expect_usage_error "unknown option '--frob'" "unknown option named" "$T" diff --frob "$SRC/examples/fib.tas"
expect_grep "$TMP/err" "(run 'tessera diff --help' for usage)" "the hint names the command's help"
expect_usage_error "run takes one FILE, got another: 'b'" "two files to run" "$T" run a b
expect_usage_error "fuzz takes no arguments, only options: 'x'" "an operand to fuzz" "$T" fuzz x

# Numbers out of range say the bound.
expect_usage_error "--fuel must be at most 18446744073709551615, not '18446744073709551616'" "u64 overflow" "$T" run --fuel 18446744073709551616 "$SRC/examples/fib.tas"
expect_status 0 "the largest u64 is accepted" "$T" run --fuel=18446744073709551615 "$SRC/examples/fib.tas"
expect_usage_error "--fuel needs a non-negative integer, not 'abc'" "not a number" "$T" run --fuel abc "$SRC/examples/fib.tas"
expect_usage_error "--max-heap needs a non-negative integer, not '-1'" "a negative number" "$T" diff --max-heap -1 "$SRC/examples/fib.tas"
expect_usage_error "--jobs must be between 1 and 256, not '300'" "jobs above the bound" "$T" fuzz --jobs 300
expect_usage_error "--jobs must be between 1 and 256, not '0'" "jobs below the bound" "$T" fuzz --jobs=0
expect_usage_error "--warmup must be between 1 and 65535, not '0'" "warmup 0" "$T" run --warmup 0 "$SRC/examples/fib.tas"
expect_usage_error "--max-nested must be between 1 and 64, not '65'" "nesting bound too high" "$T" run --max-nested=65 "$SRC/examples/fib.tas"
expect_usage_error "--trace-threshold must be between 1 and 65535, not 'x'" "threshold not a number" "$T" dis --quickened --trace-threshold=x "$SRC/examples/fib.tas"
expect_usage_error "--timeout must be at most 86400, not '86401'" "timeout above the bound" "$T" repro --timeout 86401 "$SRC/examples/fib.tas"
expect_usage_error "--tier must be one of ref, t1, t2, t2-noopt, jit or jit-noopt, not 'warp'" "tier not a name" "$T" run --tier warp "$SRC/examples/fib.tas"
expect_usage_error "--placement must be at most 65536, not '65537'" "placement out of range" "$T" run --placement 65537 "$SRC/examples/fib.tas"
expect_usage_error "--dispatch must be goto or switch, not 'jump'" "dispatch not a name" "$T" run --dispatch jump "$SRC/examples/fib.tas"
expect_usage_error "TESSERA_WARMUP must be between 1 and 65535, not '0'" "TESSERA_WARMUP out of range" env TESSERA_WARMUP=0 "$T" tiers
expect_usage_error "TESSERA_TRACE_THRESHOLD must be between 1 and 65535, not '70000'" "TESSERA_TRACE_THRESHOLD out of range" env TESSERA_TRACE_THRESHOLD=70000 "$T" run "$SRC/examples/fib.tas"
expect_status 0 "TESSERA_TRACE_THRESHOLD in range" env TESSERA_TRACE_THRESHOLD=100 "$T" run --tier t2 --stats "$SRC/examples/sieve.tas"
expect_grep "$TMP/err" "traces projected 0," "the environment's threshold was applied"

# ---- Help ----
for c in run asm dis diff repro reduce fuzz triage tiers help version; do
  expect_status 0 "$c --help" "$T" "$c" --help
  expect_grep "$TMP/out" "^usage: tessera $c" "$c --help prints its usage on stdout"
  cp "$TMP/out" "$TMP/help-$c"
  expect_status 0 "$c -h" "$T" "$c" -h
  expect_same "$TMP/help-$c" "$c -h is $c --help"
  expect_status 0 "help $c" "$T" help "$c"
  expect_same "$TMP/help-$c" "help $c is $c --help"
  # Every option the usage lists is one the command accepts.
  for o in $(grep -o -- '^  \(-[a-z], \)\?--[a-z0-9-]*' "$TMP/help-$c" | sed 's/.* //'); do
    [ "$o" = --help ] && continue
    # A flag of fuzz alone would start a 60-second campaign: one program instead.
    extra=""
    if [ "$c" = fuzz ] && grep -q -- "^  $o  " "$TMP/help-$c"; then
      extra="--programs=1 --out=$TMP/flag-out --report=$TMP/flag-rep"
    fi
    # shellcheck disable=SC2086 # the extra options, one word each
    "$T" "$c" "$o" $extra >"$TMP/out" 2>"$TMP/err"
    expect_no_grep "$TMP/err" "unknown option" "$c accepts $o, which its usage lists"
  done
done
expect_grep "$TMP/help-run" "^  --fuel N " "run's usage lists the limits"
expect_grep "$TMP/help-run" "(default: 1000000000)" "run's usage gives the default fuel"
expect_grep "$TMP/help-fuzz" "(default: 20000)" "fuzz's usage gives the campaign's fuel"
expect_grep "$TMP/help-asm" "^  -o, --output OUT" "asm's usage lists -o"
expect_no_grep "$TMP/help-diff" "--tier" "diff's usage does not list what it refuses"
expect_status 0 "help" "$T" help
for c in run asm dis diff repro reduce fuzz triage tiers help version; do
  expect_grep "$TMP/out" "^  $c " "the overview lists $c"
done
cp "$TMP/out" "$TMP/overview"
expect_status 0 "--help" "$T" --help
expect_same "$TMP/overview" "--help is help"
expect_status 2 "no command" "$T"
mv "$TMP/err" "$TMP/no-command.err"
expect_status 0 "no command: nothing on stdout" test ! -s "$TMP/out"
expect_status 0 "no command: the overview on stderr" cmp "$TMP/no-command.err" "$TMP/overview"
expect_usage_error "unknown command 'frobnicate'" "unknown command named" "$T" frobnicate
expect_grep "$TMP/err" "(run 'tessera help' for usage)" "unknown command hint"
expect_usage_error "unknown command 'nope'" "help of an unknown command" "$T" help nope

# ---- Version ----
version=$(sed -n 's/^project(tessera VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
expect_status 0 "--version" "$T" --version
expect_grep "$TMP/out" "^tessera ${version:-NO-VERSION-IN-CMAKELISTS}\$" "the version is project()'s"
expect_grep "$TMP/out" "^commit: *\([0-9a-f]\{7,\}\(-dirty\)\?\|unknown\)\$" "the commit"
expect_grep "$TMP/out" "^build: *[A-Za-z]*, sanitizers o[nf]" "the build type and sanitizers"
expect_grep "$TMP/out" "^arch: *\(x86_64\|aarch64\)\$" "the architecture"
expect_grep "$TMP/out" "^jit: *\(\(x86_64\|aarch64\) stencil set, [1-9][0-9]* stencils\|none\)" "the stencil set"
arch=$(sed -n 's/^arch: *//p' "$TMP/out")
if grep -q "^jit: *none" "$TMP/out"; then :; else expect_grep "$TMP/out" "^jit: *$arch stencil set" "the JIT runs the host's stencils"; fi
cp "$TMP/out" "$TMP/version"
expect_status 0 "version" "$T" version
expect_same "$TMP/version" "version is --version"

echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
