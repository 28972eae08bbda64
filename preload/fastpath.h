/*
 * fastpath.h - the inline common path of lock and unlock, used by the
 * interceptors (intercept_lock.c) before they fall back to acq_lock() /
 * acq_unlock() (acquire.c), which handle everything else.
 *
 * Lock, common case (lock cached by this thread, live, not held by us, no
 * levels, no lh_lock_many, no STM, chain already seen):
 *   TLS load, cache compare, a few loads of the lock entry, the chain check,
 *   the real trylock (direct call), a push onto the held stack and a plain
 *   store of the owner.  No atomic read-modify-write, no clock, no shared
 *   counter.
 * The chain check is short-circuited twice before the chain set:
 *   1. the thread memo: the thread's last fast acquisition (chain before,
 *      lock id, segment and mode) -> its chain key and stack: a loop locking
 *      the same lock again compares three words and probes nothing;
 *   2. the lock memo (lh_lock.memo_tag/memo_stack): the last chain seen
 *      acquiring this lock, tagged with a hash of (key, thread, segment,
 *      fork epoch) so that it matches only for the thread that stored it: a
 *      walk over many locks touches the lock entry it loads anyway instead of
 *      a random slot of a large chain set.
 *   A miss of both probes the chain set; only a key never seen takes the slow
 *   path (stack, DEP record).
 * Unlock, common case: the lock is on top of the held stack, held once, in
 * write mode and without a level: pop, clear the owner, tail-call the real
 * unlock.
 */
#ifndef LH_FASTPATH_H
#define LH_FASTPATH_H

#include "shim.h"

#define LH_FAST_MISS (-1)     /* not the common case: take the slow path */

static inline uint64_t acq_chain(const struct lh_thread *t)
{
	return t->nheld ? t->held[t->nheld - 1].chain : LH_CHAIN_SEED;
}

static inline __attribute__((always_inline)) void held_push(struct lh_thread *t, struct lh_lock *lk,
		uint64_t id, uint32_t mode, uint64_t stack, uint64_t chain)
{
	struct lh_held *h;
	int64_t level;

	if (LH_UNLIKELY(t->nheld == t->held_cap) && thread_held_grow(t))
		return;       /* out of memory: said once; this hold is not tracked */
	level = atomic_load_explicit(&lk->level, memory_order_relaxed);
	h = &t->held[t->nheld];
	h->chain = chain;
	h->lk = lk;
	h->id = id;
	h->stack = stack;
	h->mode = mode;
	h->depth = 1;
	h->level = level;
	if (LH_UNLIKELY(level != LH_NO_LEVEL))
		t->nleveled++;
	t->nheld++;
}

/* The lock memo's tag for chain key `key` acquired by t now. */
static inline uint64_t memo_tag(const struct lh_thread *t, uint64_t key)
{
	return chain_mix(key, ((uint64_t)t->tid << 32) | t->seg,
			atomic_load_explicit(&lh_memo_epoch, memory_order_relaxed));
}

/* 1 and *stack if lk's memo holds (t, key), else 0. */
static inline int memo_get(const struct lh_thread *t, struct lh_lock *lk, uint64_t key, uint64_t *stack)
{
	uint64_t tag = memo_tag(t, key);

	if (atomic_load_explicit(&lk->memo_tag, memory_order_acquire) != tag)
		return 0;
	*stack = atomic_load_explicit(&lk->memo_stack, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&lk->memo_tag, memory_order_relaxed) == tag;
}

/* Non-zero when acquiring lk now is not the common case fast_take() does
 * (levels, lh_lock_many, a full held stack, a relock, readers present, a
 * level on the lock, STM loaded): shared by fast_lock and acq_fast_refill. */
static inline __attribute__((always_inline)) int fast_unusual(const struct lh_thread *t, struct lh_lock *lk)
{
	return LH_UNLIKELY((t->nleveled | t->in_many) != 0) || LH_UNLIKELY(t->nheld == t->held_cap) ||
	       LH_UNLIKELY(atomic_load_explicit(&lk->owner, memory_order_relaxed) == t) ||
	       LH_UNLIKELY(atomic_load_explicit(&lk->readers, memory_order_relaxed) != 0) ||
	       LH_UNLIKELY(atomic_load_explicit(&lk->level, memory_order_relaxed) != LH_NO_LEVEL) ||
	       LH_UNLIKELY(lh_stm_hook != NULL);
}

/* The calling thread when the interceptor may do its work (shim ready, not
 * re-entered, thread not finished), else NULL: the slow path decides. */
static inline __attribute__((always_inline)) struct lh_thread *fast_self(void)
{
	struct lh_thread *t = lh_self;

	if (LH_UNLIKELY(t == NULL) || LH_UNLIKELY(lh_in_shim) ||
	    LH_UNLIKELY(atomic_load_explicit(&lh_state, memory_order_relaxed) != LH_READY) ||
	    LH_UNLIKELY(atomic_load_explicit(&t->exited, memory_order_relaxed)) ||
	    LH_UNLIKELY(atomic_load_explicit(&t->guard_pending, memory_order_relaxed)))
		return NULL;     /* guard_pending: the slow path ends the lock epoch */
	return t;
}

/*
 * The bookkeeping and first try of a blocking lock whose checks passed
 * (fast_lock, or acq_fast_refill for a lock or chain not used lately): the
 * thread memo (t->memo_key, memo_stack) holds the chain after this
 * acquisition.  0 = locked; otherwise the real trylock's result with the
 * entry still on top of the held stack (see fast_lock).
 */
