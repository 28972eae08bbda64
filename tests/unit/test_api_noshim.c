/*
 * test_api_noshim.c - the lockhound.h wrappers in a program running without
 * the shim: the annotations do nothing, lh_lock_many / lh_unlock_many still
 * lock in address order and release exactly what they took, the guarded
 * memory calls fall back to ordinary page-aligned memory.
 */
#include <errno.h>
#include <lockhound/lockhound.h>
#include <stdint.h>

#include "tap.h"

/* 1 when m is unlocked (an errorcheck mutex we do not hold) */
static int is_free(pthread_mutex_t *m)
{
	if (pthread_mutex_trylock(m) != 0)
		return 0;
	pthread_mutex_unlock(m);
	return 1;
}

int main(void)
{
	pthread_mutexattr_t ea, ra;
	pthread_mutex_t m[3];
	pthread_mutex_t *dup[4], *three[3];
	long *g;
	int r;

	tap_plan(10);
	pthread_mutexattr_init(&ea);
	pthread_mutexattr_settype(&ea, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutexattr_init(&ra);
	pthread_mutexattr_settype(&ra, PTHREAD_MUTEX_RECURSIVE);
	tap_ok(!lh_active(), "lh_active() is 0 without the shim");

	/* m[0] recursive, already held once; m[1] errorcheck, already held by
	 * us, so locking it again fails with EDEADLK after m[0] was taken */
	pthread_mutex_init(&m[0], &ra);
	pthread_mutex_init(&m[1], &ea);
	pthread_mutex_lock(&m[0]);
	pthread_mutex_lock(&m[1]);
	dup[0] = &m[1]; dup[1] = &m[0]; dup[2] = &m[0]; dup[3] = &m[1];
	r = lh_lock_many(dup, 4);
	tap_ok(r == EDEADLK, "lh_lock_many returns the failing lock's error (%d)", r);
	tap_ok(pthread_mutex_unlock(&m[0]) == 0, "m[0], named twice, was released once: our own hold is still there");
	tap_ok(pthread_mutex_unlock(&m[0]) == EPERM, "... and only that one");
	pthread_mutex_unlock(&m[1]);

	/* the normal case: three errorcheck mutexes given in reverse order */
	pthread_mutex_destroy(&m[0]);
	pthread_mutex_init(&m[0], &ea);
	pthread_mutex_init(&m[2], &ea);
	three[0] = &m[2]; three[1] = &m[0]; three[2] = &m[1];
	tap_ok(lh_lock_many(three, 3) == 0, "lh_lock_many of three mutexes succeeds");
	tap_ok(pthread_mutex_lock(&m[1]) == EDEADLK && pthread_mutex_lock(&m[2]) == EDEADLK,
	       "all three are held by this thread");
	tap_ok(lh_unlock_many(three, 3) == 0 && is_free(&m[0]) && is_free(&m[1]) && is_free(&m[2]),
	       "lh_unlock_many releases all three");

	g = lh_guarded_alloc(sizeof(*g) * 4, NULL, "g");
	tap_ok(g != NULL && ((uintptr_t)g & 4095) == 0 && g[0] == 0 && g[3] == 0,
	       "lh_guarded_alloc without the shim: zeroed, page-aligned memory");
	tap_ok(lh_guard(g, sizeof(*g), &m[0], "g") == 0 && lh_unguard(g) == 0,
	       "lh_guard / lh_unguard are no-ops returning 0");
	lh_guarded_free(g);
	lh_lock_name(&m[0], "m0");
	lh_lock_level(&m[0], 3);
	lh_lock_leaf(&m[1]);
	tap_ok(is_free(&m[0]) && is_free(&m[1]), "naming, levels and leaves leave the mutexes alone");
	return tap_done();
}
