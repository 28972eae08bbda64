#!/usr/bin/env bats
# Read-read cycles on rwlocks (README "Precision rules"): on glibc's default
# reader-preferring rwlocks readers never block readers, so an AB-BA made
# only of read acquisitions is no deadlock; on writer-preferring rwlocks
# (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP) a reader waits behind a
# queued writer, so the same cycle is a potential-deadlock (issue 3.1).

load helpers

@test "22b.1 read-read AB-BA on writer-preferring rwlocks, concurrent threads: potential-deadlock" {
	p=$(prog rwlock_writer_pref)
	run_lh "$p" writer
	assert_status 66
	assert_output "rwlock_writer_pref: writer done"
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 1
	assert_equal "$(lock_names potential-deadlock)" "rw_a rw_b"
}

@test "22b.2 the same program on default rwlocks: no finding, program's status" {
	p=$(prog rwlock_writer_pref)
	run_lh "$p" default
	assert_status 0
	assert_output "rwlock_writer_pref: default done"
	assert_kinds ""
}
