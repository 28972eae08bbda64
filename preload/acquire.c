/*
 * acquire.c - what the shim does on every lock operation.
 *
 * Order of work for a blocking acquisition (ARCHITECTURE.md, "check before
 * blocking"):
 *   1. find the lock (per-thread cache, else the table) and its lifetime id;
 *   2. relock by the owner?  recursive: count; errorcheck: misuse (the real
 *      call returns EDEADLK); otherwise a self-deadlock, reported now;
 *   3. level check against the lowest level held;
 *   4. chain check: key = chain_mix(chain of held locks, lock, mode); a key
 *      seen in this segment ends the work; a new key captures a stack and
 *      writes DEP (the held set -> this lock) -- all before blocking;
 *   5. try the lock; only if it is busy, register "T waits for L", walk the
 *      wait-for chain (deadlock.c) and call the real blocking function;
 *   6. push onto the held stack, record the owner.
 * Trylocks skip 2-5 and write their DEP (mode TRY) only when they succeed.
 *
 * The common path (cached lock, seen chain, free lock) costs: a TLS load, a
 * cache compare, a hash mix, one probe of the thread's own chain set, the
 * real trylock, a push and a store of the owner (fastpath.h: usually not
 * even the hash mix and the probe).
 */
#include <errno.h>
#include <string.h>

#include "fastpath.h"
#include "guard.h"

_Atomic uint32_t lh_memo_epoch;

/* Guarded memory: the thread observed some in this epoch (fast_self sent it
 * here): the observations are written with the held set before it changes. */
#define ACQ_EPOCH_END(t) \
	do { \
		if (LH_UNLIKELY(atomic_load_explicit(&(t)->guard_pending, memory_order_relaxed))) \
			guard_epoch_end(t); \
	} while (0)

/* ... and after the held set changed, the pku sensor may leave keys open for
 * the new epoch (sensor_epoch_open; only once some region could be). */
#define ACQ_EPOCH_OPEN(t) \
	do { \
		if (LH_UNLIKELY(atomic_load_explicit(&lh_guard_ol_open, memory_order_relaxed))) \
			sensor_epoch_open(t); \
	} while (0)

int acq_held_find(struct lh_thread *t, struct lh_lock *lk)
{
	int i;

	for (i = (int)t->nheld - 1; i >= 0; i--)
		if (t->held[i].lk == lk)
			return i;
	return -1;
}

void acq_held_remove(struct lh_thread *t, int i)
{
	uint32_t j;
	uint64_t chain;

	ACQ_EPOCH_END(t);        /* condition waits release here */
	if (t->held[i].level != LH_NO_LEVEL)
		t->nleveled--;
	t->nheld--;
	if ((uint32_t)i != t->nheld) {
		memmove(&t->held[i], &t->held[i + 1], (size_t)(t->nheld - (uint32_t)i) * sizeof(t->held[0]));
		chain = i ? t->held[i - 1].chain : LH_CHAIN_SEED;
		for (j = (uint32_t)i; j < t->nheld; j++)
			chain = t->held[j].chain = chain_mix(chain, t->held[j].id, t->held[j].mode);
	}
	ACQ_EPOCH_OPEN(t);
}

void acq_event(struct lh_thread *t, uint16_t op, uint32_t mode, uint64_t id)
{
	lh_rec_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.tid = t->tid;
	ev.op = op;
	ev.mode = (uint16_t)mode;
	ev.lock = id;
	tw_record(t, LH_REC_EVENT, &ev, sizeof(ev), NULL, 0);
}

void acq_memo_set(struct lh_thread *t, struct lh_lock *lk, uint64_t key, uint64_t stack)
{
	uint64_t tag = memo_tag(t, key);

	if (atomic_load_explicit(&lk->memo_tag, memory_order_relaxed) == tag)
		return;
	atomic_store_explicit(&lk->memo_tag, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&lk->memo_stack, stack, memory_order_relaxed);
	atomic_store_explicit(&lk->memo_tag, tag, memory_order_release);
}

