#!/usr/bin/env bats
# Lock-order cycles between concurrent threads are potential deadlocks, for
# every lock flavour (issue 2).  The programs never actually deadlock: their
# threads take turns (barriers, semaphores), but are alive at the same time.

load helpers

@test "10.1 AB-BA in two concurrent threads that never overlap: potential-deadlock on lock_a, lock_b" {
	p=$(prog abba_threads)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 1
	assert_equal "$(lock_names potential-deadlock)" "lock_a lock_b"
	assert_output "abba_threads: done"
}

@test "10.2 three-lock cycle: the whole cycle is reported" {
	p=$(prog cycle3)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 1
	assert_equal "$(lock_names potential-deadlock)" "ring_0 ring_1 ring_2"
}

@test "10.3 five dining philosophers: one cycle over all five forks" {
	p=$(prog philosophers)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(count_kind potential-deadlock)" 1
	assert_equal "$(jq '[.findings[] | select(.kind == "potential-deadlock")][0].locks | length' "$(report_json)")" 5
	# five distinct locks, not one lock repeated
	assert_equal "$(jq '[.findings[0].locks[].address] | unique | length' "$(report_json)")" 5
}

@test "10.4 consistent order under real contention: no finding, program's status" {
	p=$(prog consistent_order)
	run_lh "$p"
	assert_status 0
	assert_kinds ""
	assert_output "consistent_order: counter=20000"
}

@test "10.5 pthread_mutex_timedlock AB-BA: potential-deadlock" {
	p=$(prog timedlock_abba)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(lock_names potential-deadlock)" "lock_a lock_b"
}

@test "10.6 C11 mtx_t AB-BA (mtx_lock intercepted itself): potential-deadlock" {
	p=$(prog mtx_abba)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(lock_names potential-deadlock)" "c11_a c11_b"
}

@test "10.7 C++ std::mutex AB-BA: potential-deadlock" {
	p=$(prog cxx_mutex_abba)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(lock_names potential-deadlock)" "cxx_a cxx_b"
}

@test "10.8 pthread spinlock AB-BA: potential-deadlock" {
	p=$(prog spin_abba)
	run_lh "$p"
	assert_status 66
	assert_kinds "potential-deadlock"
	assert_equal "$(lock_names potential-deadlock)" "spin_a spin_b"
}

@test "10.9 the finding carries both threads and every edge's stacks" {
	p=$(prog abba_threads)
	run_lh "$p"
	assert_kinds "potential-deadlock"
	f='[.findings[] | select(.kind == "potential-deadlock")][0]'
	# two distinct threads
	assert_equal "$(jq "$f.threads | map(.id) | unique | length" "$(report_json)")" 2
	# the acquisition sites of both orders appear as symbolized frames
	run jq -r "$f.events[].stack[]?.function" "$(report_json)"
	assert_line "worker_ab"
	assert_line "worker_ba"
	# id is a non-empty string, count at least 1
	assert [ "$(jq -r "$f.id | type" "$(report_json)")" = string ]
	assert [ "$(jq -r "$f.count" "$(report_json)")" -ge 1 ]
}
