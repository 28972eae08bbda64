#!/usr/bin/env bats
# A levels file for binaries that cannot be changed (issue 4):
# one "LOCKNAME LEVEL" a line, LOCKNAME a global symbol.

load helpers

@test "31.1 unmodified binary + levels file naming its global mutexes: level-violation" {
	p=$(prog levels_unmodified)
	printf '# levels for levels_unmodified\nregistry_lock 30\ncache_lock 20\n' >"$BATS_TEST_TMPDIR/levels"
	run_lh --levels "$BATS_TEST_TMPDIR/levels" -- "$p"
	assert_status 66
	assert_kinds "level-violation"
	run jq -r '.findings[0].locks | map("\(.name)=\(.level)") | sort | join(" ")' "$(report_json)"
	assert_output "cache_lock=20 registry_lock=30"
}

@test "31.2 the same binary without a levels file: no finding" {
	p=$(prog levels_unmodified)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
}

@test "31.3 the levels file through LOCKHOUND_OPTIONS=levels=FILE: violation reported on stderr" {
	p=$(prog levels_unmodified)
	printf 'registry_lock 30\ncache_lock 20\n' >"$BATS_TEST_TMPDIR/levels"
	LH_OPTS="levels=$BATS_TEST_TMPDIR/levels" run_preload "$p"
	assert_equal "$status" 0
	assert_output "levels_unmodified: done"
	[[ "$stderr" == *lockhound:* && "$stderr" == *registry_lock* ]] ||
		fail "no lockhound: report naming registry_lock on stderr: $stderr"
	run --separate-stderr "$LH" report --format json -o "$BATS_TEST_TMPDIR/r.json" "$BATS_TEST_TMPDIR/traces"
	assert_status 1
	assert_kinds "level-violation"
}

@test "31.4 unknown symbol and malformed line: errors with line numbers, program runs, status unchanged" {
	p=$(prog output_exit)
	printf '# line 1 is a comment\nprint_lock 10\nno_such_symbol 20\nprint_lock_without_level\n' \
		>"$BATS_TEST_TMPDIR/levels"
	run_lh --levels "$BATS_TEST_TMPDIR/levels" -- "$p"
	assert_status 7
	assert_line "lines=15"
	printf '%s\n' "$stderr" | grep 'no_such_symbol' | grep -Eq '(:|line )3\b' ||
		fail "no error naming no_such_symbol at line 3: $stderr"
	printf '%s\n' "$stderr" | grep -Eq '(:|line )4\b' ||
		fail "no error for the malformed line 4: $stderr"
	assert_kinds ""
}
