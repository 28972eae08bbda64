#!/usr/bin/env bats
# STM integration (issue 6.4): blocking calls and output inside a
# transaction attempt are `misuse`.  The programs link the STATIC
# liblockhound-stm.a without -rdynamic, so lh_stm_in_attempt is not in the
# dynamic symbol table: the shim learns about the STM only through the weak
# lh_shim_stm_register() call from the library's constructor.

load helpers

# stm_prog NAME: tests/progs/NAME.c built with the static STM into the
# test's temporary directory (the Makefile builds tests/progs without it).
stm_prog() {
	local src=$ROOT/tests/progs/$1.c out=$BATS_TEST_TMPDIR/$1 a=$BUILD/lib/liblockhound-stm.a
	[ -f "$a" ] || make -C "$ROOT" -s BUILD="$BUILD" "$a" >&2 ||
		{ echo "cannot build $a" >&2; return 1; }
	local san=
	# make SANITIZE=address builds an instrumented archive: link it the same way
	nm "$a" 2>/dev/null | grep -q '__asan_' && san="-fsanitize=address,undefined"
	${CC:-cc} -std=gnu11 -O0 -g -pthread -DLH_WITH_STM $san -I"$ROOT/include" -o "$out" "$src" \
		"$a" -lpthread >&2 || { echo "cannot build $out" >&2; return 1; }
	echo "$out"
}

@test "45.1 blocking pthread_mutex_lock inside lh_atomically: misuse naming the transaction" {
	p=$(stm_prog stm_lock_in_tx)
	# really the static library, not an exported lh_stm_in_attempt
	run bash -c "nm -D '$p' | grep -w lh_stm_in_attempt"
	assert_failure
	run_lh "$p"
	assert_status 66
	assert_kinds "misuse"
	assert_output "stm_lock_in_tx: counter 1"
	run jq -r '.findings[] | select(.kind == "misuse") | .summary' "$(report_json)"
	assert_output --partial "transaction"
	assert_output --partial "log_lock"
	line=$(grep -n 'blocking lock in the attempt' "$ROOT/tests/progs/stm_lock_in_tx.c" | cut -d: -f1)
	run jq -r '.findings[0].events[0].stack[0] | "\(.function):\(.line)"' "$(report_json)"
	assert_output "bump_and_log:$line"
}

@test "45.2 write(2) inside a transaction attempt: one misuse at the write, counted 3 times" {
	p=$(stm_prog stm_write_in_tx)
	run_lh "$p"
	assert_status 66
	assert_kinds "misuse"
	assert_line "stm_write_in_tx: deposited"
	assert_line "stm_write_in_tx: balance 10"
	assert_equal "$(count_kind misuse)" 1
	assert_equal "$(finding_count misuse)" 3
	run jq -r '.findings[0].summary' "$(report_json)"
	assert_output "misuse: write(2) inside an STM transaction attempt"
	run jq -r '.findings[0].fix' "$(report_json)"
	assert_output --partial "lh_on_commit()"
	line=$(grep -n 'in the attempt: misuse' "$ROOT/tests/progs/stm_write_in_tx.c" | cut -d: -f1)
	run jq -r '.findings[0].events[0].stack[0] | "\(.function):\(.line)"' "$(report_json)"
	assert_output "deposit_and_say:$line"
}

@test "45.3 the shim says so on stderr; the program's output is unchanged" {
	p=$(stm_prog stm_write_in_tx)
	run_preload "$p"
	assert_success
	assert_output "stm_write_in_tx: deposited
stm_write_in_tx: deposited
stm_write_in_tx: deposited
stm_write_in_tx: balance 10"
	[[ "$stderr" == *"lockhound: misuse: write(2) inside an STM transaction attempt: it is repeated if the attempt retries; move it to lh_on_commit()"* ]] ||
		fail "no misuse line on stderr: $stderr"
	# one report, not three
	[ "$(grep -c 'misuse: write' <<<"$stderr")" -eq 1 ] || fail "reported more than once: $stderr"
}

@test "45.4 the same write through lh_on_commit(): no finding" {
	p=$(stm_prog stm_write_in_tx)
	run_lh "$p" commit
	assert_status 0
	assert_kinds ""
	assert_line "stm_write_in_tx: deposited"
	assert_line "stm_write_in_tx: balance 10"
}

@test "45.5 build/examples/bank_stm (transactions, output after them): no finding" {
	b=$BUILD/examples/bank_stm
	[ -x "$b" ] || make -C "$ROOT" -s BUILD="$BUILD" "$b" >&2 || fail "cannot build $b"
	run_lh "$b"
	assert_status 0
	assert_kinds ""
}
