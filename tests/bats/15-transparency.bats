#!/usr/bin/env bats
# The shim never changes the program's stdout or exit status, and writes
# nothing to stdout itself (issue 2, CONTRACT "The shim used directly").

load helpers

native() {
	p=$(prog output_exit)
	run --separate-stderr "$p" one "two words"
	native_status=$status native_out=$output native_err=$stderr
	assert_equal "$native_status" 7
}

@test "15.1 lockhound run: stdout and exit status byte-identical to the native run" {
	native
	run_lh "$p" one "two words"
	assert_status 7
	assert_equal "$output" "$native_out"
	assert_kinds ""
	# the program's own stderr still reaches stderr
	[[ "$stderr" == *"output_exit: a line on stderr"* ]] || fail "program stderr lost: $stderr"
}

@test "15.2 LD_PRELOAD directly: same stdout, stderr and status; a 0600 trace file" {
	native
	run_preload "$p" one "two words"
	assert_equal "$status" 7
	assert_equal "$output" "$native_out"
	assert_equal "$stderr" "$native_err"
	run find "$BATS_TEST_TMPDIR/traces" -name 'lockhound.*.trace'
	assert_equal "${#lines[@]}" 1
	assert_equal "$(stat -c %a "${lines[0]}")" 600
}

@test "15.3 stdout byte-identical when stdout is a file (buffered) too" {
	p=$(prog output_exit)
	"$p" x >"$BATS_TEST_TMPDIR/native.out" 2>/dev/null || true
	mkdir -p "$BATS_TEST_TMPDIR/t"
	timeout 20 env LD_PRELOAD="$SHIM" LOCKHOUND_OPTIONS="trace_dir=$BATS_TEST_TMPDIR/t" \
		"$p" x >"$BATS_TEST_TMPDIR/shim.out" 2>/dev/null || rc=$?
	assert_equal "${rc:-0}" 7
	cmp "$BATS_TEST_TMPDIR/native.out" "$BATS_TEST_TMPDIR/shim.out"
}

@test "15.4 unknown shim option: exactly one lockhound: warning, program runs unchanged" {
	native
	LH_OPTS=bogus=1 run_preload "$p" one "two words"
	assert_equal "$status" 7
	assert_equal "$output" "$native_out"
	n=$(printf '%s\n' "$stderr" | grep -c '^lockhound:' || true)
	[ "$n" -eq 1 ] || fail "expected one lockhound: warning, got $n: $stderr"
	printf '%s\n' "$stderr" | grep '^lockhound:' | grep -q bogus ||
		fail "the warning does not name the bad key: $stderr"
	[[ "$stderr" == *"output_exit: a line on stderr"* ]] || fail "program stderr lost"
}

@test "15.5 a bad value for a known shim option: one warning, program runs" {
	native
	LH_OPTS=stack_depth=lots run_preload "$p" one "two words"
	assert_equal "$status" 7
	assert_equal "$output" "$native_out"
	n=$(printf '%s\n' "$stderr" | grep -c '^lockhound:' || true)
	[ "$n" -eq 1 ] || fail "expected one lockhound: warning, got $n: $stderr"
}
