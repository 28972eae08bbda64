#!/usr/bin/env bats
# A normal mutex relocked by its owner is reported before the thread blocks
# forever, and halt_on_deadlock ends the run (issue 2).

load helpers

@test "12.1 self-deadlock under lockhound run: deadlock reported, run ends" {
	p=$(prog self_deadlock)
	LH_TIMEOUT=20 run_lh "$p"
	[ "$status" -ne 124 ] || { show_run; fail "hung: killed by timeout after 20 s"; }
	assert_status 66
	assert_kinds "deadlock"
	assert_equal "$(lock_names deadlock)" "self_lock"
	assert_output "self_deadlock: about to relock"
}

@test "12.2 self-deadlock with the shim directly and halt_on_deadlock=1: status 86, report on stderr" {
	p=$(prog self_deadlock)
	LH_OPTS=halt_on_deadlock=1 LH_TIMEOUT=20 run_preload "$p"
	[ "$status" -ne 124 ] || fail "hung: killed by timeout after 20 s"
	assert_equal "$status" 86
	assert_output "self_deadlock: about to relock"
	[[ "$stderr" == *lockhound:* ]] || fail "no lockhound: message on stderr: $stderr"
	[[ "$stderr" == *deadlock* ]] || fail "stderr does not say deadlock: $stderr"
	# the trace written before halting holds the finding
	run --separate-stderr "$LH" report --format json -o "$BATS_TEST_TMPDIR/r.json" "$BATS_TEST_TMPDIR/traces"
	assert_status 1
	assert_kinds "deadlock"
}
