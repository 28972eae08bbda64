/*
 * intercept_sync.c - synchronisation calls the detector does not model
 * (barriers, semaphores, condition-variable signals), interposed only so
 * that guarded memory never breaks them: their objects are futex words, and
 * futex(2) on a protected page fails with EFAULT instead of faulting.  When
 * such an object lives on a guarded page, the page is disarmed (one
 * warning) before the call; otherwise each is a straight pass-through.
 */
#include "guard.h"
#include "shim.h"

LH_EXPORT int pthread_barrier_wait(pthread_barrier_t *b)
{
	guard_sync_check(b);
	return REAL(pthread_barrier_wait)(b);
}

LH_EXPORT int sem_wait(sem_t *s)
{
	guard_sync_check(s);
	return REAL(sem_wait)(s);
}

LH_EXPORT int sem_trywait(sem_t *s)
{
	guard_sync_check(s);
	return REAL(sem_trywait)(s);
}

LH_EXPORT int sem_timedwait(sem_t *s, const struct timespec *ts)
{
	guard_sync_check(s);
	return REAL(sem_timedwait)(s, ts);
}

LH_EXPORT int sem_clockwait(sem_t *s, clockid_t clk, const struct timespec *ts)
{
	guard_sync_check(s);
	return REAL(sem_clockwait)(s, clk, ts);
}

LH_EXPORT int sem_post(sem_t *s)
{
	guard_sync_check(s);
	return REAL(sem_post)(s);
}

LH_EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
	guard_sync_check(c);
	return REAL(pthread_cond_signal)(c);
}

LH_EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
	guard_sync_check(c);
	return REAL(pthread_cond_broadcast)(c);
}