/* A chain not seen before in this segment: stack, DEP, remember. */
static __attribute__((noinline)) uint64_t acq_new_chain(struct lh_thread *t, struct lh_lock *lk, uint64_t key,
		uint64_t id, uint32_t mode)
{
	struct lh_tbuf *b;
	lh_rec_dep *d;
	lh_dep_held *dh;
	uint64_t stack;
	uint32_t size, i;

	lh_in_shim = 1;
	stack = stack_here((int)lh_opt.stack_depth);
	size = (uint32_t)(sizeof(*d) + (size_t)t->nheld * sizeof(*dh));
	b = tw_buf(t);
	d = tw_begin(b, size);
	if (d) {
		d->h.type = LH_REC_DEP;
		d->h.size = size;
		d->tid = t->tid;
		d->seg = t->seg;
		d->lock = id;
		d->stack = stack;
		d->mode = mode;
		d->nheld = t->nheld;
		dh = (lh_dep_held *)(d + 1);
		for (i = 0; i < t->nheld; i++) {
			dh[i].lock = t->held[i].id;
			dh[i].stack = t->held[i].stack;
			dh[i].mode = t->held[i].mode;
		}
		tw_end(b, size);
		atomic_fetch_add_explicit(&lh_ndeps, 1, memory_order_relaxed);
	}
	if (chainset_add(&t->chains, key, id, mode, t->seg, stack) == 0)
		acq_memo_set(t, lk, key, stack);
	lh_in_shim = 0;
	return stack;
}

/* DEP for acquiring (id, mode) now: the chain key (the held stack's chain
 * after the push, for acq_took) in *key; returns the stack id to remember. */
static inline __attribute__((always_inline)) uint64_t acq_chain_check(struct lh_thread *t, struct lh_lock *lk,
		uint64_t id, uint32_t mode, uint64_t *key)
{
	uint64_t stack;
	struct lh_chain_ent *e;

	*key = chain_mix(acq_chain(t), id, mode);
	if (memo_get(t, lk, *key, &stack))
		return stack;
	e = chainset_find(&t->chains, *key, id, mode, t->seg);
	if (LH_LIKELY(e != NULL))
		return e->stack;
	return acq_new_chain(t, lk, *key, id, mode);
}

static void acq_took(struct lh_thread *t, struct lh_lock *lk, uint64_t id, uint32_t mode, uint64_t stack,
		uint64_t key)
{
	held_push(t, lk, id, mode, stack, key);
	ACQ_EPOCH_OPEN(t);
	if (mode & LH_MODE_READ) {
		if (atomic_fetch_add_explicit(&lk->readers, 1, memory_order_relaxed) == 0)
			atomic_store_explicit(&lk->rd_owner, t, memory_order_relaxed);
	} else {
		atomic_store_explicit(&lk->owner, t, memory_order_relaxed);
	}
	if (LH_UNLIKELY(lh_opt.full))
		acq_event(t, LH_EV_ACQUIRE, mode, id);
}

static int acq_real(struct lh_acq *a)
{
	return a->how == LH_HOW_TRY ? a->try_fn(a->obj) : a->block_fn(a->obj, a);
}

static int acq_is_error(int r, int how)
{
	if (r == 0 || r == EOWNERDEAD)
		return 0;
	if (r == EBUSY && how == LH_HOW_TRY)
		return 0;
	if (r == ETIMEDOUT && how == LH_HOW_TIMED)
		return 0;
	return 1;
}

static void acq_self_deadlock(struct lh_thread *t, struct lh_lock *lk, uint64_t id, int hi, void *caller)
{
	lh_finding_part parts[2];
	char tb[24], name[160];
	uint64_t stack;
	uint32_t serial;

	lh_in_shim = 1;
	stack = stack_here((int)lh_opt.stack_depth ? (int)lh_opt.stack_depth : 24);
	serial = finding_once(LH_FIND_DEADLOCK, LH_DL_SELF, id, (uint64_t)(uintptr_t)caller);
	if (serial) {
		memset(parts, 0, sizeof(parts));
		parts[0].tid = t->tid;
		parts[0].role = LH_ROLE_HOLDS;
		parts[0].lock = id;
		parts[0].stack = hi >= 0 ? t->held[hi].stack : 0;
		parts[0].level = atomic_load(&lk->level);
		parts[0].mode = hi >= 0 ? t->held[hi].mode : LH_MODE_WRITE;
		parts[1] = parts[0];
		parts[1].role = LH_ROLE_WAITS;
		parts[1].stack = stack;
		parts[1].mode = LH_MODE_WRITE;
		finding_write(t, LH_FIND_DEADLOCK, LH_DL_SELF, 0, serial, parts, 2,
				"thread relocks a non-recursive lock it already holds");
		lock_label(lk, name, sizeof(name));
		lh_say("deadlock: thread T", fmt_u64(tb, t->tid), " relocks ", lock_kind_name(lk->kind),
				" ", name, " it already holds", LH_END);
		lh_say("  relocked at:", LH_END);
		finding_print_stack(stack);
		if (hi >= 0 && t->held[hi].stack) {
			lh_say("  first locked at:", LH_END);
			finding_print_stack(t->held[hi].stack);
		}
		if (lh_opt.halt_on_deadlock)
			finding_halt();
		shim_flush_everything(0);
	}
	lh_in_shim = 0;
}

