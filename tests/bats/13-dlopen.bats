#!/usr/bin/env bats
# Locks that live in a dlopen()ed library are named by that library's global
# symbols (issue 2).

load helpers

@test "13.1 AB-BA on mutexes of a dlopen()ed library: names are the library's symbols" {
	p=$(prog dlopen_locks)
	lib=$(prog libdllocks.so)
	run_lh "$p" "$lib"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(lock_names potential-deadlock)" "dl_lock_a dl_lock_b"
	# the acquisition frames are resolved inside the library
	run jq -r '.findings[0].events[].stack[]?.function' "$(report_json)"
	assert_line "dl_take_ab"
	assert_line "dl_take_ba"
}
