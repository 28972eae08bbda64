/*
 * intercept_lock.c - pthread mutexes, rwlocks, spinlocks and C11 mtx_t.
 *
 * Each blocking call becomes an lh_acq description (how to try, how to
 * block) handed to acq_lock(); the real functions are called through the
 * small adapters below.  C11 results (thrd_*) are mapped to errno values
 * and back (c11err.h), so the core deals with one convention.  glibc's mtx_lock calls
 * the mutex code internally, not through pthread_mutex_lock's PLT entry,
 * which is why mtx_* are interposed on their own.
 */
#include <errno.h>
#include <threads.h>

#include "c11err.h"
#include "fastpath.h"

/*
 * A blocking lock interceptor: the inline common path (fast_lock), else the
 * out-of-line rest NAME_slow (a tail call): prepare the fast path and take
 * it (a lock or chain this thread has not used lately), or the full
 * acquisition (acq_lock), or the wait after a failed first try.
 */
/* T is a type: it cannot be parenthesized */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define LOCK_FN(name, T, kind, mode, tryf, blockf, conv) \
	static __attribute__((noinline)) int name##_slow(T *obj, int r, void *caller) \
	{ \
		struct lh_thread *t = shim_enter(); \
		struct lh_acq a = { (void *)obj, kind, mode, LH_HOW_BLOCK, tryf, blockf, 0, NULL, caller }; \
		struct lh_lock *lk; \
		if (!t) \
			return REAL(name)(obj); \
		if (r == LH_FAST_MISS && (lk = acq_fast_refill(t, (void *)obj, kind, mode)) != NULL) \
			r = fast_take(t, (void *)obj, lk, t->memo_id, mode, tryf); \
		if (r == 0) \
			return conv(0); \
		return conv(r == LH_FAST_MISS ? acq_lock(&a) : acq_lock_wait_top(&a, r)); \
	} \
	/* the first try failed: the object is found again on the held stack, \
	 * so the common path keeps nothing but the thread and the lock entry \
	 * across the real trylock */ \
	static __attribute__((noinline)) int name##_busy(int r, void *caller) \
	{ \
		return name##_slow((T *)fast_top_obj(), r, caller); \
	} \
	LH_EXPORT int name(T *obj) \
	{ \
		int r = fast_lock((void *)obj, mode, tryf); \
		if (LH_LIKELY(r == 0)) \
			return conv(0); \
		if (r == LH_FAST_MISS) \
			return name##_slow(obj, r, CALLER); \
		return name##_busy(r, CALLER); \
	}

/* An unlock interceptor: pop and tail-call the real unlock, else NAME_slow. */
#define UNLOCK_FN(name, T, kind, unlockf, conv) \
	static __attribute__((noinline)) int name##_slow(T *obj, void *caller) \
	{ \
		struct lh_thread *t = shim_enter(); \
		if (!t) \
			return REAL(name)(obj); \
		return conv(acq_unlock((void *)obj, kind, unlockf, caller)); \
	} \
	LH_EXPORT int name(T *obj) \
	{ \
		if (LH_LIKELY(fast_unlock((void *)obj))) \
			return conv(unlockf((void *)obj)); \
		return name##_slow(obj, CALLER); \
	}
/* NOLINTEND(bugprone-macro-parentheses) */

/* The body of a trylock, timed or clock lock interceptor: the full
 * acquisition (acq_lock); the trailing arguments are the real call's. */
#define ACQ_FN(name, obj, kind, mode, how, tryf, blockf, clk, ts, conv, ...) \
	{ \
		struct lh_thread *t = shim_enter(); \
		struct lh_acq a = { (void *)(obj), kind, mode, how, tryf, blockf, clk, ts, CALLER }; \
		if (!t) \
			return REAL(name)(__VA_ARGS__); \
		return conv(acq_lock(&a)); \
	}

/* The body of a destroy interceptor (mtx_destroy returns void: by hand). */
#define DESTROY_FN(name, obj, kind) \
	{ \
		struct lh_thread *t = shim_enter(); \
		int r; \
		if (!t) \
			return REAL(name)(obj); \
		lock_destroy_before(t, (void *)(obj), kind, CALLER); \
		r = real_##name(obj); \
		lock_destroy_after(t, (void *)(obj), kind, r, CALLER); \
		return r; \
	}
