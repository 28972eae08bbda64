/*
 * intercept_cond.c - condition variables (pthread and C11).
 *
 * A wait releases the mutex and re-acquires it inside libc, where the shim
 * cannot see it.  So it is modelled here: before the real wait, the mutex is
 * popped from the held stack (as an unlock); after it, the mutex is pushed
 * again on top (mode WRITE|CONDWAIT) and checked like any acquisition, so a
 * thread that waits while holding other locks produces the edges a real
 * re-acquire creates.  While waiting, the thread is "blocked on a condvar"
 * for the watchdog (untimed waits only).
 *
 * Misuse checked here: the mutex not held by the waiter; one condvar used
 * with two different mutexes (POSIX: undefined).
 */
#include <errno.h>
#include <threads.h>

#include "c11err.h"
#include "guard.h"
#include "shim.h"

#define CALLER __builtin_return_address(0)

struct cw {
	void *c, *m;
	uint32_t kind;
	int timed;
	clockid_t clk;
	const struct timespec *ts;
	int (*call)(const struct cw *w);
};

static int cw_pthread_wait(const struct cw *w) { return real_pthread_cond_wait(w->c, w->m); }
static int cw_pthread_timed(const struct cw *w) { return real_pthread_cond_timedwait(w->c, w->m, w->ts); }
static int cw_pthread_clock(const struct cw *w) { return real_pthread_cond_clockwait(w->c, w->m, w->clk, w->ts); }

/* (a condition wait never returns thrd_busy) */
static int cw_c11_wait(const struct cw *w) { return c11_to_errno(real_cnd_wait(w->c, w->m)); }
static int cw_c11_timed(const struct cw *w) { return c11_to_errno(real_cnd_timedwait(w->c, w->m, w->ts)); }

static int cond_wait_common(struct lh_thread *t, const struct cw *w, void *caller)
{
	struct lh_lock *lk = lock_lookup(t, w->m, w->kind);
	struct lh_lock *cv = table_get(lh_conds, (uintptr_t)w->c, LH_KIND_COND);
	uintptr_t prev;
	uint64_t id;
	uint32_t depth, mode;
	int i, r;

	guard_sync_check(w->c);
	if (!lk)
		return w->call(w);
	id = lock_live_id(t, lk, w->kind, w->m);
	i = acq_held_find(t, lk);
	if (i < 0) {
		finding_misuse(t, LH_MIS_COND_NOT_HELD, lk, id, 0, caller,
				"condition wait with a mutex the thread does not hold");
		return w->call(w);
	}
	if (cv) {
		prev = atomic_exchange(&cv->cond_mutex, (uintptr_t)w->m);
		if (prev && prev != (uintptr_t)w->m)
			finding_misuse(t, LH_MIS_COND_TWO_MUTEXES, lk, id, 0, caller,
					"one condition variable used with two different mutexes");
	}
	depth = t->held[i].depth;
	mode = t->held[i].mode;
	acq_held_remove(t, i);
	atomic_store_explicit(&lk->owner, NULL, memory_order_relaxed);
	if (lh_opt.full)
		acq_event(t, LH_EV_WAIT, mode, id);
	atomic_store(&t->waiting_for, NULL);
	atomic_store(&t->wait_since_ns, now_ns());
	t->wait_stack = 0;
	atomic_store(&t->wait_kind, w->timed ? LH_WAIT_TIMED : LH_WAIT_COND);
	r = w->call(w);
	atomic_store(&t->wait_kind, LH_WAIT_NONE);
	if (r == 0 || r == ETIMEDOUT || r == EOWNERDEAD || r == EINTR) {
		id = lock_live_id(t, lk, w->kind, w->m);
		acq_reacquire(t, lk, id, LH_MODE_WRITE | LH_MODE_CONDWAIT, depth);
		if (lh_opt.full)
			acq_event(t, LH_EV_WAKE, LH_MODE_WRITE | LH_MODE_CONDWAIT, id);
	}
	if (r != 0 && r != ETIMEDOUT)
		finding_call_error(t, lk, id, r, caller, "condition wait returned an error");
	return r;
}

LH_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	struct lh_thread *t = shim_enter();
	struct cw w = { c, m, LH_LOCK_MUTEX, 0, 0, NULL, cw_pthread_wait };

	if (!t)
		return REAL(pthread_cond_wait)(c, m);
	return cond_wait_common(t, &w, CALLER);
}

LH_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
	struct lh_thread *t = shim_enter();
	struct cw w = { c, m, LH_LOCK_MUTEX, 1, CLOCK_REALTIME, ts, cw_pthread_timed };

	if (!t)
		return REAL(pthread_cond_timedwait)(c, m, ts);
	return cond_wait_common(t, &w, CALLER);
}

LH_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
		const struct timespec *ts)
{
	struct lh_thread *t = shim_enter();
	struct cw w = { c, m, LH_LOCK_MUTEX, 1, clk, ts, cw_pthread_clock };

	if (!t)
		return REAL(pthread_cond_clockwait)(c, m, clk, ts);
	return cond_wait_common(t, &w, CALLER);
}

LH_EXPORT int cnd_wait(cnd_t *c, mtx_t *m)
{
	struct lh_thread *t = shim_enter();
	struct cw w = { c, m, LH_LOCK_MTX, 0, 0, NULL, cw_c11_wait };
	int r;

	if (!t)
		return REAL(cnd_wait)(c, m);
	r = cond_wait_common(t, &w, CALLER);
	return r == 0 ? thrd_success : thrd_error;
}

LH_EXPORT int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts)
{
	struct lh_thread *t = shim_enter();
	struct cw w = { c, m, LH_LOCK_MTX, 1, CLOCK_REALTIME, ts, cw_c11_timed };
	int r;

	if (!t)
		return REAL(cnd_timedwait)(c, m, ts);
	r = cond_wait_common(t, &w, CALLER);
	return c11_from_errno(r);
}
