#!/usr/bin/env bats
# std::scoped_lock (std::lock: lock one, try the rest, back off) on two
# mutexes named in opposite orders cannot deadlock (issue 3).

load helpers

@test "28.1 std::scoped_lock(a, b) and (b, a) under contention: no finding" {
	p=$(prog scoped_lock)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_output "scoped_lock: counter=4000"
}
