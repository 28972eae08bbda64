#!/usr/bin/env bats
# --suppressions FILE: KIND:PATTERN on any frame's function, file or module,
# and id:ID (CONTRACT "Suppressions and levels", issue 3).

load helpers

@test "26.1 a rule matching a function name hides the finding: exit = program's" {
	p=$(prog abba_threads)
	printf '# the known inversion\npotential-deadlock:worker_ba*\n' >"$BATS_TEST_TMPDIR/supp"
	run_lh --suppressions "$BATS_TEST_TMPDIR/supp" -- "$p"
	assert_status 0
	assert_kinds ""
}

@test "26.2 a rule that matches nothing: still reported, exit 66" {
	p=$(prog abba_threads)
	printf 'potential-deadlock:no_such_function*\nmisuse:worker_ba*\n' >"$BATS_TEST_TMPDIR/supp"
	run_lh --suppressions "$BATS_TEST_TMPDIR/supp" -- "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
}

@test "26.3 id:ID from an earlier report hides the same finding" {
	p=$(prog abba_threads)
	run_lh "$p"
	assert_kinds "potential-deadlock"
	id=$(jq -r '.findings[0].id' "$(report_json)")
	printf 'id:%s\n' "$id" >"$BATS_TEST_TMPDIR/supp"
	run_lh --suppressions "$BATS_TEST_TMPDIR/supp" -- "$p"
	assert_status 0
	assert_kinds ""
}

@test "26.4 the id is stable across runs" {
	p=$(prog abba_threads)
	run_lh "$p"
	id1=$(jq -r '.findings[0].id' "$(report_json)")
	run_lh "$p"
	id2=$(jq -r '.findings[0].id' "$(report_json)")
	assert_equal "$id1" "$id2"
}
