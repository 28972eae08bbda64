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
 * Arrays (lh_tvar_new_array) are separate blocks, below.
 */
#include "stm_internal.h"

#include <stdint.h>
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

/* A fresh TVar holding initial, never written (version 0), nobody parked. */
static void cell_init(struct lh_tvar *tv, intptr_t initial, uint32_t live)
{
	atomic_store_explicit(&tv->ver, 0, memory_order_relaxed);
	atomic_store_explicit(&tv->val, initial, memory_order_relaxed);
	atomic_store_explicit(&tv->waiters, NULL, memory_order_relaxed);
	atomic_store_explicit(&tv->writer_site, 0, memory_order_relaxed);
	tv->live = live;
}

lh_tvar *lh_tvar_new(intptr_t initial)
{
	struct lh_tvar *tv = cell_get();
	struct lh_thread *thr;

	if (!tv)
		return NULL;
	cell_init(tv, initial, 1);
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

	if (!tv || tv->live == LH_LIVE_ARRAY)
		return;         /* an array element: only lh_tvar_free_array() frees it */
	thr = lh_thread_self();
	if (thr->tx.depth > 0) {
		lh_mem_push(&thr->tx, LH_MEM_TVAR_FREE, tv, NULL);
		return;
	}
	/* Outside a transaction: wake anyone parked on it now, free after the grace period. */
	lh_retry_wake_tvar(tv);
	lh_limbo_defer(thr, tv, LH_LIMBO_TVAR);
}

/* ---- arrays ------------------------------------------------------------------
 *
 * lh_tvar_new_array(n) is one aligned block: a 64-byte header (the count),
 * then n cells.  Elements have live == LH_LIVE_ARRAY; lh_tvar_free() ignores
 * them.  The block goes back to the system after its grace period, like a
 * lh_tx_free() block (so unlike single TVars, array cells are not type
 * stable: lh_load() on a freed array is a use after free, as on any freed
 * memory).
 */
#define LH_ARRAY_HEAD ((size_t)64)

struct array_head {
	size_t n;
};
_Static_assert(sizeof(struct array_head) <= LH_ARRAY_HEAD, "the header fits its cell pair");

static struct array_head *array_head(struct lh_tvar *arr)
{
	return (struct array_head *)(void *)((char *)arr - LH_ARRAY_HEAD);
}

lh_tvar *lh_tvar_new_array(size_t n, intptr_t initial)
{
	struct array_head *h;
	struct lh_tvar *arr;
	struct lh_thread *thr;
	size_t i, bytes;

	if (n == 0 || n > (SIZE_MAX - 2 * LH_ARRAY_HEAD) / LH_TVAR_SIZE)
		return NULL;
	bytes = (LH_ARRAY_HEAD + n * LH_TVAR_SIZE + 63) & ~(size_t)63;
	h = aligned_alloc(64, bytes);
	if (!h)
		return NULL;
	h->n = n;
	arr = (struct lh_tvar *)(void *)((char *)h + LH_ARRAY_HEAD);
	for (i = 0; i < n; i++)
		cell_init(&arr[i], initial, LH_LIVE_ARRAY);
	atomic_fetch_add_explicit(&g_live, n, memory_order_relaxed);
	thr = lh_self_;
	if (thr && thr->tx.depth > 0)
		lh_mem_push(&thr->tx, LH_MEM_ARRAY_NEW, arr, NULL);
	return arr;
}

/* Free an array now: its grace period is over, or it was never published. */
void lh_tvar_array_release(struct lh_tvar *arr)
{
	struct array_head *h = array_head(arr);
	size_t i;

	for (i = 0; i < h->n; i++)
		lh_retry_detach_all(&arr[i]);
	atomic_fetch_sub_explicit(&g_live, h->n, memory_order_relaxed);
	free(h);
}

void lh_tvar_free_array(lh_tvar *arr)
{
	struct lh_thread *thr;
	size_t i, n;

	if (!arr)
		return;
	thr = lh_thread_self();
	if (thr->tx.depth > 0) {
		lh_mem_push(&thr->tx, LH_MEM_ARRAY_FREE, arr, NULL);
		return;
	}
	n = array_head(arr)->n;
	for (i = 0; i < n; i++)
		if (atomic_load_explicit(&arr[i].waiters, memory_order_relaxed) != NULL)
			lh_retry_wake_tvar(&arr[i]);
	lh_limbo_defer(thr, arr, LH_LIMBO_ARRAY);
}

intptr_t lh_load(lh_tvar *tv)
{
	return atomic_load_explicit(&tv->val, memory_order_acquire);
}

size_t lh_stm_tvar_count(void)
{
	return atomic_load_explicit(&g_live, memory_order_relaxed);
}
