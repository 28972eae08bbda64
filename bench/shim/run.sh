#!/usr/bin/env bash
# bench/shim/run.sh - shim overhead: native vs lockhound (LD_PRELOAD) vs
# gcc -fsanitize=thread vs valgrind helgrind.  Medians of 5 runs (helgrind:
# 1 run at 1/100 of the count, scaled up, and said so; at most HG_TIMEOUT s,
# default 300).  Prints a markdown
# table for the "## Shim" section of bench/RESULTS.md.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
CC=${CC:-cc}
SHIM=$(pwd)/$BUILD/lib/liblockhound.so
BIN=$BUILD/bench/lockloop
TSAN=$BUILD/bench/lockloop-tsan
RUNS=${RUNS:-5}
LOOP=${LOOP:-10000000}
CHAIN=${CHAIN:-100000}
PASSES=${PASSES:-10}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
[ -x "$BIN" ] && [ -f "$SHIM" ] || { echo "build $BIN and $SHIM first (make)"; exit 1; }
$CC -std=gnu11 -O2 -g -pthread -fsanitize=thread -o "$TSAN" bench/shim/lockloop.c 2>/dev/null || TSAN=

. bench/lib.sh
# time_of CMD...: elapsed seconds printed by lockloop, median of $RUNS
time_of() { for _ in $(seq "$RUNS"); do "$@" 2>/dev/null | tail -1; done | median; }

for what in loop chain; do
	if [ $what = loop ]; then args=(loop "$LOOP"); hargs=(loop $((LOOP / 100))); scale=100
	else args=(chain "$CHAIN" "$PASSES"); hargs=(chain "$CHAIN" 1); scale=$PASSES; fi
	nat=$(cd "$T" && time_of "$OLDPWD/$BIN" "${args[@]}")
	lh=$(cd "$T" && rm -f lockhound.*.trace && time_of env LD_PRELOAD="$SHIM" "$OLDPWD/$BIN" "${args[@]}")
	size=$(cd "$T" && rm -f lockhound.*.trace && LD_PRELOAD="$SHIM" "$OLDPWD/$BIN" "${args[@]}" >/dev/null && stat -c %s lockhound.*.trace | head -1)
	ts=-; [ -n "$TSAN" ] && ts=$(time_of "$TSAN" "${args[@]}")
	hg=-
	if command -v valgrind >/dev/null; then
		hg=$(timeout "${HG_TIMEOUT:-300}" valgrind --tool=helgrind -q "$BIN" "${hargs[@]}" 2>/dev/null | tail -1)
		[ -n "$hg" ] && hg=$(echo "$hg * $scale" | bc -l) || hg=-
	fi
	ratio() { [ "$1" = - ] && echo - || printf '%.2f' "$(echo "$1 / $nat" | bc -l)"; }
	echo "| $what \`${args[*]}\` | $nat s | $lh s ($(ratio "$lh")x) | $ts s ($(ratio "$ts")x) | ${hg} s ($(ratio "$hg")x, scaled) | $size B |"
done
