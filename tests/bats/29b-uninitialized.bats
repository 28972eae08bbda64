#!/usr/bin/env bats
# A mutex used without ever being initialised (garbage bytes from malloc or
# the stack) is `misuse` "never initialized", once per lock.  Zeroed memory
# (PTHREAD_MUTEX_INITIALIZER, calloc, static storage) and glibc's static
# recursive / errorcheck / adaptive initialisers are initialised locks.

load helpers

cprog() {
	local out=$BATS_TEST_TMPDIR/$1
	${CC:-cc} -std=gnu11 -O0 -g -pthread -rdynamic -I"$ROOT/include" -x c -o "$out" - >&2 ||
		{ echo "cannot build $out" >&2; return 1; }
	echo "$out"
}

@test "29b.10 malloc'ed garbage used as a mutex: one uninitialized misuse (no extra EINVAL finding)" {
	p=$(cprog uninit_garbage <<'EOF_C'
/* Two garbage mutexes: 0x5a bytes (glibc: lock fails with EINVAL, tried
 * 3 times) and 0x01 bytes (lock word set: trylock says EBUSY; a blocking
 * lock would hang forever).  Expected: one finding per lock. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	pthread_mutex_t *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	int ra = 0, rb;

	memset(a, 0x5a, sizeof(*a));
	memset(b, 0x01, sizeof(*b));
	for (int i = 0; i < 3; i++)
		ra = pthread_mutex_lock(a);          /* garbage 0x5a */
	rb = pthread_mutex_trylock(b);               /* garbage 0x01 */
	printf("uninit_garbage: %d %d\n", ra, rb);
	return 0;
}
EOF_C
)
	run_lh "$p"
	assert_status 66
	assert_output "uninit_garbage: 22 16"
	assert_kinds "misuse"
	run jq -r '.findings[] | .summary' "$(report_json)"
	assert_equal "${#lines[@]}" 2
	for l in "${lines[@]}"; do
		[[ $l == *"uninitialized"* ]] || { show_run; fail "not an uninitialized finding: $l"; }
	done
	[[ "$stderr" != *"returned an error"* ]] || { show_run; fail "EINVAL reported too"; }
}

@test "29b.11 static, calloc, stack and the glibc static initialisers: no finding" {
	p=$(cprog uninit_fine <<'EOF_C'
/* Every way of getting an initialised mutex without pthread_mutex_init,
 * plus one initialised and used before main (a constructor). */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t rec = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
pthread_mutex_t chk = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
pthread_mutex_t adp = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t zeroed;                     /* static storage: zero */
pthread_mutex_t early;

__attribute__((constructor)) static void early_init(void)
{
	pthread_mutexattr_t at;

	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&early, &at);
	pthread_mutex_lock(&early);
	pthread_mutex_unlock(&early);
}

static void use(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
	if (m == &rec) {                           /* recursive: again */
		pthread_mutex_lock(m);
		pthread_mutex_unlock(m);
	}
	pthread_mutex_lock(&plain);                /* always m -> plain */
	pthread_mutex_unlock(&plain);
	pthread_mutex_unlock(m);
}

int main(void)
{
	pthread_mutex_t *heap = calloc(1, sizeof(*heap));
	pthread_mutex_t onstack = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_t *all[] = { &rec, &chk, &adp, &zeroed, &early, heap, &onstack };

	for (int r = 0; r < 2; r++)
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			use(all[i]);
	puts("uninit_fine: done");
	return 0;
}
EOF_C
)
	run_lh "$p"
	assert_output "uninit_fine: done"
	assert_status 0
	assert_kinds ""
}
