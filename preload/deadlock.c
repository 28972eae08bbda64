/*
 * deadlock.c - real deadlocks, found while they happen.
 *
 * A thread about to block on L has published waiting_for = L (acquire.c).
 * Following owner(L) -> what that owner waits for -> its owner ... either
 * ends (someone is running), or returns to this thread: every thread on the
 * path is blocked on a lock held by the next, a deadlock.  Owners and waits
 * are read without locks, so a walk can see a stale picture (an owner that
 * has just released); the finding is therefore confirmed after a short,
 * bounded pause by a second walk and a fresh trylock-free re-check that the
 * same cycle is still there.  The last thread to close a cycle is the one
 * that sees it; the others were already blocked when they checked.
 *
 * Owners: the exclusive owner of a mutex/spinlock/mtx or of a write-locked
 * rwlock; for a read-locked rwlock the reader, when there is exactly one.
 * Timed waits are not followed (they end by themselves).
 */
#include <string.h>
#include <time.h>

#include "arena.h"
#include "shim.h"

static struct lh_thread *dl_owner(struct lh_lock *lk)
{
	struct lh_thread *o = atomic_load_explicit(&lk->owner, memory_order_acquire);

	if (!o && atomic_load_explicit(&lk->readers, memory_order_relaxed) == 1)
		o = atomic_load_explicit(&lk->rd_owner, memory_order_acquire);
	return o;
}

/* Number of threads on a cycle from t through lk back to t, or 0. */
static uint32_t dl_walk(struct lh_thread *t, struct lh_lock *lk, uint64_t *sig)
{
	uint32_t limit = atomic_load(&lh_next_tid) + 2, n = 0;
	struct lh_lock *cur = lk;
	struct lh_thread *o;

	*sig = 0;
	while (n < limit) {
		o = dl_owner(cur);
		if (!o)
			return 0;
		*sig ^= chain_mix(0, atomic_load(&cur->id), 0);
		n++;
		if (o == t)
			return n;
		if (atomic_load_explicit(&o->wait_kind, memory_order_acquire) != LH_WAIT_LOCK)
			return 0;
		cur = atomic_load_explicit(&o->waiting_for, memory_order_acquire);
		if (!cur)
			return 0;
	}
	return 0;
}

static void dl_report(struct lh_thread *t, struct lh_lock *lk, uint32_t n, uint32_t serial)
{
	lh_finding_part *parts;
	size_t np = 0, cap = 0;
	struct lh_lock *cur = lk;
	struct lh_thread *w = t, *o;
	char a[24], b[24], name[160];
	uint32_t k, i;

	/* parts: for each thread on the cycle, WAITS then its HOLDS */
	for (k = 0, w = t, cur = lk; k < n; k++) {
		cap += 1 + w->nheld;
		o = dl_owner(cur);
		if (!o)
			break;
		w = o;
		cur = atomic_load(&o->waiting_for);
		if (!cur)
			break;
	}
	parts = arena_alloc(cap * sizeof(*parts));
	lh_say("deadlock: ", fmt_u64(a, n), " thread(s) wait for each other:", LH_END);
	for (k = 0, w = t, cur = lk; parts && k < n && cur; k++) {
		o = dl_owner(cur);
		parts[np].tid = w->tid;
		parts[np].role = LH_ROLE_WAITS;
		parts[np].lock = atomic_load(&cur->id);
		parts[np].stack = w->wait_stack;
		parts[np].level = atomic_load(&cur->level);
		parts[np].mode = w->wait_mode;
		np++;
		for (i = 0; i < w->nheld && np < cap; i++, np++) {
			parts[np].tid = w->tid;
			parts[np].role = LH_ROLE_HOLDS;
			parts[np].lock = w->held[i].id;
			parts[np].stack = w->held[i].stack;
			parts[np].level = w->held[i].level;
			parts[np].mode = w->held[i].mode;
		}
		lock_label(cur, name, sizeof(name));
		lh_say("  thread T", fmt_u64(a, w->tid), " waits for ", lock_kind_name(cur->kind), " ", name,
				" held by thread T", o ? fmt_u64(b, o->tid) : "?", LH_END);
		finding_print_stack(w->wait_stack);
		if (!o)
			break;
		w = o;
		cur = atomic_load(&o->waiting_for);
	}
	if (parts) {
		finding_write(t, LH_FIND_DEADLOCK, LH_DL_CYCLE, 0, serial, parts, (uint32_t)np,
				"threads wait for each other's locks");
		arena_free(parts, cap * sizeof(*parts));
	}
}

void deadlock_check_wait(struct lh_thread *t, struct lh_lock *lk)
{
	struct timespec ts = { 0, 20L * 1000 * 1000 };
	uint64_t sig, sig2;
	uint32_t n, serial = 0;

	if (!dl_walk(t, lk, &sig))
		return;
	lh_in_shim = 1;
	nanosleep(&ts, NULL);
	n = dl_walk(t, lk, &sig2);
	if (n && sig2 == sig)
		serial = finding_once(LH_FIND_DEADLOCK, LH_DL_CYCLE, sig, 0);
	if (serial) {
		dl_report(t, lk, n, serial);
		if (lh_opt.halt_on_deadlock)
			finding_halt();
		shim_flush_everything(0);
	}
	lh_in_shim = 0;
}
