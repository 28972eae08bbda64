/*
 * stm/alloc.c - transactional malloc/free, commit/abort hooks, and the grace
 * periods that make deferred frees safe.
 *
 * The side log records, in order, what an attempt allocated, freed and asked
 * to run.  Abort (tx.c, orelse.c) walks it backwards: allocations are freed,
 * on-abort hooks run.  Commit walks it forwards: frees go to the thread's
 * limbo list stamped with the commit time t, on-commit hooks run afterwards,
 * outside the transaction.
 *
 * Grace periods.  A block unlinked by a commit at time t may still be read
 * by a transaction whose snapshot is older than t (it read the pointer
 * before the commit).  Such a transaction will fail validation, but it may
 * dereference the block first; so the block is freed only when every thread
 * is idle or has a snapshot >= t.  A transaction with snapshot >= t cannot
 * reach the block: its reads show the state at a time when it was unlinked.
 * Each thread publishes its snapshot in thr->active (LH_IDLE when idle);
 * a reclaimer computes the minimum over the registry.
 *
 * The race to close: a thread loads the clock (old snapshot), then publishes
 * it; a reclaimer may scan in between and miss it.  This is a Dekker pair
 * (publish then read TVars, versus unlink-commit then scan) and needs a full
 * barrier on both sides.  The reclaimer issues membarrier(PRIVATE_EXPEDITED),
 * which runs a barrier on every thread of the process; so starting a
 * transaction needs no fence of its own (liburcu's asymmetric trick).  If the
 * scan misses a publication, that thread's later reads come after the
 * barrier, see the unlinking commit (version > its snapshot) and extend past
 * it, so they never reach the block.  Without membarrier each start fences
 * (LH_BEGIN_FENCE in lh_g_begin).
 */
#include "stm_internal.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A thread drains its limbo list when it holds this many pending frees. */
#define LH_LIMBO_BATCH 64
_Static_assert(LH_LIMBO_BATCH > 1, "frees are batched");

/* Frees of exited threads, under lh_g_threads_lock. */
static struct lh_limbo *g_orphans;
static size_t g_orphans_n, g_orphans_cap;

/*
 * A time no snapshot in use can reach.  Snapshots are clock values, except
 * an irrevocable transaction's, which is one tick above the odd clock it
 * owns (tx.c).
 */
static uint64_t next_commit_time(void)
{
	uint64_t c = atomic_load(&lh_g_clock);

	return (c & 1) ? c + 3 : c + 2;
}

void lh_mem_push(struct lh_tx *tx, enum lh_mem_kind kind, void *ptr, void (*fn)(void *))
{
	struct lh_mem *m;

	if (tx->mn == tx->mcap)
		tx->m = lh_grow(tx->m, &tx->mcap, sizeof(*tx->m), tx->mn + 1);
	m = &tx->m[tx->mn++];
	m->kind = kind;
	m->ptr = ptr;
	m->fn = fn;
}

void *lh_tx_malloc(lh_tx *tx, size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p)
		lh_mem_push(tx, LH_MEM_ALLOC, p, NULL);
	return p;
}

void *lh_tx_calloc(lh_tx *tx, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p)
		lh_mem_push(tx, LH_MEM_ALLOC, p, NULL);
	return p;
}

void lh_tx_free(lh_tx *tx, void *ptr)
{
	if (ptr)
		lh_mem_push(tx, LH_MEM_FREE, ptr, NULL);
}

int lh_on_commit(lh_tx *tx, void (*fn)(void *arg), void *arg)
{
	if (!fn)
		return -EINVAL;
	lh_mem_push(tx, LH_MEM_ON_COMMIT, arg, fn);
	return 0;
}

int lh_on_abort(lh_tx *tx, void (*fn)(void *arg), void *arg)
{
	if (!fn)
		return -EINVAL;
	lh_mem_push(tx, LH_MEM_ON_ABORT, arg, fn);
	return 0;
}

/*
 * After a commit at time t (the transaction is over: depth 0, idle): send
 * frees to limbo and run on-commit hooks.  The hooks may start transactions
 * on this same descriptor, so the side log is taken away from it first.
 */
