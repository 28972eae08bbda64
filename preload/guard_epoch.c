/*
 * guard_epoch.c - observations of guarded memory and lock epochs.
 *
 * A thread's lockset cannot change between two of its lock operations (an
 * "epoch"), so the lockset algorithm needs one observation per (thread,
 * region, read/write, segment) per epoch.  The fault handler writes it into
 * the thread's fixed-size ring (no allocation, no lock: async-signal-safe)
 * with the stack unwound from the signal context, and marks the thread
 * (guard_pending), which sends its next lock operation to the slow path.
 * There, before the held set changes, guard_epoch_end() turns the ring into
 * ACCESS records carrying the held set (the set the thread had at the
 * fault), interns the stacks, and clears the per-epoch dedup set.
 *
 * Also drained: at thread exit, before fork, and at the process flush of
 * the calling thread (exit, exec).  Not from a fatal signal: interning
 * stacks takes shim locks.  A thread without a ring (allocated when the
 * first region is armed for every registered thread, and at thread start
 * afterwards) does not record; a full ring drops: both counted in
 * lh_guard_dropped.
 *
 * The segment is taken at the fault (pthread_create and join are not lock
 * operations but move the thread to a new segment) and is part of the dedup
 * key, so hand-off around create/join is seen by the happens-before pass.
 */
#include <errno.h>
#include <string.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "arena.h"
#include "guard.h"

#define RING_N  256u
#define DEDUP_N 64u
#define OBS_PCS 16

struct gobs {
	uint64_t seq, region, addr;
	uint32_t seg;
	uint16_t flags;           /* LH_ACCESS_* */
	uint16_t npcs;
	uintptr_t pcs[OBS_PCS];
};

struct gring {
	uint32_t n;               /* entries in e[]                         */
	uint32_t ndedup;
	uint64_t dd_region[DEDUP_N];
	uint64_t dd_key[DEDUP_N]; /* seg << 2 | kernel << 1 | write         */
	struct gobs e[RING_N];
};

static _Atomic uint64_t guard_seq;
_Atomic uint64_t lh_guard_dropped;

int guard_ring_alloc(struct lh_thread *t)
{
	struct gring *g;
	void *none = NULL;

	if (!t || atomic_load(&t->guard_ring))
		return 0;
	g = arena_alloc(sizeof(*g));
	if (!g)
		return -ENOMEM;
	if (!atomic_compare_exchange_strong(&t->guard_ring, &none, g))
		arena_free(g, sizeof(*g));
	return 0;
}

void guard_rings_for_all(void)
{
	struct lh_thread *t;

	for (t = thread_first(); t; t = t->next)
		if (!atomic_load(&t->exited))
			guard_ring_alloc(t);
}

void guard_thread_start(struct lh_thread *t)
{
	guard_ring_alloc(t);
	sensor_epoch_close(t);   /* pku: deny the keys */
}

/* The stack of the access: unwound from the signal context (pcs[0] is the
 * faulting instruction), or captured here (a system call's caller). */
static uint16_t obs_stack(uintptr_t *pcs, void *uc)
{
	unw_cursor_t c;
	unw_word_t ip;
	int max = lh_opt.stack_depth < OBS_PCS ? (int)lh_opt.stack_depth : OBS_PCS, n = 0;

	if (max <= 0)
		return 0;
	if (!uc)
		return (uint16_t)stack_capture(pcs, max);
	if (unw_init_local2(&c, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) < 0)
		return 0;
	do {
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		if (!stack_in_shim((uintptr_t)ip))   /* the thread trampoline */
			pcs[n++] = (uintptr_t)ip;
	} while (n < max && unw_step(&c) > 0);
	return (uint16_t)n;
}

void guard_observe(struct lh_region *r, uintptr_t addr, int write, int kernel, void *uc)
{
	struct lh_thread *t = lh_self;
	struct gring *g;
	struct gobs *e;
	uint64_t key;
	uint32_t i;

	if (!t || !(g = atomic_load_explicit(&t->guard_ring, memory_order_acquire))) {
		atomic_fetch_add_explicit(&lh_guard_dropped, 1, memory_order_relaxed);
		return;
	}
	key = ((uint64_t)t->seg << 2) | (kernel ? 2u : 0u) | (write ? 1u : 0u);
	for (i = 0; i < g->ndedup; i++)
		if (g->dd_region[i] == r->id && g->dd_key[i] == key)
			return;           /* seen in this epoch */
	atomic_store_explicit(&t->guard_pending, 1, memory_order_relaxed);
	if (g->n == RING_N) {
		atomic_fetch_add_explicit(&lh_guard_dropped, 1, memory_order_relaxed);
		return;
	}
	e = &g->e[g->n];
	e->seq = atomic_fetch_add_explicit(&guard_seq, 1, memory_order_relaxed) + 1;
	e->region = r->id;
	e->addr = addr;
	e->seg = t->seg;
	e->flags = (uint16_t)((write ? LH_ACCESS_WRITE : 0) | (kernel ? LH_ACCESS_KERNEL : 0));
	e->npcs = obs_stack(e->pcs, uc);
	atomic_signal_fence(memory_order_release);
	g->n++;
	if (g->ndedup < DEDUP_N) {
		g->dd_region[g->ndedup] = r->id;
		g->dd_key[g->ndedup] = key;
		g->ndedup++;
	}
}

static void epoch_write(struct lh_thread *t, const struct gobs *e)
{
	struct lh_tbuf *b;
	lh_rec_access *a;
	lh_access_lock *l;
	uint64_t stack = stack_intern(e->pcs, e->npcs);
	uint32_t size = (uint32_t)(sizeof(*a) + (size_t)t->nheld * sizeof(*l)), i;

	b = tw_buf(t);
	a = tw_begin(b, size);
	if (!a)
		return;
	a->h.type = LH_REC_ACCESS;
	a->h.flags = e->flags;
	a->h.size = size;
	a->seq = e->seq;
	a->region = e->region;
	a->addr = e->addr;
	a->stack = stack;
	a->tid = t->tid;
	a->seg = e->seg;
	a->nlocks = t->nheld;
	l = (lh_access_lock *)(a + 1);
	for (i = 0; i < t->nheld; i++) {
		l[i].lock = t->held[i].id;
		l[i].mode = (t->held[i].mode & LH_MODE_READ) ? LH_MODE_READ : LH_MODE_WRITE;
	}
	tw_end(b, size);
}

void guard_epoch_end(struct lh_thread *t)
{
	struct gring *g;
	int saved = lh_in_shim;
	uint32_t i;

	if (!t)
		return;
	lh_in_shim = 1;          /* faults from here on are the shim's: not recorded */
	atomic_store_explicit(&t->guard_pending, 0, memory_order_relaxed);
	g = atomic_load(&t->guard_ring);
	if (g && g->n) {
		tw_modules_maybe_rescan(t);
		for (i = 0; i < g->n; i++) {
			epoch_write(t, &g->e[i]);
			if (lh_guard_pku && !(g->e[i].flags & LH_ACCESS_KERNEL))
				sensor_online_observe(t, g->e[i].addr, g->e[i].flags & LH_ACCESS_WRITE);
		}
	}
	if (g) {
		g->n = 0;
		g->ndedup = 0;
	}
	if (atomic_load(&lh_guard_disarm_todo))
		guard_disarm_flush(t);
	sensor_epoch_close(t);
	lh_in_shim = saved;
}
