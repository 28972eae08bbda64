#!/usr/bin/env bash
# bench/stm/run.sh - the STM benchmarks, side by side in one run, medians.
#
#   BUILD=build CC=cc bash bench/stm/run.sh        (what `make bench` runs)
#   REPS=5 MS=200 ...                              repetitions, ms per run
#
# Variants of the bank transfer: no locking, one global mutex, per-account
# mutexes in address order, the STM, GCC libitm (-fgnu-tm) with its default
# method and with ITM_DEFAULT_METHOD=ml_wt.  Repetitions are interleaved
# (rep 1 of every variant, then rep 2, ...) so drift hits all alike.
# Prints the tables and replaces the "## STM" section of bench/RESULTS.md.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
CC=${CC:-cc}
REPS=${REPS:-5}
MS=${MS:-200}
out=$BUILD/bench
mkdir -p "$out"
lib=$BUILD/lib/liblockhound-stm.a
[ -f "$lib" ] || { echo "run.sh: $lib missing: run make first" >&2; exit 1; }
flags="-Iinclude -std=gnu11 -O2 -g -pthread -Wall -Wextra -Werror"
[ -x "$out/bank" ] || $CC $flags -o "$out/bank" bench/stm/bank.c "$lib" -lpthread -lm
[ -x "$out/queue" ] || $CC $flags -o "$out/queue" bench/stm/queue.c "$lib" -lpthread -lm
itm=1
gcc $flags -fgnu-tm -DWITH_ITM -o "$out/bank_itm" bench/stm/bank.c "$lib" -lpthread -lm -litm \
	2>/dev/null || itm=0

variants="nolock mutex perlock stm"
[ "$itm" = 1 ] && variants="$variants itm itm-ml_wt"
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

# bank VARIANT ARGS... : run one variant, print its key=value line
bank() {
	local v=$1
	shift
	case $v in
	itm) "$out/bank_itm" itm "$@" ;;
	itm-ml_wt) ITM_DEFAULT_METHOD=ml_wt "$out/bank_itm" itm "$@" ;;
	*) "$out/bank" "$v" "$@" ;;
	esac
}

# record KEY VALUES-LINE: append "KEY field=value..." to the raw file
record() { echo "$1 $2" >>"$raw"; }

echo "STM benchmarks: $REPS repetitions of $MS ms, interleaved ($(nproc) CPUs)"
for rep in $(seq "$REPS"); do
	echo "  repetition $rep/$REPS"
	for v in $variants; do
		for acc in 64 100000; do
			for th in 1 2; do
				record "transfer/$v/$acc/$th" "$(bank "$v" "$acc" "$th" transfer "$MS")"
				record "mixed/$v/$acc/$th" "$(bank "$v" "$acc" "$th" mixed "$MS")"
			done
			record "starve/$v/$acc" "$(bank "$v" "$acc" 2 starve "$MS")"
		done
		record "readall/$v" "$(bank "$v" 100000 1 readall "$MS")"
	done
	for q in stm cond; do
		record "queue16/$q" "$("$out/queue" "$q" handoff 300000 16)"
		record "queue1/$q" "$("$out/queue" "$q" handoff 30000 1)"
		record "latency/$q" "$("$out/queue" "$q" latency 1000)"
	done
done

# med KEY FIELD: median of FIELD over the repetitions of KEY
med() {
	awk -v k="$1" -v f="$2" '$1 == k { for (i = 2; i <= NF; i++) { split($i, p, "=");
		if (p[1] == f) print p[2] } }' "$raw" | sort -g |
		awk '{ v[n++] = $1 } END { if (!n) { print "-"; exit }
			if (n % 2) print v[(n - 1) / 2]; else print (v[n / 2 - 1] + v[n / 2]) / 2 }'
}
mops() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else printf "%.1f", x / 1e6 }'; }
us() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else printf "%.0f", x / 1e3 }'; }

