#!/usr/bin/env bats
# A long cycle is reported whole, not capped (issue 3).

load helpers

@test "25.1 a 30-lock cycle over 30 threads: one finding with all 30 locks" {
	p=$(prog cycle30)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 1
	assert_equal "$(jq '.findings[0].locks | length' "$(report_json)")" 30
	assert_equal "$(jq '[.findings[0].locks[].address] | unique | length' "$(report_json)")" 30
}
