#!/usr/bin/env bats
# Lock levels through the annotation API (issue 4): a thread holding a lock
# of level M may only acquire locks of level N < M; locks of one level only
# together through lh_lock_many.

load helpers

@test "30.1 level violation in a single thread: finding with both levels and both stacks" {
	p=$(prog level_violation)
	run_lh "$p"
	assert_status 66
	assert_kinds "level-violation"
	assert_equal "$(count_kind level-violation)" 1
	f='[.findings[] | select(.kind == "level-violation")][0]'
	assert_equal "$(jq -r "$f.locks | map(\"\(.name)=\(.level)\") | sort | join(\" \")" "$(report_json)")" \
		"entry_lock=10 table_lock=20"
	# the stack where the held lock was taken and the violating acquisition
	run jq -r "$f.events[].stack[]?.function" "$(report_json)"
	assert_line "update_entry_then_table"
	n=$(jq "[$f.events[] | select((.stack | length) > 0)] | length" "$(report_json)")
	[ "$n" -ge 2 ] || fail "expected two events with stacks, got $n"
}

@test "30.2 a correct hierarchy over four levels, two threads: no finding" {
	p=$(prog level_hierarchy)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_output "level_hierarchy: done"
}

@test "30.3 same-level locks through lh_lock_many, opposite orders: no finding" {
	p=$(prog level_same_many)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_output "level_same_many: total 200"
}

@test "30.4 same-level locks taken one by one: level-violation" {
	p=$(prog level_same_one_by_one)
	run_lh "$p"
	assert_status 66
	assert_kinds "level-violation"
}

@test "30.5 an rwlock read acquisition against the levels: level-violation" {
	p=$(prog level_rwlock_read)
	run_lh "$p"
	assert_status 66
	assert_kinds "level-violation"
	assert_equal "$(lock_names level-violation)" "config_lock map_rwlock"
}

@test "30.6 the annotated program without the shim: runs, prints only its own output" {
	p=$(prog level_violation)
	run --separate-stderr "$p"
	assert_success
	assert_output "level_violation: done"
	assert_equal "$stderr" ""
	p=$(prog level_same_many)
	run --separate-stderr "$p"
	assert_success
	assert_output "level_same_many: total 200"
	assert_equal "$stderr" ""
}