section=$(mktemp)
{
	echo "## STM"
	echo
	echo "Command: \`make bench\` (runs \`BUILD=$BUILD CC=$CC bash bench/stm/run.sh\`), $REPS interleaved"
	echo "repetitions of $MS ms each, medians; $(nproc) vCPUs, $(date -u +%Y-%m-%d), $(uname -m)."
	echo "K (irrevocable after K aborts) = 4.  Variants: \`nolock\` (wrong, the floor),"
	echo "\`mutex\` (one global mutex), \`perlock\` (per-account mutexes in address order),"
	echo "\`stm\` (this library), \`itm\` (GCC libitm, its default method) and \`itm-ml_wt\`"
	echo "(libitm forced to its STM with \`ITM_DEFAULT_METHOD=ml_wt\`)."
	echo
	echo "### Bank transfer, transfers only (M transfers/s)"
	echo
	echo "| variant | 64 acc, 1 thr | 64 acc, 2 thr | 100k acc, 1 thr | 100k acc, 2 thr |"
	echo "|---|---:|---:|---:|---:|"
	for v in $variants; do
		printf '| %s' "$v"
		for acc in 64 100000; do for th in 1 2; do
			printf ' | %s' "$(mops "$(med "transfer/$v/$acc/$th" transfers_per_s)")"
		done; done
		echo " |"
	done
	echo
	echo "### Bank transfer with a consistent read-all every 1,000 transfers per thread"
	echo
	echo "M transfers/s, and the median read-all latency in µs."
	echo
	echo "| variant | 64, 1 thr | 64, 2 thr | 100k, 1 thr | 100k, 2 thr | read-all µs 100k, 2 thr |"
	echo "|---|---:|---:|---:|---:|---:|"
	for v in $variants; do
		printf '| %s' "$v"
		for acc in 64 100000; do for th in 1 2; do
			printf ' | %s' "$(mops "$(med "mixed/$v/$acc/$th" transfers_per_s)")"
		done; done
		printf ' | %s |\n' "$(us "$(med "mixed/$v/100000/2" readall_ns)")"
	done
	echo
	echo "### Starved reader: one thread loops read-all, one thread loops transfers"
	echo
	echo "| variant | accounts | read-alls/s | attempts per read-all | read-all µs | transfers/s (M) |"
	echo "|---|---:|---:|---:|---:|---:|"
	for v in $variants; do for acc in 64 100000; do
		printf '| %s | %s | %s | %s | %s | %s |\n' "$v" "$acc" \
			"$(med "starve/$v/$acc" readalls_per_s)" \
			"$( [ "$v" = stm ] && med "starve/$v/$acc" attempts_per_readall || echo "n/a")" \
			"$(awk -v x="$(med "starve/$v/$acc" readall_ns)" 'BEGIN { printf "%.1f", x / 1e3 }')" \
			"$(mops "$(med "starve/$v/$acc" transfers_per_s)")"
	done; done
	echo
	echo "### Consistent read-all of 100,000 accounts, alone (one thread)"
	echo
	echo "| variant | µs per read-all | ns per account |"
	echo "|---|---:|---:|"
	for v in $variants; do
		printf '| %s | %s | %s |\n' "$v" "$(us "$(med "readall/$v" readall_ns)")" \
			"$(med "readall/$v" ns_per_account)"
	done
	echo
	echo "### Blocking queue: STM \`lh_retry\` against mutex + \`pthread_cond\`"
	echo
	echo "One producer, one consumer.  Hand-offs/s with capacity 16 and 1; wake-up latency"
	echo "of a consumer parked on an empty queue (put 200 µs after the previous take)."
	echo
	echo "| queue | hand-offs/s, cap 16 | hand-offs/s, cap 1 | wake-up median µs | wake-up p90 µs |"
	echo "|---|---:|---:|---:|---:|"
	for q in stm cond; do
		printf '| %s | %s | %s | %s | %s |\n' "$q" \
			"$(awk -v x="$(med "queue16/$q" handoffs_per_s)" 'BEGIN { printf "%.0f", x }')" \
			"$(awk -v x="$(med "queue1/$q" handoffs_per_s)" 'BEGIN { printf "%.0f", x }')" \
			"$(awk -v x="$(med "latency/$q" wake_latency_ns_median)" 'BEGIN { printf "%.1f", x / 1e3 }')" \
			"$(awk -v x="$(med "latency/$q" wake_latency_ns_p90)" 'BEGIN { printf "%.1f", x / 1e3 }')"
	done
	notes=${STM_BENCH_NOTES:-bench/stm/notes.md}
	if [ -f "$notes" ]; then
		echo
		cat "$notes"
	fi
} >"$section"
cat "$section"

# Replace (or append) the "## STM" section of bench/RESULTS.md.
res=bench/RESULTS.md
[ -f "$res" ] || printf '# Benchmark results\n' >"$res"
awk -v sec="$section" '
	function emit() { while ((getline l < sec) > 0) print l; close(sec); done = 1 }
	/^## / { if (skip) { skip = 0; print "" } if ($0 == "## STM") { skip = 1; emit(); next } }
	!skip { print }
	END { if (!done) { print ""; emit() } }' "$res" >"$res.tmp" && mv "$res.tmp" "$res"
rm -f "$section"
echo "bench/stm: results written to $res (section ## STM)"
