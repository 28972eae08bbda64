#!/usr/bin/env bats
# Findings the shim decides online are reported once per site and counted:
# a repeat is not written or printed again, but its occurrences reach the
# report's `count` (FINDING_COUNT records at exit).  Also: a lock after
# destroy is one finding, not a second "error return" one.

load helpers

# cprog NAME: compiles the C source on stdin into $BATS_TEST_TMPDIR/NAME
# (scenario programs private to this file, with a repeat count argument).
cprog() {
	local out=$BATS_TEST_TMPDIR/$1
	${CC:-cc} -std=gnu11 -O0 -g -pthread -rdynamic -I"$ROOT/include" -x c -o "$out" - >&2 ||
		{ echo "cannot build $out" >&2; return 1; }
	echo "$out"
}

level_repeat() {
	cprog level_repeat <<'EOF_C'
/* entry_lock (level 10) held, table_lock (level 20) taken: a violation,
 * repeated argv[1] times from the same two sites. */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t entry_lock = PTHREAD_MUTEX_INITIALIZER;

static void update_entry_then_table(void)
{
	pthread_mutex_lock(&entry_lock);
	pthread_mutex_lock(&table_lock);     /* 20 while holding 10 */
	pthread_mutex_unlock(&table_lock);
	pthread_mutex_unlock(&entry_lock);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;

	lh_lock_level(&table_lock, 20);
	lh_lock_level(&entry_lock, 10);
	for (int i = 0; i < n; i++)
		update_entry_then_table();
	printf("level_repeat: %d\n", n);
	return 0;
}
EOF_C
}

unlock_repeat() {
	cprog unlock_repeat <<'EOF_C'
/* An unlock of a mutex that is not locked, argv[1] times at one site, and
 * once at another site (another function: ids hash functions, not lines). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

pthread_mutex_t stray_lock = PTHREAD_MUTEX_INITIALIZER;

static void unlock_again(void)
{
	pthread_mutex_unlock(&stray_lock);           /* site 2 */
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;

	for (int i = 0; i < n; i++)
		pthread_mutex_unlock(&stray_lock);   /* site 1 */
	unlock_again();
	printf("unlock_repeat: %d\n", n);
	return 0;
}
EOF_C
}

@test "29b.1 a level violation repeated 7 times at the same sites: one finding, count 7" {
	p=$(level_repeat)
	run_lh "$p" 7
	assert_status 66
	assert_kinds "level-violation"
	assert_output "level_repeat: 7"
	assert_equal "$(count_kind level-violation)" 1
	assert_equal "$(finding_count level-violation)" 7
	# reported on stderr once, not 7 times
	[ "$(grep -c 'level violation: thread' <<<"$stderr")" -eq 1 ] ||
		{ show_run; fail "stderr should report it once"; }
}

@test "29b.2 once is count 1 (no FINDING_COUNT record needed)" {
	p=$(level_repeat)
	run_lh "$p" 1
	assert_status 66
	assert_equal "$(finding_count level-violation)" 1
}

@test "29b.3 misuse repeated 7 times at one site plus once at another: counts 7 and 1" {
	p=$(unlock_repeat)
	run_lh "$p" 7
	assert_status 66
	assert_kinds "misuse"
	assert_output "unlock_repeat: 7"
	run jq -r '[.findings[] | .count] | sort | map(tostring) | join(" ")' "$(report_json)"
	assert_output "1 7"
}

@test "29b.4 counts survive offline: lockhound report on the kept traces" {
	p=$(level_repeat)
	run_lh "$p" 5
	assert_status 66
	run timeout 60 "$LH" report --format json -o "$BATS_TEST_TMPDIR/again.json" "$BATS_TEST_TMPDIR/out"
	assert_equal "$(finding_count level-violation "$BATS_TEST_TMPDIR/again.json")" 5
}

@test "29b.5 lock after destroy: only the destroyed-use finding, no EINVAL error-return one" {
	p=$(prog misuse_destroyed_use)
	run_lh "$p"
	assert_status 66
	assert_kinds "misuse"
	assert_equal "$(count_kind misuse)" 1
	run jq -r '.findings[0].summary' "$(report_json)"
	assert_output --partial "destroyed"
	[[ "$stderr" != *"returned an error"* ]] || { show_run; fail "error return reported too"; }
}