static int acq_wait(struct lh_thread *t, struct lh_acq *a, struct lh_lock *lk, uint64_t id,
		uint32_t mode, uint64_t stack, uint64_t key, int r);

int acq_lock(struct lh_acq *a)
{
	struct lh_thread *t = lh_self;
	struct lh_lock *lk;
	struct lh_thread *owner;
	uint64_t id, stack, key;
	uint32_t mode = a->mode;
	int r, hi;

	ACQ_EPOCH_END(t);
	if (LH_UNLIKELY(atomic_load_explicit(&lh_guard_on, memory_order_relaxed)))
		guard_lock_check(t, a->obj);   /* a lock inside a guarded region */
	lk = lock_lookup(t, a->obj, a->kind);
	if (LH_UNLIKELY(!lk))
		return acq_real(a);
	id = lock_live_id(t, lk, a->kind, a->obj);
	t->lock_ops++;

	if (LH_UNLIKELY(t->in_many))
		mode |= LH_MODE_MULTI;

	/* relock by a thread that already holds it */
	owner = atomic_load_explicit(&lk->owner, memory_order_relaxed);
	hi = LH_UNLIKELY(owner == t) ||
	     LH_UNLIKELY(atomic_load_explicit(&lk->readers, memory_order_relaxed) != 0) ?
		acq_held_find(t, lk) : -1;
	if (LH_UNLIKELY(owner == t) || hi >= 0) {
		if (hi >= 0 && (lk->attrs & LH_ATTR_RECURSIVE)) {
			r = acq_real(a);
			if (r == 0)
				t->held[hi].depth++;
			return r;
		}
		if (hi >= 0 && (t->held[hi].mode & LH_MODE_READ) && (mode & LH_MODE_READ) &&
		    !(lk->attrs & LH_ATTR_PREFER_WRITER)) {
			/* recursive read lock of a reader-preferring rwlock: allowed */
			r = acq_real(a);
			if (r == 0)
				t->held[hi].depth++;
			return r;
		}
		if (a->how == LH_HOW_TRY)
			return acq_real(a);
		if ((lk->attrs & LH_ATTR_ERRORCHECK) || lk->kind == LH_LOCK_RWLOCK ||
		    a->how == LH_HOW_TIMED) {
			/* the real call returns EDEADLK (or times out): misuse, no hang */
			if (!(lk->kind == LH_LOCK_RWLOCK && hi >= 0 && (t->held[hi].mode & LH_MODE_READ) &&
			      !(mode & LH_MODE_READ))) {
				finding_misuse(t, LH_MIS_RELOCK, lk, id, 0, a->caller,
						"relock of a lock the thread already holds");
				return acq_real(a);
			}
		}
		acq_self_deadlock(t, lk, id, hi, a->caller);
		return acq_real(a);      /* hangs, as the program would */
	}

	if (a->how == LH_HOW_TRY) {
		r = a->try_fn(a->obj);
		if (r == 0 || r == EOWNERDEAD) {
			mode |= LH_MODE_TRY;
			stack = acq_chain_check(t, lk, id, mode, &key);
			acq_took(t, lk, id, mode, stack, key);
		} else if (r == EBUSY) {
			if (LH_UNLIKELY(lh_opt.full))
				acq_event(t, LH_EV_TRY_FAIL, mode, id);
		} else {
			finding_call_error(t, lk, id, r, a->caller, "lock call returned an error");
		}
		return r;
	}

	if (a->how == LH_HOW_TIMED)
		mode |= LH_MODE_TIMED;
	if (LH_UNLIKELY(t->nleveled != 0) ||
	    LH_UNLIKELY(atomic_load_explicit(&lk->level, memory_order_relaxed) != LH_NO_LEVEL))
		acq_check_level(t, lk, id, mode, a->caller);
	stack = acq_chain_check(t, lk, id, mode, &key);
	if (LH_UNLIKELY(lh_stm_hook != NULL) && lh_in_tx())
		finding_misuse(t, LH_MIS_BLOCK_IN_TX, lk, id, 0, a->caller,
				"blocking lock acquisition inside an STM transaction attempt");

	r = a->try_fn(a->obj);
	return acq_wait(t, a, lk, id, mode, stack, key, r);
}

