#!/usr/bin/env bats
# Usage errors exit 2, unreadable input exits 3, each with a clear message
# (CONTRACT "Analyzing traces offline", issue 2).

load helpers

lh() {
	need_lockhound
	run --separate-stderr timeout 30 "$LH" "$@"
}

@test "17.1 report on a missing file: exit 3, the message names it" {
	lh report "$BATS_TEST_TMPDIR/no-such.trace"
	assert_status 3
	[[ "$stderr" == *no-such.trace* ]] || fail "message does not name the file: $stderr"
}

@test "17.2 report on a missing directory: exit 3" {
	lh report "$BATS_TEST_TMPDIR/no-such-dir"
	assert_status 3
}

@test "17.3 no command, unknown command, report without input: exit 2" {
	lh
	assert_status 2
	lh frobnicate
	assert_status 2
	[[ "$stderr" == *lockhound* ]] || fail "no message: $stderr"
	lh report
	assert_status 2
}

@test "17.4 unknown option, bad --format, bad --exitcode: exit 2" {
	p=$(prog output_exit)
	lh run --no-such-option -- "$p"
	assert_status 2
	refute_output --partial "output_exit"
	lh report --format xml "$BATS_TEST_TMPDIR"
	assert_status 2
	lh run --exitcode many -- "$p"
	assert_status 2
}

@test "17.5 run without a program: exit 2" {
	lh run
	assert_status 2
	lh run --
	assert_status 2
}

@test "17.6 run -O with an unknown shim key or a bad value: exit 2, program not run" {
	p=$(prog output_exit)
	lh run -O bogus=1 -- "$p"
	assert_status 2
	refute_output --partial "output_exit"
	[[ "$stderr" == *bogus* ]] || fail "message does not name the key: $stderr"
	lh run -O stack_depth=lots -- "$p"
	assert_status 2
}

@test "17.7 run on a program that does not exist: exit 2 or 127 with a message" {
	lh run -- "$BATS_TEST_TMPDIR/no-such-program"
	[ "$status" -eq 2 ] || [ "$status" -eq 127 ] || fail "exit $status"
	[[ "$stderr" == *no-such-program* ]] || fail "message does not name the program: $stderr"
}

@test "17.8 --help and --version exit 0 on stdout" {
	lh --help
	assert_status 0
	assert_output --partial "run"
	assert_output --partial "report"
	lh --version
	assert_status 0
	assert_output --regexp '[0-9]+\.[0-9]+\.[0-9]+'
}
