#!/usr/bin/env bats
# `lockhound run` must not pass silently when the shim never ran in PROGRAM:
# no trace at all means nothing was checked, so it says so and exits 2
# whatever PROGRAM's own status was.  A program killed by SIGKILL still has
# the header the shim wrote at start: that is not an error.

load helpers

@test "44.1 LOCKHOUND_SHIM naming a missing file: clear error, exit 2, PROGRAM not run" {
	need_lockhound
	p=$(prog abba_threads)
	LOCKHOUND_SHIM=/nonexistent.so run_lh "$p"
	assert_status 2
	[[ $stderr == *"LOCKHOUND_SHIM=/nonexistent.so"* ]] || { show_run; fail "no reason given"; }
	[[ $stderr != *"0 findings"* ]] || fail "reported 0 findings"
}

@test "44.2 LOCKHOUND_SHIM naming a non-ELF file: the loader ignores it; exit 2, not 0" {
	need_lockhound
	p=$(prog abba_threads)
	printf 'not an ELF object\n' > "$BATS_TEST_TMPDIR/bad.so"
	LOCKHOUND_SHIM=$BATS_TEST_TMPDIR/bad.so run_lh "$p"
	assert_status 2
	# PROGRAM did run (its output is there), but nothing was traced
	assert_output --partial "abba_threads: done"
	[[ $stderr == *"no trace was written: the shim was not loaded into"* ]] ||
		{ show_run; fail "no 'no trace was written' error"; }
	[[ $stderr == *"LOCKHOUND_SHIM"* ]] || fail "no hint"
	[[ $stderr != *"0 findings"* ]] || fail "reported 0 findings"
	[ ! -f "$(report_json)" ] || fail "a report was written for nothing"
}

@test "44.3 LOCKHOUND_SHIM naming a real library that is not the shim: exit 2" {
	need_lockhound
	p=$(prog abba_threads)
	lib=$(ldd "$p" | awk '$1 ~ /^libc\.so/ { print $3 }')
	[ -f "$lib" ] || skip "no libc path from ldd"
	LOCKHOUND_SHIM=$lib run_lh "$p"
	assert_status 2
	[[ $stderr == *"no trace was written"* ]] || { show_run; fail "no error"; }
}

@test "44.4 a program killed by SIGKILL: exit 137, readable trace, no shim error" {
	need_lockhound
	run_lh --keep -- sh -c 'kill -9 $$'
	assert_status 137
	[[ $stderr != *"no trace was written"* ]] || { show_run; fail "header-only trace not seen"; }
	ls "$BATS_TEST_TMPDIR"/out/lockhound.*.trace >/dev/null || fail "no trace kept"
	run timeout -k 5 60 "$LH" report "$BATS_TEST_TMPDIR/out"
	assert_success
}

@test "44.5 a program leaving by _exit with status 3: its status, no shim error" {
	need_lockhound
	command -v python3 >/dev/null || skip "no python3"
	# the traced process leaves without atexit handlers or destructors
	run_lh -- python3 -c 'import os; os._exit(3)'
	assert_status 3
	[[ $stderr != *"no trace was written"* ]] || { show_run; fail "shim error on _exit"; }
}

@test "44.6 traces left in --out DIR by an earlier run do not hide a missing shim" {
	need_lockhound
	p=$(prog abba_threads)
	run_lh "$p"
	assert_status 66
	run --separate-stderr timeout -k 5 60 env LOCKHOUND_SHIM=/bin/true "$LH" run \
		--out "$BATS_TEST_TMPDIR/out" -- "$p"
	[ "$status" -eq 2 ] || { show_run; fail "exit $status, not 2"; }
	[[ $stderr == *"no trace was written"* ]] || fail "no error: $stderr"
}