/* After the first try of a blocking or timed acquisition returned r; key is
 * the chain after the push (computed by the chain check before the try). */
static int acq_wait(struct lh_thread *t, struct lh_acq *a, struct lh_lock *lk, uint64_t id,
		uint32_t mode, uint64_t stack, uint64_t key, int r)
{
	if (r == EBUSY) {
		atomic_store_explicit(&t->wait_since_ns, now_ns(), memory_order_relaxed);
		t->wait_stack = stack;
		t->wait_mode = mode;
		atomic_store_explicit(&t->waiting_for, lk, memory_order_release);
		atomic_store_explicit(&t->wait_kind, a->how == LH_HOW_TIMED ? LH_WAIT_TIMED : LH_WAIT_LOCK,
				memory_order_release);
		if (a->how == LH_HOW_BLOCK)
			deadlock_check_wait(t, lk);
		r = a->block_fn(a->obj, a);
		atomic_store_explicit(&t->wait_kind, LH_WAIT_NONE, memory_order_release);
		atomic_store_explicit(&t->waiting_for, NULL, memory_order_release);
	}
	if (r == 0 || r == EOWNERDEAD)
		acq_took(t, lk, id, mode, stack, key);
	else if (acq_is_error(r, a->how))
		finding_call_error(t, lk, id, r, a->caller, "lock call returned an error");
	return r;
}

/* fast_lock()'s first try of a blocking request returned r != 0; its entry
 * is still on top of the held stack. */
int acq_lock_wait_top(struct lh_acq *a, int r)
{
	struct lh_thread *t = lh_self;
	const struct lh_held *h = &t->held[t->nheld - 1];
	struct lh_lock *lk = h->lk;
	uint64_t id = h->id, stack = h->stack, key = h->chain;

	t->nheld--;
	return acq_wait(t, a, lk, id, a->mode, stack, key, r);
}

/*
 * The entry for address a when t holds a lock: the successor of the top
 * entry if it is that lock (no table probe), else the cached or table
 * entry, which becomes the successor.  Also fills the thread's cache.
 */
static struct lh_lock *acq_successor(struct lh_thread *t, uintptr_t a, uint32_t kind)
{
	struct lh_lock *top = t->held[t->nheld - 1].lk;
	struct lh_lock *lk = atomic_load_explicit(&top->succ, memory_order_relaxed);
	struct lh_tcache *c;

	if (LH_LIKELY(lk != NULL) && LH_LIKELY(lk->addr == a)) {
		c = &t->cache[(a >> 4) & (LH_TCACHE - 1)];
		c->addr = a;
		c->lk = lk;
		return lk;
	}
	lk = lock_lookup(t, (void *)a, kind);
	if (lk)
		atomic_store_explicit(&top->succ, lk, memory_order_relaxed);
	return lk;
}

/*
 * Prepare fast_take() for (obj, mode): the lock in the thread's cache and,
 * when the chain is already known (lock memo or chain set) and nothing
 * unusual applies (the checks of fast_lock), the thread memo set.  The lock
 * entry when fast_take() may now run, else NULL (take acq_lock).
 */
struct lh_lock *acq_fast_refill(struct lh_thread *t, void *obj, uint32_t kind, uint32_t mode)
{
	struct lh_lock *lk;
	uint64_t id, prev, key, stack;
	const struct lh_chain_ent *e;

