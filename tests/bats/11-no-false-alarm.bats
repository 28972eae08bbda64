#!/usr/bin/env bats
# Patterns that look like inversions but cannot deadlock: no finding, and the
# exit status is the program's (issue 2).

load helpers

@test "11.1 trylock in the reverse order: no finding" {
	p=$(prog trylock_reverse)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_output "trylock_reverse: trylock returned 0"
}

@test "11.2 condition wait inside a consistent order: no finding" {
	p=$(prog condvar_consistent)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_output "condvar_consistent: done"
}

@test "11.3 recursive mutex relocked by its owner: no finding" {
	p=$(prog recursive_relock)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_output "recursive_relock: rc=0"
}