#define NO_CONV(r) (r)

#define CALLER __builtin_return_address(0)

/* ---- pthread_mutex_t -------------------------------------------------------- */

static inline __attribute__((always_inline)) int mutex_try(void *o) { return real_pthread_mutex_trylock(o); }
static inline __attribute__((always_inline)) int mutex_block(void *o, const struct lh_acq *a) { (void)a; return real_pthread_mutex_lock(o); }
static inline __attribute__((always_inline)) int mutex_timed(void *o, const struct lh_acq *a) { return real_pthread_mutex_timedlock(o, a->ts); }
static inline __attribute__((always_inline)) int mutex_clock(void *o, const struct lh_acq *a) { return real_pthread_mutex_clocklock(o, a->clk, a->ts); }
static inline __attribute__((always_inline)) int mutex_unlock_fn(void *o) { return real_pthread_mutex_unlock(o); }

static int lock_init_common(struct lh_thread *t, void *obj, uint32_t kind, uint32_t attrs)
{
	struct lh_lock *lk = lock_lookup(t, obj, kind);

	if (lk)
		lock_begin_life(t, lk, kind, attrs | lock_attrs_of(kind, obj), 1, obj);
	return 0;
}

static void lock_destroy_before(struct lh_thread *t, void *obj, uint32_t kind, void *caller)
{
	struct lh_lock *lk = lock_lookup(t, obj, kind);
	uint64_t id;

	if (!lk)
		return;
	id = atomic_load(&lk->id);
	if (id && (atomic_load(&lk->owner) || atomic_load(&lk->readers)))
		finding_misuse(t, LH_MIS_DESTROY_LOCKED, lk, id, 0, caller, "destroy of a locked lock");
}

static void lock_destroy_after(struct lh_thread *t, void *obj, uint32_t kind, int r, void *caller)
{
	struct lh_lock *lk = lock_lookup(t, obj, kind);

	if (!lk)
		return;
	if (r == 0)
		lock_end_life(t, lk, obj);
	else if (r != EBUSY)
		finding_misuse(t, LH_MIS_ERROR_RETURN, lk, atomic_load(&lk->id), r, caller,
				"destroy returned an error");
}

LH_EXPORT int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	struct lh_thread *t = shim_enter();
	int r = REAL(pthread_mutex_init)(m, attr);

	if (t && r == 0)
		lock_init_common(t, m, LH_LOCK_MUTEX, 0);
	return r;
}

LH_EXPORT int pthread_mutex_destroy(pthread_mutex_t *m)
DESTROY_FN(pthread_mutex_destroy, m, LH_LOCK_MUTEX)

LOCK_FN(pthread_mutex_lock, pthread_mutex_t, LH_LOCK_MUTEX, LH_MODE_WRITE, mutex_try, mutex_block, NO_CONV)

LH_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
ACQ_FN(pthread_mutex_trylock, m, LH_LOCK_MUTEX, LH_MODE_WRITE, LH_HOW_TRY, mutex_try, mutex_block,
		0, NULL, NO_CONV, m)
LH_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts)
ACQ_FN(pthread_mutex_timedlock, m, LH_LOCK_MUTEX, LH_MODE_WRITE, LH_HOW_TIMED, mutex_try, mutex_timed,
		CLOCK_REALTIME, ts, NO_CONV, m, ts)
LH_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clk, const struct timespec *ts)
ACQ_FN(pthread_mutex_clocklock, m, LH_LOCK_MUTEX, LH_MODE_WRITE, LH_HOW_TIMED, mutex_try, mutex_clock,
		clk, ts, NO_CONV, m, clk, ts)

UNLOCK_FN(pthread_mutex_unlock, pthread_mutex_t, LH_LOCK_MUTEX, mutex_unlock_fn, NO_CONV)

/* ---- pthread_rwlock_t ------------------------------------------------------- */

