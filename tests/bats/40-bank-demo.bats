#!/usr/bin/env bats
# The bank example: per-account mutexes, transfer() locks `from` then `to`.
# The run never hangs, but lockhound reports the class-level inversion
# (accounts i,j in one thread, j,i in another).  `make demo` shows it.

load helpers

bank() {
	local b=$BUILD/examples/bank
	[ -x "$b" ] || make -C "$ROOT" -s BUILD="$BUILD" "$b" >&2 || fail "cannot build $b"
	echo "$b"
}

@test "40.1 bank under lockhound run: one class-level potential-deadlock, balances intact" {
	b=$(bank)
	run_lh "$b"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_line "bank: total balance 64000 (expected 64000): ok"
	# the pairs of accounts are instances of one class: one finding, many times
	assert_equal "$(count_kind potential-deadlock)" 1
	f='[.findings[] | select(.kind == "potential-deadlock")][0]'
	assert_equal "$(jq "$f.locks | map(.class) | unique | length" "$(report_json)")" 1
	[ "$(jq "$f.count" "$(report_json)")" -ge 2 ] || fail "count is not above 1"
	# the inversion is in transfer()
	run jq -r "$f.events[].stack[]?.function" "$(report_json)"
	assert_line "transfer"
}

@test "40.2 bank -o (lower account first): no finding, exit 0" {
	b=$(bank)
	run_lh "$b" -o
	assert_status 0
	assert_kinds ""
	assert_line "bank: total balance 64000 (expected 64000): ok"
}

@test "40.3 make demo: potential-deadlock in the report, HTML path printed" {
	need_lockhound
	run timeout -k 5 180 make -C "$ROOT" -s BUILD="$BUILD" demo
	assert_success
	assert_output --partial "HTML report:"
	[ -s "$BUILD/demo/report.html" ] || fail "no HTML report at $BUILD/demo/report.html"
	assert_equal "$(kinds "$BUILD/demo/report.json")" "potential-deadlock"
}
