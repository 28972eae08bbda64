#!/usr/bin/env bats
# Forked and exec'd children are traced, each process in its own trace file,
# and the analysis merges them (issue 2).

load helpers

@test "14.1 a forked child and an exec'd program each doing AB-BA: both findings" {
	p=$(prog fork_exec)
	child=$(prog abba_threads)
	run_lh "$p" "$child"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 2
	run jq -r '.findings[] | .locks | map(.name) | sort | join(" ")' "$(report_json)"
	assert_line "fork_a fork_b"
	assert_line "lock_a lock_b"
}

@test "14.2 one trace file per process, mode 0600" {
	p=$(prog fork_exec)
	child=$(prog abba_threads)
	run_lh "$p" "$child"
	n=$(find "$BATS_TEST_TMPDIR/out" -name 'lockhound.*.trace' | wc -l)
	[ "$n" -ge 2 ] || { ls -la "$BATS_TEST_TMPDIR/out"; fail "expected several trace files, found $n"; }
	for f in "$BATS_TEST_TMPDIR"/out/lockhound.*.trace; do
		assert_equal "$(stat -c %a "$f")" 600
	done
	# the traces alone give the same findings offline
	run --separate-stderr "$LH" report --format json -o "$BATS_TEST_TMPDIR/r.json" "$BATS_TEST_TMPDIR/out"
	assert_status 1
	assert_equal "$(count_kind potential-deadlock)" 2
}
