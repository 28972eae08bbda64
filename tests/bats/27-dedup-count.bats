#!/usr/bin/env bats
# The same finding from many lock lifetimes is reported once, with a count
# (issue 3).

load helpers

@test "27.1 1,000 lifetimes of an AB-BA pair: one potential-deadlock with count 1000" {
	p=$(prog abba_repeat)
	run_lh "$p" 1000
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 1
	assert_equal "$(finding_count potential-deadlock)" 1000
	assert_output "abba_repeat: 1000 iterations"
}
