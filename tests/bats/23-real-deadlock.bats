#!/usr/bin/env bats
# Real deadlocks are reported while they happen and the run ends instead of
# hanging (issue 3).  Every run is bounded by `timeout`; status 124 = hung.

load helpers

@test "23.1 real AB-BA deadlock forced by a barrier: deadlock, run ends" {
	p=$(prog real_deadlock)
	LH_TIMEOUT=30 run_lh "$p"
	[ "$status" -ne 124 ] || { show_run; fail "hung: killed by timeout after 30 s"; }
	assert_status 66
	assert_kinds "deadlock"
	assert_equal "$(lock_names deadlock)" "lock_a lock_b"
	# both threads of the cycle are named in the finding
	assert_equal "$(jq '[.findings[] | select(.kind == "deadlock")][0].threads | length' "$(report_json)")" 2
	refute_output --partial "not reached"
}

@test "23.2 real deadlock with the shim directly: status 86 and a lockhound: report on stderr" {
	p=$(prog real_deadlock)
	LH_OPTS=halt_on_deadlock=1 LH_TIMEOUT=30 run_preload "$p"
	[ "$status" -ne 124 ] || fail "hung: killed by timeout after 30 s"
	assert_equal "$status" 86
	[[ "$stderr" == *lockhound:* ]] || fail "no lockhound: message on stderr: $stderr"
	[[ "$stderr" == *lock_a* && "$stderr" == *lock_b* ]] || fail "stderr does not name both locks: $stderr"
}

@test "23.3 three threads deadlocked through a condition wait: the watchdog reports deadlock" {
	p=$(prog condvar_deadlock3)
	LH_TIMEOUT=30 run_lh -O deadlock_timeout_ms=1000 -- "$p"
	[ "$status" -ne 124 ] || { show_run; fail "hung: killed by timeout after 30 s"; }
	assert_status 66
	assert_kinds "deadlock"
	refute_output --partial "not reached"
}

@test "23.4 self-deadlock on a normal mutex: deadlock" {
	p=$(prog self_deadlock)
	LH_TIMEOUT=20 run_lh "$p"
	[ "$status" -ne 124 ] || { show_run; fail "hung: killed by timeout after 20 s"; }
	assert_status 66
	assert_kinds "deadlock"
}
