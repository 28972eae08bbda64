#!/usr/bin/env bats
# Programs the shim cannot be preloaded into are refused with a clear
# message and exit 2 (CONTRACT "Running a program").

load helpers

@test "18.1 a statically linked program: exit 2, message says static" {
	[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || skip "libc.a not installed: cannot link statically"
	need_lockhound
	cc -static -O0 -pthread -o "$BATS_TEST_TMPDIR/abba_static" "$ROOT/tests/progs/abba_threads.c" ||
		skip "static link failed"
	run --separate-stderr timeout 30 "$LH" run --out "$BATS_TEST_TMPDIR/out" -- "$BATS_TEST_TMPDIR/abba_static"
	assert_status 2
	[[ "$stderr" == *static* ]] || fail "message does not say static: $stderr"
	refute_output --partial "abba_threads: done"
}

@test "18.2 a set-uid program: exit 2, message says set-uid" {
	need_lockhound
	p=$(prog output_exit)
	cp "$p" "$BATS_TEST_TMPDIR/suid_prog"
	chmod u+s "$BATS_TEST_TMPDIR/suid_prog"
	[ -u "$BATS_TEST_TMPDIR/suid_prog" ] || skip "cannot set the set-uid bit here"
	run --separate-stderr timeout 30 "$LH" run --out "$BATS_TEST_TMPDIR/out" -- "$BATS_TEST_TMPDIR/suid_prog"
	assert_status 2
	printf '%s\n' "$stderr" | grep -Eiq 'set-?uid' || fail "message does not say set-uid: $stderr"
	refute_output --partial "output_exit"
}

@test "18.3 a set-gid program is refused as well" {
	need_lockhound
	p=$(prog output_exit)
	cp "$p" "$BATS_TEST_TMPDIR/sgid_prog"
	chmod g+s "$BATS_TEST_TMPDIR/sgid_prog"
	[ -g "$BATS_TEST_TMPDIR/sgid_prog" ] || skip "cannot set the set-gid bit here"
	run --separate-stderr timeout 30 "$LH" run --out "$BATS_TEST_TMPDIR/out" -- "$BATS_TEST_TMPDIR/sgid_prog"
	assert_status 2
}
