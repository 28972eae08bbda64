#!/usr/bin/env bats
# Graph cycles that no schedule can close are not findings: a common gate
# lock, a chain broken by an early unlock, a lock whose memory was reused
# (issue 3, ARCHITECTURE "Precision").

load helpers

@test "20.1 AB-BA under a common gate lock: no finding" {
	p=$(prog gate_lock)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
}

@test "20.2 A->B->C->A with A released before C is taken: no finding" {
	p=$(prog chain_broken)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
}

@test "20.3 mutexes destroyed and their memory reused in the reverse order: no finding" {
	p=$(prog reuse_reverse)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_output "reuse_reverse: done"
}
