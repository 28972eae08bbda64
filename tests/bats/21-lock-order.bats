#!/usr/bin/env bats
# Inversions by code that cannot run concurrently (one thread, or threads
# ordered by create/join) are `lock-order`: reported, but the exit status is
# the program's unless --strict (issue 3).

load helpers

@test "21.1 AB-BA in threads ordered by join: lock-order, exit 0" {
	p=$(prog abba_join_ordered)
	run_lh "$p"
	assert_status 0
	assert_kinds "lock-order"
	assert_equal "$(lock_names lock-order)" "lock_a lock_b"
}

@test "21.2 AB-BA ordered by join with --strict: exit 66" {
	p=$(prog abba_join_ordered)
	run_lh --strict -- "$p"
	assert_status 66
	assert_kinds "lock-order"
}

@test "21.3 AB-BA in a single thread: lock-order, exit 0" {
	p=$(prog abba_single_thread)
	run_lh "$p"
	assert_status 0
	assert_kinds "lock-order"
	assert_equal "$(lock_names lock-order)" "lock_a lock_b"
}

@test "21.4 AB-BA in a single thread with --strict: exit 66" {
	p=$(prog abba_single_thread)
	run_lh --strict -- "$p"
	assert_status 66
	assert_kinds "lock-order"
}

@test "21.5 --exitcode changes the status of counted findings only" {
	p=$(prog abba_single_thread)
	run_lh --strict --exitcode 9 -- "$p"
	assert_status 9
	p=$(prog abba_threads)
	run_lh --exitcode 9 -- "$p"
	assert_status 9
	assert_kinds "potential-deadlock"
}