static inline __attribute__((always_inline)) int rw_tryrd(void *o) { return real_pthread_rwlock_tryrdlock(o); }
static inline __attribute__((always_inline)) int rw_trywr(void *o) { return real_pthread_rwlock_trywrlock(o); }
static inline __attribute__((always_inline)) int rw_rd(void *o, const struct lh_acq *a) { (void)a; return real_pthread_rwlock_rdlock(o); }
static inline __attribute__((always_inline)) int rw_wr(void *o, const struct lh_acq *a) { (void)a; return real_pthread_rwlock_wrlock(o); }
static inline __attribute__((always_inline)) int rw_timedrd(void *o, const struct lh_acq *a) { return real_pthread_rwlock_timedrdlock(o, a->ts); }
static inline __attribute__((always_inline)) int rw_timedwr(void *o, const struct lh_acq *a) { return real_pthread_rwlock_timedwrlock(o, a->ts); }
static inline __attribute__((always_inline)) int rw_clockrd(void *o, const struct lh_acq *a) { return real_pthread_rwlock_clockrdlock(o, a->clk, a->ts); }
static inline __attribute__((always_inline)) int rw_clockwr(void *o, const struct lh_acq *a) { return real_pthread_rwlock_clockwrlock(o, a->clk, a->ts); }
static inline __attribute__((always_inline)) int rw_unlock_fn(void *o) { return real_pthread_rwlock_unlock(o); }

LH_EXPORT int pthread_rwlock_init(pthread_rwlock_t *rw, const pthread_rwlockattr_t *attr)
{
	struct lh_thread *t = shim_enter();
	int r = REAL(pthread_rwlock_init)(rw, attr);

	if (t && r == 0)
		lock_init_common(t, rw, LH_LOCK_RWLOCK, 0);
	return r;
}

LH_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t *rw)
DESTROY_FN(pthread_rwlock_destroy, rw, LH_LOCK_RWLOCK)

#define RW_LOCK_FN(name, mode, how, tryf, blockf, clk, ts, ...) \
	ACQ_FN(name, rw, LH_LOCK_RWLOCK, mode, how, tryf, blockf, clk, ts, NO_CONV, __VA_ARGS__)

LOCK_FN(pthread_rwlock_rdlock, pthread_rwlock_t, LH_LOCK_RWLOCK, LH_MODE_READ, rw_tryrd, rw_rd, NO_CONV)

LOCK_FN(pthread_rwlock_wrlock, pthread_rwlock_t, LH_LOCK_RWLOCK, LH_MODE_WRITE, rw_trywr, rw_wr, NO_CONV)

LH_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
RW_LOCK_FN(pthread_rwlock_tryrdlock, LH_MODE_READ, LH_HOW_TRY, rw_tryrd, rw_rd, 0, NULL, rw)
LH_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
RW_LOCK_FN(pthread_rwlock_trywrlock, LH_MODE_WRITE, LH_HOW_TRY, rw_trywr, rw_wr, 0, NULL, rw)
LH_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *rw, const struct timespec *ts)
RW_LOCK_FN(pthread_rwlock_timedrdlock, LH_MODE_READ, LH_HOW_TIMED, rw_tryrd, rw_timedrd, CLOCK_REALTIME, ts, rw, ts)
LH_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *rw, const struct timespec *ts)
RW_LOCK_FN(pthread_rwlock_timedwrlock, LH_MODE_WRITE, LH_HOW_TIMED, rw_trywr, rw_timedwr, CLOCK_REALTIME, ts, rw, ts)
LH_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *rw, clockid_t clk, const struct timespec *ts)
RW_LOCK_FN(pthread_rwlock_clockrdlock, LH_MODE_READ, LH_HOW_TIMED, rw_tryrd, rw_clockrd, clk, ts, rw, clk, ts)
LH_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *rw, clockid_t clk, const struct timespec *ts)
RW_LOCK_FN(pthread_rwlock_clockwrlock, LH_MODE_WRITE, LH_HOW_TIMED, rw_trywr, rw_clockwr, clk, ts, rw, clk, ts)

UNLOCK_FN(pthread_rwlock_unlock, pthread_rwlock_t, LH_LOCK_RWLOCK, rw_unlock_fn, NO_CONV)

