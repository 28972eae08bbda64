#!/usr/bin/env bats
# --baseline FILE (an earlier JSON report): findings whose id is in it are
# still listed, marked "known": true, and do not count towards the exit
# status; new findings do (issue 5.3).  For `run` and for `report`.

load helpers

# make_baseline: run baseline_abba (the AB-BA only) and keep its JSON report
# and traces as $BATS_TEST_TMPDIR/base.json and .../base/.
make_baseline() {
	p=$(prog baseline_abba)
	run_lh "$p" old
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 1
	assert_equal "$(lock_names potential-deadlock)" "lock_a lock_b"
	# without a baseline nothing is known
	assert_equal "$(jq '[.findings[] | select(.known == true)] | length' "$(report_json)")" 0
	cp "$(report_json)" "$BATS_TEST_TMPDIR/base.json"
	rm -rf "$BATS_TEST_TMPDIR/base"
	cp -r "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/base"
	base_id=$(jq -r '.findings[0].id' "$BATS_TEST_TMPDIR/base.json")
	[ -n "$base_id" ] && [ "$base_id" != null ] || fail "baseline finding has no id"
}

@test "42.1 run --baseline: the same finding again is listed as known, exit status is the program's (0)" {
	make_baseline
	run_lh --baseline "$BATS_TEST_TMPDIR/base.json" -- "$p" old
	assert_status 0
	assert_output "baseline_abba: old"
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 1
	assert_equal "$(jq -r '.findings[0].id' "$(report_json)")" "$base_id"
	assert_equal "$(jq -r '.findings[0].known' "$(report_json)")" "true"
}

@test "42.2 run --baseline: a new finding (other locks, other sites) counts: exit 66, only the old one known" {
	make_baseline
	run_lh --baseline "$BATS_TEST_TMPDIR/base.json" -- "$p" new
	assert_status 66
	assert_output "baseline_abba: old and new"
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 2
	# the old AB-BA: same id, known; the new C-D: another id, not known
	run jq -r '.findings[] | "\(.locks | map(.name) | sort | join(" ")) \(.id == "'"$base_id"'") \(.known // false)"' \
		"$(report_json)"
	assert_line "lock_a lock_b true true"
	assert_line "lock_c lock_d false false"
}

@test "42.3 run --baseline with --exitcode: a new finding gives that status" {
	make_baseline
	run_lh --baseline "$BATS_TEST_TMPDIR/base.json" --exitcode 9 -- "$p" new
	assert_status 9
	run_lh --baseline "$BATS_TEST_TMPDIR/base.json" --exitcode 9 -- "$p" old
	assert_status 0
}

@test "42.4 report --baseline: exit 0 when every finding is known, 1 when one is new" {
	make_baseline
	# the same traces: everything known
	run --separate-stderr timeout -k 5 "$LH_TIMEOUT" "$LH" report --format json \
		-o "$BATS_TEST_TMPDIR/rep.json" --baseline "$BATS_TEST_TMPDIR/base.json" "$BATS_TEST_TMPDIR/base"
	assert_status 0
	assert_equal "$(jq -r '[.findings[] | .known] | join(" ")' "$BATS_TEST_TMPDIR/rep.json")" "true"
	# without the baseline the same traces give 1
	run --separate-stderr timeout -k 5 "$LH_TIMEOUT" "$LH" report "$BATS_TEST_TMPDIR/base"
	assert_status 1
	# traces with a new finding against the baseline: 1
	run_lh "$p" new
	assert_status 66
	run --separate-stderr timeout -k 5 "$LH_TIMEOUT" "$LH" report --format json \
		-o "$BATS_TEST_TMPDIR/rep.json" --baseline "$BATS_TEST_TMPDIR/base.json" "$BATS_TEST_TMPDIR/out"
	assert_status 1
	assert_equal "$(jq '[.findings[] | select(.known == true)] | length' "$BATS_TEST_TMPDIR/rep.json")" 1
	assert_equal "$(jq '.findings | length' "$BATS_TEST_TMPDIR/rep.json")" 2
}

@test "42.5 a baseline with no findings hides nothing; a baseline that is not JSON is an error (2), not a pass" {
	p=$(prog baseline_abba)
	echo '{"version": 1, "findings": [], "stats": {"threads": 0, "locks": 0, "edges": 0, "events": 0}}' \
		>"$BATS_TEST_TMPDIR/empty.json"
	run_lh --baseline "$BATS_TEST_TMPDIR/empty.json" -- "$p" old
	assert_status 66
	assert_equal "$(jq '[.findings[] | select(.known == true)] | length' "$(report_json)")" 0
	echo "this is not json" >"$BATS_TEST_TMPDIR/bad.json"
	run_lh --baseline "$BATS_TEST_TMPDIR/bad.json" -- "$p" old
	assert_status 2
	[[ "$stderr" == *"bad.json"* ]] || { show_run; fail "the message does not name the baseline file"; }
}
