#!/usr/bin/env bats
# Trylocks and reader/writer locks (issue 3, ARCHITECTURE "Semantics").

load helpers

@test "22.1 lock taken by a successful trylock, then a blocking lock in reverse: potential-deadlock" {
	p=$(prog trylock_then_block)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(lock_names potential-deadlock)" "lock_a lock_b"
}

@test "22.2 rwlock read-read AB-BA (reader-preferring): no finding" {
	p=$(prog rwlock_read_read)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
}

@test "22.3 rwlock write-held, read-requested AB-BA: potential-deadlock" {
	p=$(prog rwlock_write_read)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(lock_names potential-deadlock)" "rw_a rw_b"
}
