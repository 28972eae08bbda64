#!/usr/bin/env bats
# More pthread API misuse (issue 3.4): use of a destroyed mutex.  The shim
# sees a lock call on a mutex whose lifetime ended with
# pthread_mutex_destroy (glibc marks it __kind == -1) and reports `misuse`
# "use of a destroyed lock" before the call fails with EINVAL.

load helpers

@test "29.1 lock after pthread_mutex_destroy: misuse naming the destroyed lock" {
	p=$(prog misuse_destroyed_use)
	run_lh "$p"
	[ "$status" -ne 124 ] || { show_run; fail "hung"; }
	assert_status 66
	assert_kinds "misuse"
	# the program's own output and status are untouched: glibc says EINVAL
	assert_output "misuse_destroyed_use: lock after destroy returned 22"
	# one finding says "destroyed" and names the lock (the EINVAL error
	# return may be a second misuse finding)
	run jq -r '.findings[] | select(.kind == "misuse") | select(.summary | test("destroyed")) |
		"\(.locks | map(.name) | join(" "))"' "$(report_json)"
	[ "${#lines[@]}" -eq 1 ] || { show_run; fail "expected one 'destroyed' finding, got ${#lines[@]}"; }
	assert_output "gone_lock"
	# at the call site in main (the line marked "use after destroy")
	line=$(grep -n 'use after destroy' "$ROOT/tests/progs/misuse_destroyed_use.c" | tail -1 | cut -d: -f1)
	run jq -r '.findings[] | select(.summary | test("destroyed")) | .events[].stack[0]? |
		"\(.function):\(.line)"' "$(report_json)"
	assert_line "main:$line"
}

@test "29.2 lock after destroy: the shim says so on stderr, the program runs on" {
	p=$(prog misuse_destroyed_use)
	run_preload "$p"
	assert_success
	assert_output "misuse_destroyed_use: lock after destroy returned 22"
	[[ "$stderr" == *"lockhound: misuse: use of a destroyed lock"*"gone_lock"* ]] ||
		fail "no 'use of a destroyed lock' line naming gone_lock on stderr: $stderr"
}

@test "29.3 destroy then re-init then lock: a new lifetime, no misuse" {
	p=$(prog misuse_destroy_reinit)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_output "misuse_destroy_reinit: lock after re-init returned 0"
}