void lh_mem_commit(struct lh_tx *tx, uint64_t t)
{
	struct lh_thread *thr = lh_tx_thread(tx);
	struct lh_mem *m = tx->m;
	size_t n = tx->mn, i, hooks = 0;

	/* A read-only commit unlinked nothing, but the caller may have: be safe. */
	if (tx->lg.wp == tx->lg.w)
		t = next_commit_time();
	for (i = 0; i < n; i++) {
		if (m[i].kind == LH_MEM_FREE)
			lh_limbo_add(thr, m[i].ptr, LH_LIMBO_BLOCK, t);
		else if (m[i].kind == LH_MEM_TVAR_FREE)
			lh_limbo_add(thr, m[i].ptr, LH_LIMBO_TVAR, t);
		else if (m[i].kind == LH_MEM_ARRAY_FREE)
			lh_limbo_add(thr, m[i].ptr, LH_LIMBO_ARRAY, t);
		else if (m[i].kind == LH_MEM_ON_COMMIT)
			hooks++;
	}
	tx->mn = 0;
	if (hooks) {
		tx->m = NULL;
		tx->mcap = 0;
		for (i = 0; i < n; i++)
			if (m[i].kind == LH_MEM_ON_COMMIT)
				m[i].fn(m[i].ptr);
		if (tx->m == NULL) {
			tx->m = m;
			tx->mcap = n;   /* at least n entries */
		} else {
			free(m);
		}
	}
	if (thr->limbo_n >= LH_LIMBO_BATCH)
		lh_limbo_drain(thr, 0);
}

void lh_limbo_add(struct lh_thread *thr, void *ptr, int kind, uint64_t t)
{
	struct lh_limbo *l;

	if (thr->limbo_n == thr->limbo_cap)
		thr->limbo = lh_grow(thr->limbo, &thr->limbo_cap, sizeof(*thr->limbo),
				     thr->limbo_n + 1);
	l = &thr->limbo[thr->limbo_n++];
	l->ptr = ptr;
	l->kind = kind;
	l->t = t;
}

/* Outside a transaction: free ptr (an LH_LIMBO_* kind) after the grace period. */
void lh_limbo_defer(struct lh_thread *thr, void *ptr, int kind)
{
	lh_limbo_add(thr, ptr, kind, next_commit_time());
	if (thr->limbo_n >= LH_LIMBO_BATCH)
		lh_limbo_drain(thr, 0);
}

static void release(const struct lh_limbo *l)
{
	if (l->kind == LH_LIMBO_TVAR)
		lh_tvar_release(l->ptr);
	else if (l->kind == LH_LIMBO_ARRAY)
		lh_tvar_array_release(l->ptr);
	else
		free(l->ptr);
}

/* Free the entries of a list whose grace period is over; returns the new length. */
static size_t sweep(struct lh_limbo *l, size_t n, uint64_t min_active)
{
	size_t i, keep = 0;

	for (i = 0; i < n; i++) {
		if (l[i].t <= min_active)
			release(&l[i]);
		else
			l[keep++] = l[i];
	}
	return keep;
}

/* The oldest snapshot in use; call with lh_g_threads_lock held, after the barrier. */
static uint64_t min_active_locked(void)
{
	uint64_t min = LH_IDLE;
	const struct lh_thread *t;

	for (t = lh_g_threads; t; t = t->next) {
		uint64_t a = atomic_load_explicit(&t->active, memory_order_acquire);

		if (a < min)
			min = a;
	}
	return min;
}

static void grace_barrier(void)
{
	/* membarrier cannot fail once registered; the fence covers the other case */
	if ((atomic_load_explicit(&lh_g_begin, memory_order_relaxed) & LH_BEGIN_FENCE) ||
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		atomic_thread_fence(memory_order_seq_cst);
}

/* Free what this thread (and exited threads) deferred, where it is safe. */
void lh_limbo_drain(struct lh_thread *thr, int force)
{
	uint64_t min;

	if (thr->limbo_n == 0 && !force)
		return;
	grace_barrier();
	lh_mutex_lock(&lh_g_threads_lock);
	min = min_active_locked();
	g_orphans_n = sweep(g_orphans, g_orphans_n, min);
	lh_mutex_unlock(&lh_g_threads_lock);
	thr->limbo_n = sweep(thr->limbo, thr->limbo_n, min);
}

/* At thread exit, with lh_g_threads_lock held: keep its pending frees. */
void lh_limbo_orphan(struct lh_thread *thr)
{
	size_t i;

	for (i = 0; i < thr->limbo_n; i++) {
		if (g_orphans_n == g_orphans_cap)
			g_orphans = lh_grow(g_orphans, &g_orphans_cap, sizeof(*g_orphans),
					    g_orphans_n + 1);
		g_orphans[g_orphans_n++] = thr->limbo[i];
	}
	thr->limbo_n = 0;
}

void lh_stm_reclaim(void)
{
	struct lh_thread *thr = lh_thread_self();

	if (thr->tx.depth > 0)
		return;
	lh_limbo_drain(thr, 1);
}
