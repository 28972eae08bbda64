/*
 * lockhound.h - the lockhound annotation API (C and C++).
 *
 * Name locks, give them levels, mark leaves, and take several locks in a
 * safe order.  Every function here is a static inline wrapper that calls the
 * shim (liblockhound.so, when it is preloaded) through a weak reference, so
 * an annotated program links and runs without lockhound: the calls then do
 * nothing, except lh_lock_many/lh_unlock_many, which still lock and unlock
 * (in address order).  Nothing to link.
 *
 *   static pthread_mutex_t accounts_lock = PTHREAD_MUTEX_INITIALIZER;
 *   lh_lock_name(&accounts_lock, "accounts");
 *   lh_lock_level(&accounts_lock, 20);     // holding 20, only < 20 may follow
 *   pthread_mutex_t *pair[2] = { &a->lock, &b->lock };
 *   lh_lock_many(pair, 2);                 // same level: address order
 *   ...
 *   lh_unlock_many(pair, 2);
 *
 * The level rule: a thread holding locks with levels, the lowest M, may only
 * acquire a lock of level N < M.  Locks of one level are taken together
 * through lh_lock_many.  A leaf lock may be held only innermost.
 *
 * When a real deadlock is found and LOCKHOUND_OPTIONS has halt_on_deadlock=1,
 * the shim ends the process with exit status LH_EXIT_DEADLOCK.
 */
#ifndef LOCKHOUND_LOCKHOUND_H
#define LOCKHOUND_LOCKHOUND_H

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit status of a process halted on a real deadlock (halt_on_deadlock=1). */
#define LH_EXIT_DEADLOCK 86

/* ---- internals: strong definitions live in liblockhound.so ---------------- */
extern int lh_shim_active(void) __attribute__((weak));
extern void lh_shim_lock_name(void *lock, const char *name) __attribute__((weak));
extern void lh_shim_lock_level(void *lock, long level) __attribute__((weak));
extern void lh_shim_lock_leaf(void *lock) __attribute__((weak));
extern int lh_shim_lock_many(pthread_mutex_t **locks, size_t n) __attribute__((weak));
extern int lh_shim_unlock_many(pthread_mutex_t **locks, size_t n) __attribute__((weak));

/* ---- the API ----------------------------------------------------------------- */

/* 1 when the program runs under the lockhound shim, else 0. */
static inline int lh_active(void)
{
	return lh_shim_active ? lh_shim_active() : 0;
}

/* Name a lock (mutex, rwlock, spinlock, mtx_t) for reports and for levels
 * files; `name` is copied.  Names used in a levels file give the lock its
 * level. */
static inline void lh_lock_name(void *lock, const char *name)
{
	if (lh_shim_lock_name)
		lh_shim_lock_name(lock, name);
}

/* Give a lock a level (any long; higher levels are taken first). */
static inline void lh_lock_level(void *lock, long level)
{
	if (lh_shim_lock_level)
		lh_shim_lock_level(lock, level);
}

/* Mark a lock as a leaf: no lock may be acquired while it is held. */
static inline void lh_lock_leaf(void *lock)
{
	if (lh_shim_lock_leaf)
		lh_shim_lock_leaf(lock);
}

/* Lock n mutexes in a safe order: higher level first, address order within
 * a level.  Returns 0, or the error of the lock call that failed (the locks
 * already taken are released again).  The array itself is not reordered. */
static inline int lh_lock_many(pthread_mutex_t **locks, size_t n)
{
	pthread_mutex_t *last = NULL, *next;
	size_t i, j, k;
	int r;

	if (lh_shim_lock_many)
		return lh_shim_lock_many(locks, n);
	/* without the shim: ascending addresses, no allocation */
	for (k = 0; k < n; k++) {
		next = NULL;
		for (i = 0; i < n; i++)
			if ((!last || locks[i] > last) && (!next || locks[i] < next))
				next = locks[i];
		if (!next)
			break;
		r = pthread_mutex_lock(next);
		if (r) {
			/* release what was taken: each address once, even when the
			 * array names a mutex twice */
			for (i = 0; i < n; i++) {
				for (j = 0; j < i && locks[j] != locks[i]; j++)
					;
				if (j == i && locks[i] < next)
					pthread_mutex_unlock(locks[i]);
			}
			return r;
		}
		last = next;
	}
	return 0;
}

/* Unlock the n mutexes taken by lh_lock_many. */
static inline int lh_unlock_many(pthread_mutex_t **locks, size_t n)
{
	size_t i, j;
	int r = 0, e;

	if (lh_shim_unlock_many)
		return lh_shim_unlock_many(locks, n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && locks[j] != locks[i]; j++)
			;
		if (j < i)
			continue;        /* duplicate entry: unlocked already */
		e = pthread_mutex_unlock(locks[i]);
		if (e && !r)
			r = e;
	}
	return r;
}