/* ---- pthread_spinlock_t ----------------------------------------------------- */

static inline __attribute__((always_inline)) int spin_try_fn(void *o) { return real_pthread_spin_trylock(o); }
static inline __attribute__((always_inline)) int spin_block_fn(void *o, const struct lh_acq *a) { (void)a; return real_pthread_spin_lock(o); }
static inline __attribute__((always_inline)) int spin_unlock_fn(void *o) { return real_pthread_spin_unlock(o); }

LH_EXPORT int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
	struct lh_thread *t = shim_enter();
	int r = REAL(pthread_spin_init)(s, pshared);

	if (t && r == 0)
		lock_init_common(t, (void *)s, LH_LOCK_SPIN, pshared == PTHREAD_PROCESS_SHARED ? LH_ATTR_PSHARED : 0);
	return r;
}

LH_EXPORT int pthread_spin_destroy(pthread_spinlock_t *s)
DESTROY_FN(pthread_spin_destroy, s, LH_LOCK_SPIN)

LOCK_FN(pthread_spin_lock, pthread_spinlock_t, LH_LOCK_SPIN, LH_MODE_WRITE, spin_try_fn, spin_block_fn, NO_CONV)

LH_EXPORT int pthread_spin_trylock(pthread_spinlock_t *s)
ACQ_FN(pthread_spin_trylock, s, LH_LOCK_SPIN, LH_MODE_WRITE, LH_HOW_TRY, spin_try_fn, spin_block_fn,
		0, NULL, NO_CONV, s)

UNLOCK_FN(pthread_spin_unlock, pthread_spinlock_t, LH_LOCK_SPIN, spin_unlock_fn, NO_CONV)

/* ---- C11 mtx_t -------------------------------------------------------------- */

static inline __attribute__((always_inline)) int mtx_try_fn(void *o) { return c11_to_errno(real_mtx_trylock(o)); }
static inline __attribute__((always_inline)) int mtx_block_fn(void *o, const struct lh_acq *a) { (void)a; return c11_to_errno(real_mtx_lock(o)); }
static inline __attribute__((always_inline)) int mtx_timed_fn(void *o, const struct lh_acq *a) { return c11_to_errno(real_mtx_timedlock(o, a->ts)); }
static inline __attribute__((always_inline)) int mtx_unlock_fn(void *o) { return c11_to_errno(real_mtx_unlock(o)); }

LH_EXPORT int mtx_init(mtx_t *m, int type)
{
	struct lh_thread *t = shim_enter();
	int r = REAL(mtx_init)(m, type);

	if (t && r == thrd_success)
		lock_init_common(t, m, LH_LOCK_MTX, (type & mtx_timed) ? LH_ATTR_TIMED : 0);
	return r;
}

LH_EXPORT void mtx_destroy(mtx_t *m)
{
	struct lh_thread *t = shim_enter();

	if (!t) {
		REAL(mtx_destroy)(m);
		return;
	}
	lock_destroy_before(t, m, LH_LOCK_MTX, CALLER);
	real_mtx_destroy(m);
	lock_destroy_after(t, m, LH_LOCK_MTX, 0, CALLER);
}

LOCK_FN(mtx_lock, mtx_t, LH_LOCK_MTX, LH_MODE_WRITE, mtx_try_fn, mtx_block_fn, c11_from_errno)

LH_EXPORT int mtx_trylock(mtx_t *m)
ACQ_FN(mtx_trylock, m, LH_LOCK_MTX, LH_MODE_WRITE, LH_HOW_TRY, mtx_try_fn, mtx_block_fn,
		0, NULL, c11_from_errno, m)
LH_EXPORT int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts)
ACQ_FN(mtx_timedlock, m, LH_LOCK_MTX, LH_MODE_WRITE, LH_HOW_TIMED, mtx_try_fn, mtx_timed_fn,
		CLOCK_REALTIME, ts, c11_from_errno, m, ts)

UNLOCK_FN(mtx_unlock, mtx_t, LH_LOCK_MTX, mtx_unlock_fn, c11_from_errno)
