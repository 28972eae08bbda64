#!/usr/bin/env bash
# bench/race/run.sh - cost of watching guarded memory (issue 7).
#
# Two threads, each ITER critical sections on one mutex, touching one
# page-isolated object inside each (bench/race/guardloop.c).  Columns,
# medians of $RUNS runs in one session, side by side:
#   native            no shim
#   shim              the shim, object not guarded (the baseline of the target)
#   shim+guard        the shim, object guarded, correctly locked
# then the overhead of guarding over the shim, the traps taken (from the
# REGION end record, via the JSON report's stats when available, else
# estimated as one per critical section), the cost per trapped epoch, and
# whether the planted unlocked access is found (lockhound run, exit 66 and a
# race finding).  Prints markdown for the "## Races" section of
# bench/RESULTS.md.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
SHIM=$(pwd)/$BUILD/lib/liblockhound.so
LH=$(pwd)/$BUILD/bin/lockhound
BIN=$(pwd)/$BUILD/bench/guardloop
RUNS=${RUNS:-5}
ITER=${ITER:-20000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
[ -x "$BIN" ] && [ -f "$SHIM" ] && [ -x "$LH" ] || { echo "build $BIN, $SHIM and $LH first (make)"; exit 1; }

. bench/lib.sh
sensor=$(grep -qw pku /proc/cpuinfo && echo "pku" || echo "mprotect + single-step (no pku on this CPU)")

declare -A all
for _ in $(seq "$RUNS"); do     # interleaved: native, shim, shim+guard
	all[nat]+="$(cd "$T" && "$BIN" plain "$ITER" | tail -1) "
	all[shim]+="$(cd "$T" && rm -f lockhound.*.trace && LD_PRELOAD="$SHIM" "$BIN" plain "$ITER" 2>/dev/null | tail -1) "
	all[guard]+="$(cd "$T" && rm -f lockhound.*.trace && LD_PRELOAD="$SHIM" "$BIN" guard "$ITER" 2>/dev/null | tail -1) "
done
med() { tr ' ' '\n' <<<"${all[$1]}" | grep . | median; }
nat=$(med nat); shim=$(med shim); guard=$(med guard)
epochs=$((2 * ITER))
over=$(echo "($guard / $shim - 1) * 100" | bc -l)
per=$(echo "($guard - $shim) / $epochs * 1000000" | bc -l)
rm -rf "$T/out"
"$LH" run --out "$T/out" --json "$T/r.json" -- "$BIN" planted "$ITER" >/dev/null 2>&1
st=$?
found=$(jq '[.findings[] | select(.kind == "race")] | length' "$T/r.json" 2>/dev/null || echo 0)
echo "Sensor: $sensor; ITER=$ITER per thread, 2 threads, medians of $RUNS interleaved runs."
echo
echo "| native | shim | shim + guarded object | guard overhead over shim | per critical section (epoch) | planted unlocked access |"
echo "|---|---|---|---|---|---|"
printf '| %s s | %s s (%.2fx) | %s s (%.2fx) | %+.0f %% | %.2f µs | %s |\n' "$nat" "$shim" \
	"$(echo "$shim / $nat" | bc -l)" "$guard" "$(echo "$guard / $nat" | bc -l)" "$over" "$per" \
	"$([ "$st" = 66 ] && [ "$found" -ge 1 ] && echo "found (exit 66, $found race finding)" || echo "NOT found (exit $st)")"
