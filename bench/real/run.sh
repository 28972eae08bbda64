#!/usr/bin/env bash
# bench/real/run.sh - lockhound on real programs nobody here wrote (Debian's
# pigz and memcached): overhead against a native run, findings, trace sizes.
#
#   RUNS=5 bash bench/real/run.sh        (after `make`)
#
# pigz -p 2 compresses a generated 200 MB file (numbers from seq, 9 MB in
# every 10 MB, and 1 MB of base64 of /dev/urandom): native, plain LD_PRELOAD,
# and `lockhound run --`; median wall time of $RUNS runs each, the three
# modes interleaved.
# memcached -t 2 on 127.0.0.1 (a free port) under a bounded load from
# build/bench/mcload ($MC_REQ requests over $MC_CONNS connections, at most
# 60 s), native vs. plain LD_PRELOAD vs. `lockhound run`; memcached is stopped
# with SIGTERM after each load and its trace analyzed.  Median of $RUNS.
# Prints markdown for the "## Real programs" section of bench/RESULTS.md, and
# the text report of the last lockhound run of each program.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
BUILD=${BUILD:-build}
SHIM=$ROOT/$BUILD/lib/liblockhound.so
LH=$ROOT/$BUILD/bin/lockhound
MCLOAD=$ROOT/$BUILD/bench/mcload
RUNS=${RUNS:-5}
SIZE_MB=${SIZE_MB:-200}
MC_REQ=${MC_REQ:-100000}
MC_CONNS=${MC_CONNS:-4}
for f in "$SHIM" "$LH" "$MCLOAD"; do
	[ -e "$f" ] || { echo "build $f first (make)" >&2; exit 1; }
done
if ! command -v pigz >/dev/null || ! command -v memcached >/dev/null; then
	echo "bench/real: skipped: needs pigz and memcached (apt-get install pigz memcached)" >&2
	exit 0
fi
T=$(mktemp -d)
MCPID=
cleanup() { [ -n "$MCPID" ] && kill "$MCPID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

. bench/lib.sh
median3() { printf '%.3f\n' "$(median)"; }   # seconds, 3 decimals
now() { date +%s.%N; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
tracesize() { local s; s=$(cat "$@" 2>/dev/null | wc -c); echo "$s"; }

# ---- pigz -----------------------------------------------------------------
IN=$T/input
for i in $(seq 0 $((SIZE_MB / 10 - 1))); do
	seq $((i * 1000000)) $((i * 1000000 + 1150000)) | head -c $((9 * 1048576))
	head -c 786432 /dev/urandom | base64 -w 76 | head -c 1048576
done > "$IN"
insize=$(stat -c %s "$IN")
pigz_once() { # MODE: elapsed seconds of one compression
	local t0 t1 d=$T/pigz.$1
	rm -rf "$d"; mkdir -p "$d"
	t0=$(now)
	case $1 in
	native) pigz -p 2 -c "$IN" > "$T/out.gz" ;;
	preload) LOCKHOUND_OPTIONS="trace_dir=$d" LD_PRELOAD=$SHIM pigz -p 2 -c "$IN" > "$T/out.gz" ;;
	run) "$LH" run --out "$d" -- pigz -p 2 -c "$IN" > "$T/out.gz" 2> "$T/pigz.report"; echo $? > "$T/pigz.status" ;;
	esac
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
declare -A P
# interleaved (native, preload, run, native, ...) so that drift in the
# machine's load affects the three alike
for _ in $(seq "$RUNS"); do
	for mode in native preload run; do pigz_once $mode >> "$T/pigz.times.$mode"; done
done
for mode in native preload run; do P[$mode]=$(median3 < "$T/pigz.times.$mode"); done
gunzip -c "$T/out.gz" | cmp -s - "$IN" && pigz_ok="output identical to the input after gunzip" || pigz_ok="OUTPUT DIFFERS"
pigz_trace=$(tracesize "$T"/pigz.preload/lockhound.*.trace)
pigz_status=$(cat "$T/pigz.status")
pigz_find=$("$LH" report --format json "$T"/pigz.preload 2>/dev/null | jq -r '[.findings[].kind] | group_by(.) | map("\(length) \(.[0])") | join(", ")')
cp "$T/pigz.report" "$T/pigz.report.keep"

