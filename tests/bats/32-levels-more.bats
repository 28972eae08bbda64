#!/usr/bin/env bats
# More of the levels API (issue 4): leaf locks (lh_lock_leaf), lh_lock_many
# over locks of different levels, and the fix text of a potential-deadlock
# citing the levels --suggest-levels would give.

load helpers

@test "32.1 a lock taken while a leaf lock is held: level-violation over both" {
	p=$(prog level_leaf)
	run_lh "$p"
	assert_status 66
	assert_output "level_leaf: done"
	assert_kinds "level-violation"
	assert_equal "$(count_kind level-violation)" 1
	assert_equal "$(lock_names level-violation)" "log_lock stats_lock"
	# the violating acquisition, in the function that made it
	run jq -r '.findings[] | select(.kind == "level-violation") | .events[].stack[]?.function' \
		"$(report_json)"
	assert_line "count_then_log"
}

@test "32.2 leaf violation summary: says leaf, prints no sentinel level" {
	p=$(prog level_leaf)
	run_lh "$p"
	assert_status 66
	summary=$(jq -r '[.findings[] | select(.kind == "level-violation")][0].summary' "$(report_json)")
	[[ "$summary" == *stats_lock* && "$summary" == *log_lock* ]] || fail "summary: $summary"
	# the leaf is a rule, not a number: no internal sentinel in the text
	[[ "$summary" != *"-9223372036854775807"* ]] || fail "sentinel level in the summary: $summary"
	[[ "$summary" == *leaf* ]] || fail "summary does not say the held lock is a leaf: $summary"
}

@test "32.3 a leaf lock taken innermost and released before the next lock: no finding" {
	p=$(prog level_leaf_ok)
	run_lh "$p"
	assert_status 0
	assert_output "level_leaf_ok: done"
	assert_kinds ""
}

@test "32.4 lh_lock_many over levels 10 and 20 (10 first in the array and in memory): higher level first, no finding" {
	p=$(prog level_many_mixed)
	run_lh "$p"
	assert_status 0
	assert_output "level_many_mixed: total 11"
	assert_kinds ""
}

@test "32.5 the fix text of a potential-deadlock cites the levels of --suggest-levels" {
	p=$(prog abba_threads)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	fix=$(jq -r '[.findings[] | select(.kind == "potential-deadlock")][0].fix' "$(report_json)")
	# the levels the report command suggests for the same traces
	run --separate-stderr timeout -k 5 "$LH_TIMEOUT" "$LH" report --suggest-levels "$BATS_TEST_TMPDIR/out"
	sugg=$(printf '%s\n' "$output" | grep -E '^lock_[ab] [0-9]+$' | sort)
	assert_equal "$(printf '%s\n' "$sugg" | wc -l)" 2
	a=$(printf '%s\n' "$sugg" | awk '$1 == "lock_a" { print $2 }')
	b=$(printf '%s\n' "$sugg" | awk '$1 == "lock_b" { print $2 }')
	[[ "$fix" == *"levels from --suggest-levels:"* ]] || fail "fix does not cite --suggest-levels: $fix"
	[[ "$fix" == *"lock_a $a"* && "$fix" == *"lock_b $b"* ]] ||
		fail "fix does not give lock_a $a, lock_b $b: $fix"
	# the order the fix asks for is the one of the levels: higher first
	[ "$a" -ne "$b" ] || fail "lock_a and lock_b get the same level $a"
	if [ "$a" -gt "$b" ]; then first=lock_a second=lock_b; else first=lock_b second=lock_a; fi
	[[ "$fix" == *"take $first before $second"* ]] || fail "fix order (want $first first): $fix"
}
