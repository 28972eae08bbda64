#!/usr/bin/env bats
# Garbage analysis inputs (suppressions, levels, baseline) and crafted traces:
# a clear message and a documented exit status, never a crash or a hang
# (issue 2, "Bad input gets a clear error and a non-zero exit").

load helpers

setup() {
	need_lockhound
	T=$BATS_TEST_TMPDIR
	# one trace with a potential deadlock, shared by the tests of this file
	TR=$BATS_FILE_TMPDIR/traces
	if [ ! -d "$TR" ]; then
		mkdir -p "$TR"
		LOCKHOUND_OPTIONS="trace_dir=$TR" timeout 30 env LD_PRELOAD="$SHIM" "$(prog abba_threads)" >/dev/null 2>&1
	fi
	ls "$TR"/lockhound.*.trace >/dev/null || fail "no trace made"
	# binary garbage, the same every run (seeded), whose first line is never a
	# comment or blank: the error is always reported at line 1
	python3 -c "import random, sys; r = random.Random(7); sys.stdout.buffer.write(bytes([1]) + bytes(r.randrange(256) for _ in range(4095)))" >"$T/binary"
	python3 -c "print('potential-deadlock:' + 'x' * 2000000)" >"$T/huge"
	printf 'potential-deadlock:foo' >"$T/nonl"
	printf 'misuse:foo\r\n# comment\r\n' >"$T/crlf"
	printf 'misuse:f\0oo\nx\0y 10\n' >"$T/nul"
	: >"$T/empty"
	mkdir -p "$T/adir"
}

# lh ARGS: lockhound with a bound; fails on a signal or a sanitizer report
lh() {
	run --separate-stderr timeout 60 "$LH" "$@"
	[ "$status" -lt 124 ] || fail "killed or crashed (status $status): $stderr"
	[[ "$stderr" != *Sanitizer* && "$stderr" != *"runtime error"* ]] || fail "sanitizer: $stderr"
}

@test "17b.1 garbage suppressions files: exit 2 with FILE:LINE, or accepted" {
	lh report --format json -o "$T/r.json" --suppressions "$T/binary" "$TR"
	assert_status 2
	[[ "$stderr" == *binary:1:* ]] || fail "no FILE:LINE in: $stderr"
	for f in huge nonl crlf nul empty; do
		lh report --format json -o "$T/r.json" --suppressions "$T/$f" "$TR"
		[ "$status" -eq 1 ] || [ "$status" -eq 2 ] || fail "$f: status $status: $stderr"
	done
}

@test "17b.2 garbage levels files: errors with line numbers, analysis still made" {
	for f in binary huge nonl crlf nul empty; do
		lh report --format json -o "$T/r.json" --levels "$T/$f" "$TR"
		[ "$status" -eq 1 ] || [ "$status" -eq 2 ] || fail "$f: status $status: $stderr"
	done
	lh report --format json -o "$T/r.json" --levels "$T/binary" "$TR"
	[[ "$stderr" == *binary:1:* ]] || fail "no FILE:LINE in: $stderr"
}

@test "17b.3 garbage baselines (binary, truncated, deeply nested, NUL): exit 2, byte offset named" {
	printf '{"version":1,"findings":[{"id":' >"$T/trunc.json"
	python3 -c "print('{\"findings\":' + '[' * 300000)" >"$T/deep.json"
	python3 -c "print('{\"a\":' * 300000)" >"$T/deep2.json"
	printf '{"findings":[{"id":"ab\0c"}]}' >"$T/nul.json"
	for f in binary huge nonl crlf empty trunc.json deep.json deep2.json nul.json; do
		lh report --format json -o "$T/r.json" --baseline "$T/$f" "$TR"
		assert_status 2
		[[ "$stderr" == *"$f"* ]] || fail "$f not named: $stderr"
	done
	[[ "$stderr" == *byte* ]] || fail "no byte offset: $stderr"
}