# ---- memcached ------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # PORT: wait (at most 10 s) until it accepts connections
	local i
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
MCUSER=(); [ "$(id -u)" = 0 ] && MCUSER=(-u root)
mc_once() { # MODE: elapsed seconds of the load (memcached started and stopped around it)
	local port d=$T/mc.$1 out pid
	port=$(free_port)
	rm -rf "$d"; mkdir -p "$d"
	case $1 in
	native) memcached -l 127.0.0.1 -p "$port" -U 0 -t 2 "${MCUSER[@]}" & ;;
	preload) LOCKHOUND_OPTIONS="trace_dir=$d" LD_PRELOAD=$SHIM memcached -l 127.0.0.1 -p "$port" -U 0 -t 2 "${MCUSER[@]}" & ;;
	run) "$LH" run --out "$d" -- memcached -l 127.0.0.1 -p "$port" -U 0 -t 2 "${MCUSER[@]}" 2> "$T/mc.report" & ;;
	esac
	MCPID=$!
	pid=$MCPID
	if ! wait_port "$port"; then echo "memcached did not start" >&2; kill "$MCPID"; wait "$MCPID"; MCPID=; return 1; fi
	out=$(timeout 90 "$MCLOAD" "$port" "$MC_CONNS" "$MC_REQ" 60) || echo "mcload failed: $out" >&2
	echo "$out" > "$T/mc.$1.load"
	# stop memcached itself with SIGTERM (under `lockhound run` it is its child)
	if [ "$1" = run ]; then pid=$(pgrep -P "$MCPID" -x memcached || echo "$MCPID"); fi
	kill -TERM "$pid"
	wait "$MCPID"; echo $? > "$T/mc.$1.status"
	MCPID=
	awk '{print $6}' "$T/mc.$1.load"
}
declare -A M
for _ in $(seq "$RUNS"); do
	for mode in native preload run; do mc_once $mode >> "$T/mc.times.$mode"; done
done
for mode in native preload run; do M[$mode]=$(median3 < "$T/mc.times.$mode"); done
mc_trace=$(tracesize "$T"/mc.preload/lockhound.*.trace)
mc_status=$(cat "$T/mc.run.status")
mc_load=$(cat "$T/mc.run.load")
mc_find=$("$LH" report --format json "$T"/mc.preload 2>/dev/null | jq -r '[.findings[].kind] | group_by(.) | map("\(length) \(.[0])") | join(", ")')

echo "Input: $insize bytes; pigz: $pigz_ok; \`lockhound run\` exit status $pigz_status."
echo "memcached under \`lockhound run\`: exit status $mc_status after SIGTERM; last load: $mc_load."
echo
echo "| program | native | LD_PRELOAD | lockhound run | trace (LD_PRELOAD run) | findings |"
echo "|---|---|---|---|---|---|"
echo "| \`pigz -p 2 -c\` ${SIZE_MB} MB | ${P[native]} s | ${P[preload]} s ($(ratio "${P[preload]}" "${P[native]}")x) | ${P[run]} s ($(ratio "${P[run]}" "${P[native]}")x) | $pigz_trace B | ${pigz_find:-none} |"
echo "| \`memcached -t 2\`, $MC_REQ requests over $MC_CONNS connections | ${M[native]} s | ${M[preload]} s ($(ratio "${M[preload]}" "${M[native]}")x) | ${M[run]} s ($(ratio "${M[run]}" "${M[native]}")x) | $mc_trace B | ${mc_find:-none} |"
echo
echo "---- lockhound run report, pigz (stderr) ----"
cat "$T/pigz.report.keep"
echo "---- lockhound run report, memcached (stderr) ----"
cat "$T/mc.report"
