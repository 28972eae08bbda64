#!/usr/bin/env bats
# lockhound report --suggest-levels prints a levels file consistent with the
# observed orders; applied to the consistent variant it gives no finding
# (issue 4).

load helpers

# suggest DIR: stdout of --suggest-levels into $BATS_TEST_TMPDIR/levels;
# every line is empty, a comment, or "NAME LEVEL".
suggest() {
	run --separate-stderr timeout 60 "$LH" report --suggest-levels "$1"
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ] || { show_run; fail "suggest-levels exited $status"; }
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/levels"
	bad=$(grep -vE '^[[:space:]]*(#.*)?$' "$BATS_TEST_TMPDIR/levels" |
		grep -vE '^[[:space:]]*[^[:space:]#]+[[:space:]]+-?[0-9]+[[:space:]]*(#.*)?$' || true)
	[ -z "$bad" ] || fail "lines that are not 'NAME LEVEL': $bad"
}

# level_of NAME: its level in the suggested file
level_of() {
	awk -v n="$1" '$1 == n { print $2 }' "$BATS_TEST_TMPDIR/levels"
}

@test "41.1 3-lock cycle: levels for all three locks, a place to change marked" {
	p=$(prog cycle3)
	run_lh "$p"
	assert_kinds "potential-deadlock"
	suggest "$BATS_TEST_TMPDIR/out"
	for n in ring_0 ring_1 ring_2; do
		[ -n "$(level_of $n)" ] || fail "no level for $n in: $(cat "$BATS_TEST_TMPDIR/levels")"
	done
	l0=$(level_of ring_0) l1=$(level_of ring_1) l2=$(level_of ring_2)
	[ "$l0" != "$l1" ] && [ "$l1" != "$l2" ] && [ "$l0" != "$l2" ] ||
		fail "levels are not distinct: $l0 $l1 $l2"
	grep -q '^[[:space:]]*#.*ring_' "$BATS_TEST_TMPDIR/levels" ||
		fail "no comment marks the acquisition to change: $(cat "$BATS_TEST_TMPDIR/levels")"
}

@test "41.2 the suggested levels applied to the consistent variant: no finding" {
	p=$(prog cycle3)
	q=$(prog cycle3_ordered)
	run_lh "$p"
	suggest "$BATS_TEST_TMPDIR/out"
	cp "$BATS_TEST_TMPDIR/levels" "$BATS_TEST_TMPDIR/levels.txt"
	# highest level first
	order=$(grep -E '^ring_[0-2][[:space:]]' "$BATS_TEST_TMPDIR/levels.txt" | sort -k2,2nr | awk '{print $1}' | xargs)
	[ "$(wc -w <<<"$order")" -eq 3 ] || fail "cannot order: $order"
	run_lh --levels "$BATS_TEST_TMPDIR/levels.txt" -- "$q" $order
	assert_status 0
	assert_kinds ""
	assert_output "cycle3_ordered: $order"
	# and the reverse order violates them (the levels really were applied)
	rev=$(tr ' ' '\n' <<<"$order" | tac | xargs)
	run_lh --levels "$BATS_TEST_TMPDIR/levels.txt" -- "$q" $rev
	assert_status 66
	assert_kinds "level-violation"
}

@test "41.3 bank example: a parseable levels file; applied to bank -o: no finding" {
	b=$BUILD/examples/bank
	[ -x "$b" ] || make -C "$ROOT" -s BUILD="$BUILD" "$b" >&2
	run_lh "$b"
	assert_kinds "potential-deadlock"
	suggest "$BATS_TEST_TMPDIR/out"
	[ -s "$BATS_TEST_TMPDIR/levels" ] || fail "empty suggestion"
	cp "$BATS_TEST_TMPDIR/levels" "$BATS_TEST_TMPDIR/levels.txt"
	run_lh --levels "$BATS_TEST_TMPDIR/levels.txt" -- "$b" -o
	assert_status 0
	assert_kinds ""
	assert_line "bank: total balance 64000 (expected 64000): ok"
}
