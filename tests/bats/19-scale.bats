#!/usr/bin/env bats
# No fixed limits: 1,000 locks held at once by one thread and 1,000,000 live
# locks neither crash the shim nor produce findings (issue 2).

load helpers

@test "19.1 one thread holding 1,000 locks at once: no crash, no finding" {
	p=$(prog many_held)
	run_lh "$p" 1000
	assert_status 0
	assert_kinds ""
	assert_output "many_held: 1000 locks held at once, 0 errors"
	[[ "$stderr" != *"out of memory"* ]] || fail "shim degraded: $stderr"
}

@test "19.2 1,000,000 live heap mutexes: no crash, no finding" {
	p=$(prog million_locks)
	LH_TIMEOUT=120 run_lh "$p" 1000000
	[ "$status" -ne 124 ] || fail "timed out after 120 s"
	assert_status 0
	assert_kinds ""
	assert_output "million_locks: 1000000 locks, 0 errors"
	[[ "$stderr" != *"out of memory"* ]] || fail "shim degraded: $stderr"
}
