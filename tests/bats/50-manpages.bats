#!/usr/bin/env bats
# The user man pages render without warnings and document every shim option
# and every public annotation function.

load helpers

@test "50.1 liblockhound.7 renders without groff warnings" {
	run groff -man -ww -z "$ROOT/man/man7/liblockhound.7"
	assert_success
	assert_output ""
}

@test "50.2 liblockhound.7 documents every key of common/options.def" {
	keys=$(sed -n 's/^LH_OPT([a-z]*, *\([a-z_]*\),.*/\1/p' "$ROOT/common/options.def")
	[ -n "$keys" ] || fail "no keys found in options.def"
	for k in $keys; do
		# a tagged paragraph: .BI key= or .BR key= ...
		grep -qE "^\.B[IR]? +$k=" "$ROOT/man/man7/liblockhound.7" ||
			fail "option $k is not documented in liblockhound.7"
	done
}

@test "50.3 liblockhound.7 states the halt exit status and the trace file name" {
	grep -q '^\.B 86$' "$ROOT/man/man7/liblockhound.7"
	grep -q 'lockhound\. pid \.trace\|lockhound\.<pid>\.trace' "$ROOT/man/man7/liblockhound.7"
}

@test "50.4 lockhound.3 renders without groff warnings" {
	[ -f "$ROOT/man/man3/lockhound.3" ] || skip "man/man3/lockhound.3 not written yet"
	run groff -man -ww -z "$ROOT/man/man3/lockhound.3"
	assert_success
	assert_output ""
}

@test "50.5 lockhound.3 documents every function of include/lockhound/lockhound.h" {
	h=$ROOT/include/lockhound/lockhound.h
	# the public functions (lh_shim_* are the weak internals behind them)
	[ -f "$h" ] || skip "include/lockhound/lockhound.h does not exist yet"
	[ -f "$ROOT/man/man3/lockhound.3" ] || fail "lockhound.h exists but man/man3/lockhound.3 does not"
	fns=$(grep -oE '\blh_[a-z_]+ *\(' "$h" | tr -d ' (' | grep -v '^lh_shim_' | sort -u)
	[ -n "$fns" ] || fail "no lh_ functions found in $h"
	for f in $fns; do
		grep -q "$f" "$ROOT/man/man3/lockhound.3" || fail "$f is not documented in lockhound.3"
	done
}
