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

/*
 * 0: locked (all bookkeeping done); LH_FAST_MISS: nothing done, take the slow
 * path; otherwise the real trylock's result (EBUSY, ...) with *lkp, *idp and
 * *stackp set for acq_lock_wait().
 */
static inline __attribute__((always_inline)) int fast_lock(struct lh_thread *t, void *obj, uint32_t kind,
		uint32_t mode, int (*tryf)(void *), struct lh_lock **lkp, uint64_t *idp, uint64_t *stackp)
{
	struct lh_lock *lk = lock_lookup(t, obj, kind);
	uint64_t id, prev, key, stack, segmode;
	int r;

	if (LH_UNLIKELY(lk == NULL))
		return LH_FAST_MISS;
	id = atomic_load_explicit(&lk->id, memory_order_acquire);
	if (LH_UNLIKELY(id == 0) || LH_UNLIKELY((t->nleveled | t->in_many) != 0) ||
	    LH_UNLIKELY(atomic_load_explicit(&lk->owner, memory_order_relaxed) == t) ||
	    LH_UNLIKELY(atomic_load_explicit(&lk->readers, memory_order_relaxed) != 0) ||
	    LH_UNLIKELY(atomic_load_explicit(&lk->level, memory_order_relaxed) != LH_NO_LEVEL) ||
	    LH_UNLIKELY(lh_stm_hook != NULL))
		return LH_FAST_MISS;
	prev = acq_chain(t);
	segmode = ((uint64_t)t->seg << 32) | mode;
	if (LH_LIKELY(t->memo_prev == prev && t->memo_id == id && t->memo_segmode == segmode)) {
		key = t->memo_key;
		stack = t->memo_stack;
	} else {
		key = chain_mix(prev, id, mode);
		if (!memo_get(t, lk, key, &stack)) {
			const struct lh_chain_ent *e = chainset_find(&t->chains, key, id, mode, t->seg);

			if (!e)
				return LH_FAST_MISS;
			stack = e->stack;
			acq_memo_set(t, lk, key, stack);
		}
		t->memo_prev = prev;
		t->memo_id = id;
		t->memo_segmode = segmode;
		t->memo_key = key;
		t->memo_stack = stack;
	}
	t->lock_ops++;
	r = tryf(obj);
	/* key, stack and id are in the thread memo: reloading them keeps fewer
	 * registers alive across the call */
	if (LH_UNLIKELY(r != 0)) {
		*lkp = lk;
		*idp = t->memo_id;
		*stackp = t->memo_stack;
		return r;
	}
	held_push(t, lk, t->memo_id, mode, t->memo_stack, t->memo_key);
	if (mode & LH_MODE_READ) {
		if (atomic_fetch_add_explicit(&lk->readers, 1, memory_order_relaxed) == 0)
			atomic_store_explicit(&lk->rd_owner, t, memory_order_relaxed);
	} else {
		atomic_store_explicit(&lk->owner, t, memory_order_relaxed);
	}
	if (LH_UNLIKELY(lh_opt.full))
		acq_event(t, LH_EV_ACQUIRE, mode, t->memo_id);
	return 0;
}

/*
 * Bookkeeping of a common-case unlock (pop the held stack, clear the owner):
 * the lock, or NULL when nothing was done (take acq_unlock()).  The caller
 * then tail-calls the real unlock: the lock is on top of this thread's held
 * stack, held once, so the real call cannot fail for any reason the shim
 * would report (not owner, not held); trace_mode=full (an EVENT after the
 * call) always takes acq_unlock().
 */
static inline __attribute__((always_inline)) struct lh_lock *fast_unlock(struct lh_thread *t, void *obj,
		uint32_t kind)
{
	const struct lh_held *h;
	struct lh_lock *lk;
	uint32_t n = t->nheld;

	if (LH_UNLIKELY(n == 0) || LH_UNLIKELY(lh_opt.full))
		return NULL;
	lk = lock_lookup(t, obj, kind);
	h = &t->held[n - 1];
	if (LH_UNLIKELY(h->lk != lk) || LH_UNLIKELY(h->depth != 1) || LH_UNLIKELY(h->level != LH_NO_LEVEL) ||
	    LH_UNLIKELY((h->mode & LH_MODE_READ) != 0) || LH_UNLIKELY(lk == NULL))
		return NULL;
	t->nheld = n - 1;
	atomic_store_explicit(&lk->owner, NULL, memory_order_relaxed);
	return lk;
}

#endif