static inline __attribute__((always_inline)) int fast_take(struct lh_thread *t, void *obj, struct lh_lock *lk,
		uint64_t id, uint32_t mode, int (*tryf)(void *))
{
	struct lh_held *h;
	int r;

	t->lock_ops++;
	/* pushed before the try (popped again by the slow path if it fails) */
	h = &t->held[t->nheld];
	h->chain = t->memo_key;
	h->lk = lk;
	h->id = id;
	h->stack = t->memo_stack;
	h->mode = mode;
	h->depth = 1;
	h->level = LH_NO_LEVEL;
	t->nheld++;
	r = tryf(obj);
	if (LH_UNLIKELY(r != 0)) {
		if (r < 0)       /* errno values: tells the compiler that the */
			__builtin_unreachable();   /* caller's MISS path is over */
		return r;
	}
	/* t and lk kept across the call (the two saved registers); no EVENT:
	 * acq_fast_refill never sets the thread memo under trace_mode=full */
	if (mode & LH_MODE_READ) {
		if (atomic_fetch_add_explicit(&lk->readers, 1, memory_order_relaxed) == 0)
			atomic_store_explicit(&lk->rd_owner, t, memory_order_relaxed);
	} else {
		atomic_store_explicit(&lk->owner, t, memory_order_relaxed);
	}
	return 0;
}

/*
 * The hot path of a blocking lock: 0 = locked, all bookkeeping done;
 * LH_FAST_MISS = nothing done (lock not in the thread's cache, thread memo
 * not matching, or anything unusual); otherwise the real trylock's result
 * (EBUSY, ...) with the entry still on top of the held stack, for
 * acq_lock_wait_top().  Every exit that is not the common case is a return,
 * so that the interceptor's slow path is a tail call and the common path
 * needs no saved registers.
 */
static inline __attribute__((always_inline)) int fast_lock(void *obj, uint32_t mode, int (*tryf)(void *))
{
	struct lh_thread *t = fast_self();
	uintptr_t a = (uintptr_t)obj;
	const struct lh_tcache *c;
	struct lh_lock *lk;
	uint64_t id;

	if (LH_UNLIKELY(t == NULL))
		return LH_FAST_MISS;
	c = &t->cache[(a >> 4) & (LH_TCACHE - 1)];
	if (LH_UNLIKELY(c->addr != a))
		return LH_FAST_MISS;
	lk = c->lk;
	id = atomic_load_explicit(&lk->id, memory_order_acquire);
	if (LH_UNLIKELY(t->memo_id != id) || LH_UNLIKELY(t->memo_prev != acq_chain(t)) ||
	    LH_UNLIKELY(t->memo_segmode != (((uint64_t)t->seg << 32) | mode)) || fast_unusual(t, lk))
		return LH_FAST_MISS;
	return fast_take(t, obj, lk, id, mode, tryf);
}

/* The object on top of the held stack (after fast_lock() returned a
 * trylock failure: the interceptor's argument, not kept across the call). */
static inline void *fast_top_obj(void)
{
	const struct lh_thread *t = lh_self;

	return (void *)t->held[t->nheld - 1].lk->addr;
}

/*
 * Hand-over-hand release (fast_unlock): the lock below the top of the held
 * stack goes, the top entry moves down and its chain is recomputed without
 * the released lock (as acq_held_remove() does).
 */
static inline __attribute__((always_inline)) void fast_unlock_below(struct lh_thread *t, struct lh_held *h,
		uint32_t n)
{
	uint64_t prev = n > 2 ? h[-2].chain : LH_CHAIN_SEED;

	t->nheld = n - 1;
	h[-1] = h[0];
	h[-1].chain = chain_mix(prev, h[0].id, h[0].mode);
}

/*
 * Bookkeeping of a common-case unlock (pop the held stack, clear the owner):
 * 1, or 0 when nothing was done (take acq_unlock()).  The caller then
 * tail-calls the real unlock: the lock is on top of this thread's held
 * stack (or just below it: hand-over-hand), held once, so the real call
 * cannot fail for any reason the shim would report (not owner, not held);
 * trace_mode=full (an EVENT after the call) always takes acq_unlock().  The
 * lock is recognised by its entry's address (lh_lock.addr never changes),
 * not through the thread's lock cache.
 */
static inline __attribute__((always_inline)) int fast_unlock(void *obj)
{
	struct lh_thread *t = fast_self();
	uintptr_t a = (uintptr_t)obj;
	struct lh_held *h;
	struct lh_lock *lk;
	uint32_t n;

	if (LH_UNLIKELY(t == NULL) || LH_UNLIKELY(lh_opt.full))
		return 0;
	n = t->nheld;
	if (LH_UNLIKELY(n == 0))
		return 0;
	h = &t->held[n - 1];
	lk = h->lk;
	if (LH_UNLIKELY(lk->addr != a)) {
		/* hand over hand: the lock just below the top */
		if (n < 2 || h[-1].lk->addr != a)
			return 0;
		lk = h[-1].lk;
		if (LH_UNLIKELY(h[-1].depth != 1) || LH_UNLIKELY(h[-1].level != LH_NO_LEVEL) ||
		    LH_UNLIKELY((h[-1].mode & LH_MODE_READ) != 0))
			return 0;
		fast_unlock_below(t, h, n);
		atomic_store_explicit(&lk->owner, NULL, memory_order_relaxed);
		return 1;
	}
	if (LH_UNLIKELY(h->depth != 1) || LH_UNLIKELY(h->level != LH_NO_LEVEL) ||
	    LH_UNLIKELY((h->mode & LH_MODE_READ) != 0))
		return 0;
	t->nheld = n - 1;
	atomic_store_explicit(&lk->owner, NULL, memory_order_relaxed);
	return 1;
}

#endif
