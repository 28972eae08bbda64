#!/usr/bin/env bats
# Locks of one class (bank accounts, all initialised at bank.c:57) must be
# told apart wherever a finding shows two of them: the summary, the cycle
# line, the scenario, the edge headings, the HTML graph nodes.  The class is
# still shown, ids do not change, and the HTML fix does not list a
# meaningless "1. X 2. X" order.

load helpers

bank() {
	local b=$BUILD/examples/bank
	[ -x "$b" ] || make -C "$ROOT" -s BUILD="$BUILD" "$b" >&2 || fail "cannot build $b"
	echo "$b"
}

@test "62.1 bank: the two locks of the cycle have distinct names, one class" {
	b=$(bank)
	run_lh --html "$BATS_TEST_TMPDIR/r.html" -- "$b"
	assert_status 66
	assert_kinds "potential-deadlock"
	f='.findings[0]'
	assert_equal "$(jq "$f.locks | length" "$(report_json)")" 2
	assert_equal "$(jq "$f.locks | map(.name) | unique | length" "$(report_json)")" 2
	assert_equal "$(jq -r "$f.locks | map(.class) | unique | join(\" \")" "$(report_json)")" \
		"site:main@bank.c:57"
	# each name carries its short address and the init site
	run jq -r "$f.locks[] | \"\(.name) \(.address)\"" "$(report_json)"
	for line in "${lines[@]}"; do
		name=${line% *} addr=${line##* }
		[[ $name =~ ^mutex\ 0x…([0-9a-f]{4,})\ \(init\ bank\.c:57\ in\ main\)$ ]] ||
			fail "unexpected lock name: $name"
		[[ $addr == *"${BASH_REMATCH[1]}" ]] || fail "$name does not end like $addr"
	done
	# the summary names both instances and the class
	sum=$(jq -r "$f.summary" "$(report_json)")
	for n in $(jq -r "$f.locks[].name | @base64" "$(report_json)"); do
		n=$(printf '%s' "$n" | base64 -d)
		[[ $sum == *"$n"* ]] || fail "summary lacks $n: $sum"
	done
	[[ $sum == *"all of class mutex at bank.c:57 (main)"* ]] || fail "no class in: $sum"
}

@test "62.2 bank text report: cycle line and edge headings show two different locks" {
	b=$(bank)
	run_lh "$b"
	assert_status 66
	a=$(jq -r '.findings[0].locks[0].name' "$(report_json)")
	z=$(jq -r '.findings[0].locks[1].name' "$(report_json)")
	[ "$a" != "$z" ] || fail "same names"
	printf '%s\n' "$stderr" | grep -F "Cycle: $a → $z → $a" >/dev/null ||
		printf '%s\n' "$stderr" | grep -F "Cycle: $z → $a → $z" >/dev/null ||
		{ show_run; fail "no cycle line through both"; }
	printf '%s\n' "$stderr" | grep -F "holds $a and requests $z" >/dev/null ||
		{ show_run; fail "no edge $a -> $z"; }
	printf '%s\n' "$stderr" | grep -F "holds $z and requests $a" >/dev/null ||
		{ show_run; fail "no edge $z -> $a"; }
	# the scenario locks both
	printf '%s\n' "$stderr" | grep -F "lock($a);" >/dev/null || fail "scenario lacks $a"
	printf '%s\n' "$stderr" | grep -F "lock($z);" >/dev/null || fail "scenario lacks $z"
}

@test "62.3 bank HTML: two graph nodes, no numbered order of one class" {
	b=$(bank)
	run_lh --html "$BATS_TEST_TMPDIR/r.html" -- "$b"
	assert_status 66
	h=$BATS_TEST_TMPDIR/r.html
	# the finding's graph has two nodes (a_f1-n0, a_f1-n1), not one with a
	# self-loop ("-" is escaped by Graphviz as &#45;)
	n=$(grep -oE 'id="a_f1(-|&#45;)n[0-9]+"' "$h" | sort -u | wc -l)
	assert_equal "$n" 2
	grep -F 'order them by address' "$h" >/dev/null || fail "no by-address advice"
	grep -F 'Lock order to adopt</b> (everywhere' "$h" >/dev/null &&
		fail "numbered lock order printed for one class"
	true
}

@test "62.4 the finding id does not depend on the instance names" {
	b=$(bank)
	run_lh "$b"
	assert_status 66
	id1=$(jq -r '.findings[0].id' "$(report_json)")
	n1=$(jq -r '.findings[0].locks | map(.name) | join(",")' "$(report_json)")
	run_lh "$b"
	id2=$(jq -r '.findings[0].id' "$(report_json)")
	assert_equal "$id1" "$id2"
	[ -n "$n1" ] || fail "no names"
}
