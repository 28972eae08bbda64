#!/usr/bin/env bats
# Damaged traces: `lockhound report` exits 3, names the file and the byte
# offset, and still analyzes the valid part (CONTRACT, issue 2).

load helpers

setup_file() {
	local p
	p=$(prog abba_threads)
	mkdir -p "$BATS_FILE_TMPDIR/good"
	# timeout outside: only the program is preloaded, one trace file
	timeout 30 env LD_PRELOAD="$SHIM" LOCKHOUND_OPTIONS="trace_dir=$BATS_FILE_TMPDIR/good" \
		"$p" >/dev/null 2>&1 || true
}

good_trace() {
	local f
	f=$(find "$BATS_FILE_TMPDIR/good" -name 'lockhound.*.trace')
	[ -n "$f" ] || fail "the shim wrote no trace in $BATS_FILE_TMPDIR/good"
	[ "$(wc -l <<<"$f")" -eq 1 ] || fail "expected one trace, got: $f"
	echo "$f"
}

# block_starts FILE: byte offsets of every block header, then the file size.
block_starts() {
	python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = 64
while off + 16 <= len(data):
    magic, plen = struct.unpack_from("<II", data, off)
    if magic != 0x4b42484c:
        break
    print(off)
    off += 16 + plen
print(len(data))
PY
}

# report_on FILE: lockhound report --format json into r.json
report_on() {
	need_lockhound
	rm -f "$BATS_TEST_TMPDIR/r.json"
	run --separate-stderr timeout 60 "$LH" report --format json -o "$BATS_TEST_TMPDIR/r.json" "$@"
}

# assert_names_offset FILE: stderr names the file and a byte offset
assert_names_offset() {
	[[ "$stderr" == *"$1"* ]] || fail "stderr does not name $1: $stderr"
	printf '%s\n' "$stderr" | grep -Eiq '(byte|offset)[^0-9]{0,3}[0-9]+' ||
		fail "stderr names no byte offset: $stderr"
}

@test "16.1 the intact trace: findings, exit 1" {
	f=$(good_trace)
	report_on "$f"
	assert_status 1
	assert_kinds "potential-deadlock"
}

@test "16.2 garbage appended after a valid trace: exit 3, offset of the damage, findings kept" {
	f=$(good_trace)
	size=$(stat -c %s "$f")
	bad=$BATS_TEST_TMPDIR/lockhound.1.trace
	{ cat "$f"; printf 'this is not a block header....'; } >"$bad"
	report_on "$bad"
	assert_status 3
	assert_names_offset "$bad"
	[[ "$stderr" == *"$size"* ]] || fail "stderr does not give offset $size: $stderr"
	assert_kinds "potential-deadlock"
}

@test "16.3 truncated at several offsets: exit 3 with file and offset each time" {
	f=$(good_trace)
	mapfile -t starts < <(block_starts "$f")
	size=${starts[-1]}
	[ "${#starts[@]}" -ge 2 ] || fail "no blocks found in $f"
	first=${starts[0]}
	# inside the file header, inside a block header, inside the first
	# payload, one byte short of the end
	for cut in 10 $((first + 8)) $((first + 16 + 8)) $((size - 1)); do
		bad=$BATS_TEST_TMPDIR/lockhound.$cut.trace
		head -c "$cut" "$f" >"$bad"
		report_on "$bad"
		[ "$status" -eq 3 ] || fail "cut at $cut of $size: exit $status, expected 3: $stderr"
		assert_names_offset "$bad"
		# a report is still written for what was valid
		jq -e '.version == 1' "$BATS_TEST_TMPDIR/r.json" >/dev/null ||
			fail "cut at $cut: no JSON report written"
	done
}

@test "16.4 truncated inside the last block: the earlier blocks are still analyzed" {
	f=$(good_trace)
	mapfile -t starts < <(block_starts "$f")
	n=${#starts[@]}
	[ "$n" -ge 3 ] || skip "the trace has a single block"
	# keep every block but the last, plus 5 bytes of the last header
	cut=$((starts[n - 2] + 5))
	bad=$BATS_TEST_TMPDIR/lockhound.2.trace
	head -c "$cut" "$f" >"$bad"
	report_on "$bad"
	assert_status 3
	assert_names_offset "$bad"
	[[ "$stderr" == *"${starts[n - 2]}"* ]] || fail "stderr does not give offset ${starts[n - 2]}: $stderr"
	jq -e '.version == 1' "$BATS_TEST_TMPDIR/r.json" >/dev/null
}

@test "16.5 one byte flipped inside a block payload: checksum error, exit 3" {
	f=$(good_trace)
	mapfile -t starts < <(block_starts "$f")
	pos=$((starts[0] + 16 + 20))
	bad=$BATS_TEST_TMPDIR/lockhound.3.trace
	cp "$f" "$bad"
	python3 - "$bad" "$pos" <<'PY'
import sys
p, pos = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[pos] ^= 0x5a
open(p, "wb").write(b)
PY
	report_on "$bad"
	assert_status 3
	assert_names_offset "$bad"
}

@test "16.6 a file that is not a trace, and an empty file: exit 3" {
	bad=$BATS_TEST_TMPDIR/lockhound.4.trace
	cp /etc/passwd "$bad"
	report_on "$bad"
	assert_status 3
	[[ "$stderr" == *"$bad"* ]] || fail "stderr does not name $bad: $stderr"
	: >"$BATS_TEST_TMPDIR/lockhound.5.trace"
	report_on "$BATS_TEST_TMPDIR/lockhound.5.trace"
	assert_status 3
}

@test "16.7 one damaged trace among good ones: exit 3, the good ones still reported" {
	f=$(good_trace)
	mkdir -p "$BATS_TEST_TMPDIR/mixed"
	cp "$f" "$BATS_TEST_TMPDIR/mixed/"
	head -c 40 "$f" >"$BATS_TEST_TMPDIR/mixed/lockhound.999999.trace"
	report_on "$BATS_TEST_TMPDIR/mixed"
	assert_status 3
	assert_names_offset "lockhound.999999.trace"
	assert_kinds "potential-deadlock"
}
