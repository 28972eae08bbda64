/*
 * stm/tvar.c - TVar memory: a slab of 32-byte cells.
 *
 * TVars are carved in order from 64-byte-aligned chunks, so TVars made one
 * after another are neighbours in memory (a read-all streams through them),
 * and never straddle a cache line.  Freed cells go on a LIFO free list and
 * are reused; chunks are never returned to the system.  Cells are type
 * stable: memory that once held a TVar always holds one.
 *
 * A cell reaches the free list only after its grace period (alloc.c), and
 * after lh_retry_detach_all() has unlinked and woken any thread parked on
 * it.  The slab lock is a leaf; lh_tvar_new/free are not on the fast path.
 */
#include "stm_internal.h"

#include <stdlib.h>

#define LH_CHUNK_TVARS ((size_t)1024)
_Static_assert(LH_CHUNK_TVARS * LH_TVAR_SIZE % 64 == 0, "chunks are whole cache lines");

struct chunk {
	struct chunk *next;
};

static pthread_mutex_t g_slab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lh_tvar *g_free;          /* free list, linked through the val field */
static struct lh_tvar *g_bump, *g_bump_end;
static struct chunk *g_chunks;          /* every chunk, so memory stays reachable */
static _Atomic size_t g_live;

static struct lh_tvar *cell_get(void)
{
	struct lh_tvar *tv;

	lh_mutex_lock(&g_slab_lock);
	if (g_free) {
		tv = g_free;
		g_free = (struct lh_tvar *)atomic_load_explicit(&tv->val, memory_order_relaxed);
	} else {
		if (g_bump == g_bump_end) {
			/* One extra cell at the front holds the chunk link. */
			char *c = aligned_alloc(64, (LH_CHUNK_TVARS + 2) * (size_t)LH_TVAR_SIZE);

			if (!c) {
				lh_mutex_unlock(&g_slab_lock);
				return NULL;
			}
			((struct chunk *)c)->next = g_chunks;
			g_chunks = (struct chunk *)c;
			g_bump = (struct lh_tvar *)(c + (size_t)2 * LH_TVAR_SIZE);
			g_bump_end = g_bump + LH_CHUNK_TVARS;
		}
		tv = g_bump++;
	}
	lh_mutex_unlock(&g_slab_lock);
	atomic_fetch_add_explicit(&g_live, 1, memory_order_relaxed);
	return tv;
}

lh_tvar *lh_tvar_new(intptr_t initial)
{
	struct lh_tvar *tv = cell_get();
	struct lh_thread *thr;

	if (!tv)
		return NULL;
	atomic_store_explicit(&tv->ver, 0, memory_order_relaxed);
	atomic_store_explicit(&tv->val, initial, memory_order_relaxed);
	atomic_store_explicit(&tv->waiters, NULL, memory_order_relaxed);
	atomic_store_explicit(&tv->writer_site, 0, memory_order_relaxed);
	tv->live = 1;
	thr = lh_self_;
	if (thr && thr->tx.depth > 0)
		lh_mem_push(&thr->tx, LH_MEM_TVAR_NEW, tv, NULL);
	return tv;
}

/* Back to the free list: the grace period is over, or it was never published. */
void lh_tvar_release(struct lh_tvar *tv)
{
	lh_retry_detach_all(tv);
	tv->live = 0;
	lh_mutex_lock(&g_slab_lock);
	atomic_store_explicit(&tv->val, (intptr_t)g_free, memory_order_relaxed);
	g_free = tv;
	lh_mutex_unlock(&g_slab_lock);
	atomic_fetch_sub_explicit(&g_live, 1, memory_order_relaxed);
}

void lh_tvar_free(lh_tvar *tv)
{
	struct lh_thread *thr;

	if (!tv)
		return;
	thr = lh_thread_self();
	if (thr->tx.depth > 0) {
		lh_mem_push(&thr->tx, LH_MEM_TVAR_FREE, tv, NULL);
		return;
	}
	/* Outside a transaction: wake anyone parked on it now, free after the grace period. */
	lh_retry_wake_tvar(tv);
	lh_limbo_add(thr, tv, 1, (atomic_load(&lh_g_clock) | 1) + 1);
	if (thr->limbo_n >= 64)
		lh_limbo_drain(thr, 0);
}

intptr_t lh_load(lh_tvar *tv)
{
	return atomic_load_explicit(&tv->val, memory_order_acquire);
}

size_t lh_stm_tvar_count(void)
{
	return atomic_load_explicit(&g_live, memory_order_relaxed);
}
