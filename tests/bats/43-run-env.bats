#!/usr/bin/env bats
# `lockhound run` and the environment (issue 2.5, 6.3): the shim goes in
# front of the user's own LD_PRELOAD, which is kept; a program killed by a
# signal gives 128+signal; LOCKHOUND_STM_STATS=1 makes the STM library print
# its statistics on stderr, nothing on stdout.

load helpers

# user_preload: build a harmless preload library that announces itself on
# stderr from a constructor; echo its path.
user_preload() {
	local d=$BATS_TEST_TMPDIR/userpre
	mkdir -p "$d"
	cat >"$d/userpre.c" <<'C'
#include <unistd.h>
__attribute__((constructor)) static void userpre_hello(void)
{
	static const char msg[] = "userpre: loaded\n";
	ssize_t r = write(2, msg, sizeof(msg) - 1);
	(void)r;
}
C
	${CC:-cc} -shared -fPIC -o "$d/libuserpre.so" "$d/userpre.c" >&2 || return 1
	echo "$d/libuserpre.so"
}

@test "43.1 run puts the shim first in an existing LD_PRELOAD and keeps the user's library" {
	p=$(prog print_preload)
	u=$(user_preload) || fail "cannot build the user preload library"
	LD_PRELOAD=$u run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_line --regexp '^LD_PRELOAD='
	val=${output#LD_PRELOAD=}
	IFS=: read -r -a parts <<<"$val"
	[ "${#parts[@]}" -eq 2 ] || fail "expected shim:user, got '$val'"
	assert_equal "$(readlink -f "${parts[0]}")" "$(readlink -f "$SHIM")"
	assert_equal "${parts[1]}" "$u"
	# the user's library was really loaded into the program
	[[ "$stderr" == *"userpre: loaded"* ]] || fail "user preload did not run: $stderr"
	# and so was the shim: the run left a trace of the program
	compgen -G "$BATS_TEST_TMPDIR/out/lockhound.*.trace" >/dev/null || fail "no trace in $BATS_TEST_TMPDIR/out"
}

@test "43.2 run without LD_PRELOAD: exactly the shim" {
	p=$(prog print_preload)
	LD_PRELOAD= run_lh "$p"
	assert_status 0
	val=${output#LD_PRELOAD=}
	[[ "$output" == LD_PRELOAD=* && "$val" != *:* ]] || fail "expected only the shim, got '$output'"
	assert_equal "$(readlink -f "$val")" "$(readlink -f "$SHIM")"
}

@test "43.3 a program that kills itself with SIGTERM: exit status 143 (128+15), no finding" {
	p=$(prog self_signal)
	run_lh "$p" TERM
	assert_status 143
	assert_output "self_signal: raising SIGTERM"
	assert_kinds ""
}

@test "43.4 a program that raises SIGSEGV: exit status 139 (128+11), no finding" {
	p=$(prog self_signal)
	run_lh "$p" SEGV
	assert_status 139
	assert_output "self_signal: raising SIGSEGV"
	assert_kinds ""
}

@test "43.5 LOCKHOUND_STM_STATS=1 on bank_stm: statistics on stderr (lockhound-stm: lines), stdout unchanged" {
	b=$BUILD/examples/bank_stm
	[ -x "$b" ] || fail "$b is not built (make $b)"
	run --separate-stderr timeout -k 5 "$LH_TIMEOUT" env -u LOCKHOUND_STM_STATS "$b"
	assert_success
	assert_equal "$stderr" ""
	plain_lines=${#lines[@]}
	LOCKHOUND_STM_STATS=1 run --separate-stderr timeout -k 5 "$LH_TIMEOUT" "$b"
	assert_success
	# stdout: the program's one result line, no statistics
	assert_equal "${#lines[@]}" "$plain_lines"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^bank_stm: 4 tellers, 2000 transfers each, 64 accounts: total 64000 \(expected 64000\), [0-9]+ bounced, '
	[[ "$output" != *lockhound-stm* ]] || fail "statistics on stdout: $output"
	bounced=$(sed -E 's/.* ([0-9]+) bounced.*/\1/' <<<"$output")
	# stderr: only lockhound-stm: lines
	[ -n "$stderr" ] || fail "no statistics on stderr"
	bad=$(printf '%s\n' "$stderr" | grep -vc '^lockhound-stm: ' || true)
	[ "$bad" -eq 0 ] || fail "stderr lines without the lockhound-stm: prefix: $stderr"
	# one line per site; every transfer commits once, a bounced one read-only
	[[ "$stderr" == *"lockhound-stm: site \"transfer\": 8000 commits ($bounced read-only),"* ]] ||
		fail "no 'site \"transfer\": 8000 commits ($bounced read-only)' line: $stderr"
	[[ "$stderr" == *"lockhound-stm: site \"audit\": "* ]] || fail "no audit site line: $stderr"
}

@test "43.6 LOCKHOUND_STM_STATS with a bad value: one warning, no statistics" {
	b=$BUILD/examples/bank_stm
	[ -x "$b" ] || fail "$b is not built (make $b)"
	LOCKHOUND_STM_STATS=yes run --separate-stderr timeout -k 5 "$LH_TIMEOUT" "$b"
	assert_success
	assert_equal "$stderr" 'lockhound-stm: ignoring LOCKHOUND_STM_STATS="yes" (want 0 or 1)'
}