/* ---- guarded shared memory (race detection) -------------------------------
 *
 * Guarded memory is watched by the shim: every thread's accesses to it are
 * observed together with the locks the thread holds, and an access pattern
 * that no lock protects (or an access without the declared lock) is reported
 * as a `race`.  Keep guarded objects on pages of their own (lh_guarded_alloc,
 * LH_GUARDED_GLOBAL): everything else on a guarded page is watched too and
 * slows the program down.  Without the shim every call is a no-op
 * (lh_guarded_alloc falls back to an ordinary page-aligned allocation).
 *
 *   static struct stats st LH_GUARDED_GLOBAL;
 *   static pthread_mutex_t st_lock = PTHREAD_MUTEX_INITIALIZER;
 *   LH_GUARD_VAR(st, &st_lock);           // any access without st_lock: race
 *   struct node *n = lh_guarded_alloc(sizeof *n, NULL, "node"); // no declared lock
 *   ...
 *   lh_guarded_free(n);
 */
extern int lh_shim_guard(const void *addr, size_t len, const void *lock, const char *name) __attribute__((weak));
extern int lh_shim_unguard(const void *addr) __attribute__((weak));
extern void *lh_shim_guarded_alloc(size_t len, const void *lock, const char *name) __attribute__((weak));
extern void lh_shim_guarded_free(void *p) __attribute__((weak));

/* Give a global or static variable a page of its own (put it after the
 * declarator: `static long counter LH_GUARDED_GLOBAL;`). */
#define LH_PAGE_SIZE_MAX 4096
#define LH_GUARDED_GLOBAL __attribute__((aligned(LH_PAGE_SIZE_MAX)))

/* Watch [addr, addr+len).  `lock` (a pthread_mutex_t, rwlock, spinlock or
 * mtx_t) is the lock that must be held at every access, or NULL to let the
 * lockset algorithm infer it; `name` (copied) names the object in reports.
 * 0, or a negative errno (-EINVAL for an empty or wrapping range, -ENOMEM
 * when the shim is out of memory). */
static inline int lh_guard(const void *addr, size_t len, const void *lock, const char *name)
{
	return lh_shim_guard ? lh_shim_guard(addr, len, lock, name) : 0;
}

/* Stop watching the region that starts at addr (0, or -ENOENT). */
static inline int lh_unguard(const void *addr)
{
	return lh_shim_unguard ? lh_shim_unguard(addr) : 0;
}

/* Guard a variable by name: LH_GUARD_VAR(counter, &counter_lock). */
#define LH_GUARD_VAR(var, lock) lh_guard(&(var), sizeof(var), (lock), #var)

/* Allocate `len` zeroed bytes on pages of their own, guarded (see lh_guard);
 * NULL with errno set on failure.  Release with lh_guarded_free. */
static inline void *lh_guarded_alloc(size_t len, const void *lock, const char *name)
{
	void *p = NULL;

	if (lh_shim_guarded_alloc)
		return lh_shim_guarded_alloc(len, lock, name);
	if (len == 0 || posix_memalign(&p, LH_PAGE_SIZE_MAX, len) != 0)
		return NULL;
	return memset(p, 0, len);
}

static inline void lh_guarded_free(void *p)
{
	if (lh_shim_guarded_free)
		lh_shim_guarded_free(p);
	else
		free(p);
}

/* ---- Clang thread-safety analysis (clang -Wthread-safety) ------------------ */
#if defined(__clang__) && !defined(SWIG)
#define LH_TSA(x) __attribute__((x))
#else
#define LH_TSA(x)
#endif
#define LH_CAPABILITY(name)      LH_TSA(capability(name))
#define LH_GUARDED_BY(lock)      LH_TSA(guarded_by(lock))
#define LH_PT_GUARDED_BY(lock)   LH_TSA(pt_guarded_by(lock))
#define LH_ACQUIRED_BEFORE(...)  LH_TSA(acquired_before(__VA_ARGS__))
#define LH_ACQUIRED_AFTER(...)   LH_TSA(acquired_after(__VA_ARGS__))
#define LH_REQUIRES(...)         LH_TSA(requires_capability(__VA_ARGS__))
#define LH_ACQUIRE(...)          LH_TSA(acquire_capability(__VA_ARGS__))
#define LH_RELEASE(...)          LH_TSA(release_capability(__VA_ARGS__))
#define LH_EXCLUDES(...)         LH_TSA(locks_excluded(__VA_ARGS__))
#define LH_NO_THREAD_SAFETY_ANALYSIS LH_TSA(no_thread_safety_analysis)

#ifdef __cplusplus
}
#endif

#endif /* LOCKHOUND_LOCKHOUND_H */
