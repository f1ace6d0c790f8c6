#!/bin/sh
# cli_test.sh: the command line's contract: exit statuses, where messages go, and the
# asm/dis round trip through files. usage: cli_test.sh TESSERA SOURCE_DIR
T=$1
SRC=$2
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

expect_status 0 "run a good program" "$T" run "$SRC/examples/fib.tas"
expect_grep "$TMP/out" "^610$" "program output on stdout"
expect_status 1 "runtime error" "$T" run "$SRC/examples/errors.tas"
expect_grep "$TMP/err" "runtime error: division_by_zero in divide at offset 6" "error kind and location on stderr"
expect_grep "$TMP/out" "^dividing$" "output before the error is kept"
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
printf 'TSMD\001\000\000\000' >"$TMP/trunc.tsm"
expect_status 2 "truncated binary module" "$T" run "$TMP/trunc.tsm"
expect_grep "$TMP/err" "module offset 8: truncated" "truncation names the offset"
expect_status 2 "missing file" "$T" run "$TMP/nope.tas"
expect_status 2 "no command" "$T"
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

# A worker that dies saves the program it was running (fuzz/engine.c, "Crashes and
# hangs"): SIGABRT stands for a crash here, and the saved input must replay.
"$T" fuzz --seconds=120 --out="$TMP/crash" >/dev/null 2>"$TMP/crash.err" &
fuzz_pid=$!
for _ in $(seq 100); do [ -d "$TMP/crash" ] && break; sleep 0.1; done
sleep 1
kill -ABRT "$fuzz_pid"
wait "$fuzz_pid" 2>/dev/null || true
expect_grep "$TMP/crash.err" "crashed the VM (signal 6); its input is saved: tessera repro" "a crash names its saved input"
saved=$(ls "$TMP"/crash/crash-*.gen 2>/dev/null | head -1)
expect_status 0 "the crash input replays" "$T" repro --fuel=20000 --max-depth=64 --max-heap=4194304 --max-output=65536 "${saved:-$TMP/none}"

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
expect_status 2 "a bad timeout" "$T" repro --timeout=soon "$SRC/examples/fib.tas"

# reduce: a find under the test-only fault shrinks to a program that still diverges.
LIMITS="--fuel=20000 --max-depth=64 --max-heap=4194304 --max-output=65536"
"$T" fuzz --programs=40 --seed=7 --fault=t1-sub-adds --out="$TMP/find" >/dev/null 2>&1
found=$(ls "$TMP"/find/*/program.tas 2>/dev/null | head -1)
expect_status 0 "reduce a find" "$T" reduce --fault=t1-sub-adds $LIMITS "${found:-$TMP/none}" --out="$TMP/reduced.tas"
expect_grep "$TMP/out" "lines to" "reduce says how far"
expect_status 1 "the reduced program still diverges" "$T" diff --fault=t1-sub-adds $LIMITS "$TMP/reduced.tas"
expect_status 0 "the reduced program is shorter" test "$(wc -l <"$TMP/reduced.tas")" -lt "$(wc -l <"${found:-$TMP/none}")"
expect_status 1 "nothing to reduce without a divergence" "$T" reduce "$SRC/examples/fib.tas" --out="$TMP/fib.reduced.tas"

echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
