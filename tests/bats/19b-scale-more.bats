#!/usr/bin/env bats
# No fixed limits, continued (issue 2.2 / 3.5): 1,000 threads; an old edge
# still closes a cycle after a million other lock operations; when memory
# runs out the shim degrades with one stderr line and leaves the program's
# output and exit status alone.

load helpers

@test "19b.1 1,000 threads (batches of 50 alive together) taking two locks in one order: no finding" {
	p=$(prog threads_thousand)
	run_lh "$p" 1000 50
	[ "$status" -ne 124 ] || { show_run; fail "timed out"; }
	assert_status 0
	assert_output "threads_thousand: 1000 threads, total 1000, 0 errors"
	assert_kinds ""
	[[ "$stderr" != *"out of memory"* ]] || fail "shim degraded: $stderr"
	# every thread reached the analyzer (main + 1,000)
	n=$(jq '.stats.threads' "$(report_json)")
	[ "$n" -ge 1001 ] || { show_run; fail "stats.threads = $n, expected >= 1001"; }
	assert_equal "$(jq '.stats.locks' "$(report_json)")" 2
}

@test "19b.2 lock_a -> lock_b, then 1,000,000 other lock operations, then lock_b -> lock_a in a concurrent thread: potential-deadlock" {
	p=$(prog order_after_million)
	run_lh "$p" 1000000
	[ "$status" -ne 124 ] || { show_run; fail "timed out"; }
	assert_status 66
	assert_output "order_after_million: 1000000 other lock operations, 0 errors"
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 1
	assert_equal "$(lock_names potential-deadlock)" "lock_a lock_b"
	# the million operations went through the shim
	n=$(jq '.stats.events' "$(report_json)")
	[ "$n" -ge 1000000 ] || { show_run; fail "stats.events = $n, expected >= 1000000"; }
}

# run_limited KBYTES PROG ARGS...: the program (only) under `ulimit -v`,
# with the shim preloaded directly; bats `run` with separate stderr.
run_limited() {
	local kb=$1
	shift
	need_lockhound
	mkdir -p "$BATS_TEST_TMPDIR/traces"
	run --separate-stderr timeout -k 5 "$LH_TIMEOUT" bash -c \
		'ulimit -v "$1" || exit 125; shift; exec "$@"' _ "$kb" \
		env LD_PRELOAD="$SHIM" LOCKHOUND_OPTIONS="trace_dir=$BATS_TEST_TMPDIR/traces" "$@"
}

# assert_one_oom_line: stderr is exactly one line, from lockhound, saying
# out of memory.
assert_one_oom_line() {
	local n
	n=$(printf '%s\n' "$stderr" | grep -c 'lockhound:.*out of memory')
	[ "$n" -eq 1 ] || fail "expected one 'lockhound: ... out of memory' line, got $n: $stderr"
	n=$(printf '%s' "$stderr" | grep -c '')
	[ "$n" -eq 1 ] || fail "expected nothing else on stderr, got $n lines: $stderr"
}

@test "19b.3 1,000,000 locks under ulimit -v 250000 (the shim's arena cannot grow): one 'out of memory' line, program unchanged" {
	p=$(prog million_locks)
	# The program alone needs about 50 MB of address space; the shim's
	# tables for a million locks need several hundred MB more.  250000 KiB
	# is in the middle of the range (~100000..450000 here) where the
	# program runs and the shim's arena runs out early.
	run_limited 250000 "$p" 1000000
	[ "$status" -ne 124 ] || fail "timed out after ${LH_TIMEOUT}s (stderr: $stderr)"
	[ "$status" -ne 125 ] || skip "ulimit -v is not allowed here"
	assert_equal "$status" 0
	assert_output "million_locks: 1000000 locks, 0 errors"
	assert_one_oom_line
}

@test "19b.4 1,000,000 locks under ulimit -v 530000 (the chain set's growth fails late): degrades, does not spin" {
	p=$(prog million_locks)
	# At about 480000..600000 KiB the lock table still fits but a doubling
	# of the thread's chain set fails.  The program takes ~2 s under the
	# shim without a limit; 20 s bounds a hang, it is not a speed check.
	LH_TIMEOUT=20 run_limited 530000 "$p" 1000000
	[ "$status" -ne 125 ] || skip "ulimit -v is not allowed here"
	[ "$status" -ne 124 ] || fail "hung: killed after 20 s (stderr: $stderr)"
	assert_equal "$status" 0
	assert_output "million_locks: 1000000 locks, 0 errors"
	assert_one_oom_line
}
