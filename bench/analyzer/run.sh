#!/usr/bin/env bash
# bench/analyzer/run.sh - analyzer speed on a trace_mode=full trace of
# 10 million EVENT records (target: >= 10 million events per second).
# Prints the median of 5 runs of `lockhound report --format json` on it.
#   BUILD=build bash bench/analyzer/run.sh      (LOCKHOUND=path overrides the command)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
LH=${LOCKHOUND:-$BUILD/bin/lockhound}
GEN=$BUILD/bench/gen_full_trace
N=${N:-10000000}
[ -x "$GEN" ] || make -s "$GEN" BUILD="$BUILD"
[ -x "$LH" ] || make -s "$LH" BUILD="$BUILD"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$GEN" "$dir/lockhound.4242.trace" "$N"
size=$(stat -c %s "$dir/lockhound.4242.trace")
cat "$dir/lockhound.4242.trace" >/dev/null      # warm the page cache
times=()
for i in 1 2 3 4 5; do
	s=$(date +%s.%N)
	"$LH" report --format json -o "$dir/report.json" "$dir" || [ $? -eq 1 ]
	e=$(date +%s.%N)
	times+=("$(echo "$e - $s" | bc -l)")
done
med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p)
events=$(jq '.stats.events // 0' "$dir/report.json" 2>/dev/null || echo "?")
rate=$(echo "$N / $med / 1000000" | bc -l)
printf 'analyzer: %d events (%d MB trace), median of 5: %.3f s = %.1f M events/s (report stats.events: %s)\n' \
	"$N" "$((size / 1000000))" "$med" "$rate" "$events"