@test "17b.4 unreadable analysis inputs: report exits 3, run exits 2 before running PROGRAM" {
	p=$(prog output_exit)
	for opt in --suppressions --levels --baseline; do
		for f in "$T/missing" "$T/adir"; do
			lh report --format json -o "$T/r.json" "$opt" "$f" "$TR"
			assert_status 3
			[[ "$stderr" == *"$f"* ]] || fail "$opt $f not named: $stderr"
			lh run "$opt" "$f" -- "$p"
			assert_status 2
			refute_output --partial "output_exit"
		done
	done
}

@test "17b.5 run with a bad baseline: exit 2 and the traces are kept, their directory named" {
	p=$(prog output_exit)
	TMPDIR=$T lh run --baseline "$T/binary" -- "$p"
	assert_status 2
	[[ "$stderr" == *"traces kept in $T/lockhound."* ]] || fail "traces not kept: $stderr"
}

@test "17b.6 a trace truncated at every 8th byte: exit 0, 1 or 3, never a crash" {
	f=$(ls "$TR"/lockhound.*.trace | head -1)
	size=$(stat -c %s "$f")
	for ((n = 0; n < size; n += 8)); do
		head -c "$n" "$f" >"$T/cut.trace"
		lh report --format json -o "$T/r.json" "$T/cut.trace"
		[ "$status" -le 1 ] || [ "$status" -eq 3 ] || fail "cut at $n: status $status: $stderr"
	done
}

@test "17b.7 two traces whose processes claim to be each other's parent: no hang" {
	f=$(ls "$TR"/lockhound.*.trace | head -1)
	mkdir -p "$T/loop"
	# file header: pid at byte 16, ppid at 24, flags at 40 (LH_FILE_FORKED = 2)
	python3 - "$f" "$T/loop" <<'PY'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
buf = bytearray(open(src, 'rb').read())
for pid, ppid in ((101, 102), (102, 101)):
    struct.pack_into('<QQ', buf, 16, pid, ppid)
    struct.pack_into('<I', buf, 40, 2)
    open('%s/lockhound.%d.trace' % (out, pid), 'wb').write(buf)
PY
	for fmt in text json sarif html; do
		lh report --format "$fmt" -o "$T/r.out" "$T/loop"
		[ "$status" -le 1 ] || fail "$fmt: status $status: $stderr"
	done
}

@test "17b.8 a trace whose module path names a FIFO: the report does not block on it" {
	f=$(ls "$TR"/lockhound.*.trace | head -1)
	exe=$(prog abba_threads)
	fifo=/tmp/lhfifo.$$.$(printf '%*s' $(( ${#exe} - 13 - ${#$} )) '' | tr ' ' x)
	[ ${#fifo} -eq ${#exe} ] || skip "cannot make a FIFO path as long as $exe"
	rm -f "$fifo" && mkfifo "$fifo"
	python3 - "$f" "$T/fifo.trace" "$exe" "$fifo" <<'PY'
import sys
src, out, old, new = sys.argv[1:]
buf = open(src, 'rb').read().replace(old.encode(), new.encode())
open(out, 'wb').write(buf)
PY
	python3 "$ROOT/tests/fuzz/fixcrc.py" "$T/fifo.trace" "$T/fifo.trace"
	for fmt in text html; do
		run --separate-stderr timeout 20 "$LH" report --format "$fmt" -o "$T/r.out" "$T/fifo.trace"
		[ "$status" -ne 124 ] || { rm -f "$fifo"; fail "$fmt: blocked on the FIFO"; }
		[ "$status" -le 1 ] || { rm -f "$fifo"; fail "$fmt: status $status: $stderr"; }
	done
	rm -f "$fifo"
}

@test "17b.9 a FIFO named like a trace, given or in a directory: exit 3, no blocking" {
	mkdir -p "$T/fifodir"
	mkfifo "$T/fifodir/lockhound.1.trace"
	lh report "$T/fifodir/lockhound.1.trace"
	assert_status 3
	[[ "$stderr" == *"not a regular file"* ]] || fail "no clear message: $stderr"
	lh report "$T/fifodir"
	assert_status 3
	for opt in --suppressions --levels --baseline; do
		lh report "$opt" "$T/fifodir/lockhound.1.trace" "$TR"
		assert_status 3
	done
}