	if (LH_UNLIKELY(atomic_load_explicit(&lh_guard_on, memory_order_relaxed)))
		guard_lock_check(t, obj);
	if (LH_UNLIKELY(atomic_load_explicit(&t->guard_pending, memory_order_relaxed)))
		return NULL;   /* acq_lock ends the lock epoch (fast_self's check) */
	lk = t->nheld ? acq_successor(t, (uintptr_t)obj, kind) : lock_lookup(t, obj, kind);
	if (!lk)
		return NULL;
	id = atomic_load_explicit(&lk->id, memory_order_acquire);
	if (id == 0 || lh_opt.full || fast_unusual(t, lk))   /* full: fast_take writes no EVENT */
		return NULL;
	prev = acq_chain(t);
	key = chain_mix(prev, id, mode);
	if (!memo_get(t, lk, key, &stack)) {
		e = chainset_find(&t->chains, key, id, mode, t->seg);
		if (!e)
			return NULL;
		stack = e->stack;
		acq_memo_set(t, lk, key, stack);
	}
	t->memo_prev = prev;
	t->memo_id = id;
	t->memo_segmode = ((uint64_t)t->seg << 32) | mode;
	t->memo_key = key;
	t->memo_stack = stack;
	return lk;
}

int acq_unlock(void *obj, uint32_t kind, int (*unlock_fn)(void *), void *caller)
{
	struct lh_thread *t = lh_self;
	struct lh_lock *lk = lock_lookup(t, obj, kind);
	struct lh_thread *owner;
	uint64_t id;
	uint32_t mode;
	int i, r;

	ACQ_EPOCH_END(t);
	if (LH_UNLIKELY(!lk))
		return unlock_fn(obj);
	id = atomic_load_explicit(&lk->id, memory_order_relaxed);
	i = (t->nheld && t->held[t->nheld - 1].lk == lk) ? (int)t->nheld - 1 : acq_held_find(t, lk);
	if (LH_UNLIKELY(i < 0)) {
		owner = atomic_load_explicit(&lk->owner, memory_order_relaxed);
		if (owner && owner != t)
			finding_misuse(t, LH_MIS_UNLOCK_NOT_OWNER, lk, id, 0, caller,
					"unlock of a lock held by another thread");
		else
			finding_misuse(t, LH_MIS_UNLOCK_NOT_HELD, lk, id, 0, caller,
					"unlock of a lock that is not held");
		return unlock_fn(obj);
	}
	if (LH_UNLIKELY(t->held[i].depth > 1)) {
		t->held[i].depth--;
		return unlock_fn(obj);
	}
	mode = t->held[i].mode;
	acq_held_remove(t, i);
	if (mode & LH_MODE_READ) {
		if (atomic_load_explicit(&lk->rd_owner, memory_order_relaxed) == t)
			atomic_store_explicit(&lk->rd_owner, NULL, memory_order_relaxed);
		atomic_fetch_sub_explicit(&lk->readers, 1, memory_order_relaxed);
	} else {
		atomic_store_explicit(&lk->owner, NULL, memory_order_relaxed);
	}
	r = unlock_fn(obj);
	if (LH_UNLIKELY(lh_opt.full))
		acq_event(t, LH_EV_RELEASE, mode, id);
	if (LH_UNLIKELY(r != 0))
		finding_misuse(t, LH_MIS_ERROR_RETURN, lk, id, r, caller, "unlock returned an error");
	return r;
}

/* The mutex came back from a condition wait (re-acquired inside libc,
 * without the shim): checked like any acquisition, after the fact. */
void acq_reacquire(struct lh_thread *t, struct lh_lock *lk, uint64_t id, uint32_t mode, uint32_t depth)
{
	uint64_t stack, key;

	ACQ_EPOCH_END(t);
	if (t->nleveled != 0 || atomic_load_explicit(&lk->level, memory_order_relaxed) != LH_NO_LEVEL)
		acq_check_level(t, lk, id, mode, NULL);
	stack = acq_chain_check(t, lk, id, mode, &key);
	acq_took(t, lk, id, mode, stack, key);
	if (t->nheld && t->held[t->nheld - 1].lk == lk)
		t->held[t->nheld - 1].depth = depth ? depth : 1;
}
