/*
 * guard_table.c - the table of guarded regions (guard.h).
 *
 * Readers are the fault handlers and the system-call wrappers: they must not
 * take a lock the interrupted code may hold, nor allocate.  So the table is
 * an immutable array of region pointers sorted by first page, with the
 * running maximum of the last page beside each entry (regions may share or
 * overlap pages), published by an atomic pointer swap.  Mutations (add,
 * remove) are serialized by a shim spin lock and build a new array.
 *
 * Old arrays.  A reader announces itself in gt_readers before loading the
 * array pointer; a writer that finds no reader after publishing a new array
 * frees every retired array, else it keeps the old one on the retired list
 * for a later mutation.  (Both sides use sequentially consistent operations:
 * a reader that starts after the swap sees the new array.)  Regions
 * themselves are never freed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "guard.h"

struct gt_slot {
	struct lh_region *r;
	uintptr_t maxhi;          /* max pg_hi of slots [0, this]               */
};

struct gt_arr {
	struct gt_arr *retired_next;
	uint32_t n;
	uint32_t cap;             /* slots allocated: what arena_free is given  */
	struct gt_slot s[];
};

_Atomic int lh_guard_on;
_Atomic int lh_guard_disarm_todo;
static _Atomic(struct gt_arr *) gt_cur;
static _Atomic long gt_readers;
static struct gt_arr *gt_retired;
static lh_spin gt_lock;
static uint64_t gt_next_id = 1;

static size_t gt_arr_size(uint32_t n)
{
	return sizeof(struct gt_arr) + (size_t)n * sizeof(struct gt_slot);
}

static uintptr_t gt_page(void)
{
	static uintptr_t pg;

	if (!pg)
		pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	return pg;
}

/* ---- readers (async-signal-safe) ------------------------------------------ */

static struct gt_arr *gt_enter(void)
{
	atomic_fetch_add(&gt_readers, 1);
	return atomic_load(&gt_cur);
}

static void gt_leave(void)
{
	atomic_fetch_sub(&gt_readers, 1);
}

/* Index of the last slot whose region starts below `hi` (-1 if none). */
static long gt_last_below(const struct gt_arr *a, uintptr_t hi)
{
	long lo = 0, up = (long)a->n;

	while (lo < up) {
		long mid = (lo + up) / 2;

		if (a->s[mid].r->pg_lo < hi)
			lo = mid + 1;
		else
			up = mid;
	}
	return lo - 1;
}

/*
 * The region watching address `addr`: among the regions whose pages cover
 * it (armed ones only when `armed_only`), the one whose object contains addr,
 * else the first in page order.
 */
static struct lh_region *gt_lookup(uintptr_t addr, int armed_only)
{
	struct gt_arr *a = gt_enter();
	struct lh_region *best = NULL, *r;
	long i;

	if (a) {
		for (i = gt_last_below(a, addr + 1); i >= 0 && a->s[i].maxhi > addr; i--) {
			r = a->s[i].r;
			if (r->pg_hi <= addr || (armed_only && !atomic_load_explicit(&r->armed, memory_order_relaxed)))
				continue;
			if (addr >= r->addr && addr - r->addr < r->len) {
				best = r;
				break;
			}
			best = r;
		}
	}
	gt_leave();
	return best;
}

struct lh_region *guard_find(uintptr_t addr)
{
	return gt_lookup(addr, 1);
}

struct lh_region *guard_find_any(uintptr_t addr)
{
	return gt_lookup(addr, 0);
}

int guard_page_armed(uintptr_t page)
{
	return gt_lookup(page, 1) != NULL;
}

int guard_each(int (*fn)(struct lh_region *r, void *arg), void *arg, uint32_t max)
{
	struct gt_arr *a = gt_enter();
	uint32_t i;
	int rc = 0;

	if (a && a->n > max)
		rc = -E2BIG;
	for (i = 0; a && rc == 0 && i < a->n; i++)
		rc = fn(a->s[i].r, arg);
	gt_leave();
	return rc;
}

int guard_touches(uintptr_t addr, size_t len)
{
	struct gt_arr *a;
	uintptr_t pg, lo, hi;
	long i;
	int hit = 0;

	if (LH_LIKELY(!atomic_load_explicit(&lh_guard_on, memory_order_relaxed)) || len == 0)
		return 0;
	pg = gt_page();
	lo = addr & ~(pg - 1);
	hi = addr + len < addr ? UINTPTR_MAX : addr + len;
	a = gt_enter();
	if (a)
		for (i = gt_last_below(a, hi); i >= 0 && a->s[i].maxhi > lo; i--)
			if (a->s[i].r->pg_hi > lo && atomic_load_explicit(&a->s[i].r->armed, memory_order_relaxed)) {
				hit = 1;
				break;
			}
	gt_leave();
	return hit;
}

/* ---- writers (under gt_lock) --------------------------------------------------- */

/* Publish a copy of the current array with `add` inserted and/or `del`
 * left out.  0 or -ENOMEM. */
static int gt_publish(struct lh_region *add, const struct lh_region *del)
{
	struct gt_arr *old = atomic_load(&gt_cur), *a, *next;
	uint32_t n = old ? old->n : 0, i, j = 0;
	uintptr_t mx = 0;
	int placed = add == NULL;

	a = arena_alloc(gt_arr_size(n + 1));
	if (!a)
		return -ENOMEM;
	a->cap = n + 1;
	for (i = 0; i <= n; i++) {
		struct lh_region *r;

		if (!placed && (i == n || old->s[i].r->pg_lo > add->pg_lo)) {
			r = add;
			placed = 1;
			i--;      /* look at old->s[i] again */
		} else if (i == n) {
			break;
		} else {
			r = old->s[i].r;
			if (r == del)
				continue;
		}
		if (r->pg_hi > mx)
			mx = r->pg_hi;
		a->s[j].r = r;
		a->s[j].maxhi = mx;
		j++;
	}
	a->n = j;
	atomic_store(&gt_cur, a);
	if (atomic_load(&gt_readers) == 0) {
		for (; gt_retired; gt_retired = next) {
			next = gt_retired->retired_next;
			arena_free(gt_retired, gt_arr_size(gt_retired->cap));
		}
		if (old)
			arena_free(old, gt_arr_size(old->cap));
	} else if (old) {
		old->retired_next = gt_retired;
		gt_retired = old;
	}
	return 0;
}

static void region_record(struct lh_thread *t, const struct lh_region *r, uint32_t extra)
{
	lh_rec_region rec;
	const char *name = r->name ? r->name : "";

	memset(&rec, 0, sizeof(rec));
	rec.h.flags = (uint16_t)(r->flags | extra);
	rec.id = r->id;
	rec.addr = r->addr;
	rec.len = r->len;
	rec.lock = r->lock_id;
	rec.alloc_stack = r->alloc_stack;
	rec.tid = r->tid;
	rec.seg = r->seg;
	rec.traps = atomic_load(&r->traps);
	tw_record(t, LH_REC_REGION, &rec, sizeof(rec), name, (uint32_t)strlen(name) + 1);
}

/* The declared lock's entry and lifetime id. */
static void region_lock(struct lh_thread *t, struct lh_region *r, const void *lock_obj)
{
	struct lh_lock *lk;

	if (!lock_obj)
		return;
	lk = table_find(lh_locks, (uintptr_t)lock_obj);
	if (!lk)
		lk = lock_lookup(t, (void *)lock_obj, LH_LOCK_MUTEX);
	r->lock_addr = (uintptr_t)lock_obj;
	if (lk)
		r->lock_id = lock_live_id(t, lk, lk->kind, (void *)lock_obj);
}

int64_t guard_add(struct lh_thread *t, uintptr_t addr, size_t len, const void *lock_obj,
		const char *name, uint64_t alloc_stack, uint32_t flags)
{
	struct lh_region *r;
	uintptr_t pg = gt_page();
	int saved = lh_in_shim, e;
	size_t n;
	char *copy;

	if (!t || len == 0 || addr + len < addr)
		return -EINVAL;
	e = sensor_init();
	if (e)
		return e;
	lh_in_shim = 1;
	r = arena_alloc(sizeof(*r));
	if (!r) {
		lh_in_shim = saved;
		return -ENOSPC;
	}
	r->addr = addr;
	r->len = len;
	r->pg_lo = addr & ~(pg - 1);
	r->pg_hi = (addr + len + pg - 1) & ~(pg - 1);
	r->flags = flags & (LH_REGION_API | LH_REGION_SYMBOL | LH_REGION_HEAP | LH_REGION_SHARED_PAGE);
	if (!(flags & GUARD_OWN_PAGES) && (r->pg_lo != addr || r->pg_hi != addr + len))
		r->flags |= LH_REGION_SHARED_PAGE;
	r->tid = t->tid;
	r->seg = t->seg;
	r->pkey = -1;
	if (name) {
		n = strlen(name);
		copy = arena_alloc(n + 1);
		if (copy)
			memcpy(copy, name, n);
		r->name = copy;
	}
	region_lock(t, r, lock_obj);
	r->alloc_stack = alloc_stack ? alloc_stack : stack_here((int)lh_opt.stack_depth);
	guard_ring_alloc(t);
	guard_rings_for_all();

	spin_lock(&gt_lock);
	r->id = gt_next_id++;
	e = gt_publish(r, NULL);
	if (e == 0) {
		atomic_store(&r->armed, 1);
		e = sensor_arm(r);
		if (e) {
			atomic_store(&r->armed, 0);
			gt_publish(NULL, r);
		}
	}
	spin_unlock(&gt_lock);
	if (e) {
		lh_in_shim = saved;
		return e == -ENOMEM ? -ENOSPC : e;
	}
	region_record(t, r, 0);
	atomic_store(&lh_guard_on, 1);
	lh_in_shim = saved;
	return (int64_t)r->id;
}

/* Write the END record of a region no longer watched (once). */
static void region_end(struct lh_thread *t, struct lh_region *r, uint32_t extra)
{
	if (atomic_exchange(&r->ended, 1))
		return;
	region_record(t, r, LH_REGION_END | extra);
}

int guard_remove(struct lh_thread *t, uintptr_t addr)
{
	struct gt_arr *a;
	struct lh_region *r = NULL;
	int saved = lh_in_shim, was;
	long i;

	lh_in_shim = 1;
	spin_lock(&gt_lock);
	a = atomic_load(&gt_cur);
	for (i = 0; a && i < (long)a->n; i++)
		if (a->s[i].r->addr == addr) {   /* a disarmed one (ended) too */
			r = a->s[i].r;
			break;
		}
	if (r) {
		was = atomic_exchange(&r->armed, 0);
		gt_publish(NULL, r);
		if (was)
			sensor_disarm(r);
	}
	spin_unlock(&gt_lock);
	if (r) {
		if (t && atomic_load(&t->guard_pending))
			guard_epoch_end(t);   /* its observations name a live region */
		region_end(t, r, atomic_load(&r->disarm_why) ? LH_REGION_DISARMED : 0);
	}
	lh_in_shim = saved;
	return r ? 0 : -ENOENT;
}

/* ---- disarming ----------------------------------------------------------------- */

void guard_disarm_async(struct lh_region *r, int why)
{
	int one = 1;

	if (!atomic_compare_exchange_strong(&r->armed, &one, 0))
		return;
	atomic_store(&r->disarm_why, why);
	sensor_disarm(r);
	atomic_store(&lh_guard_disarm_todo, 1);
}

void guard_disarm_flush(struct lh_thread *t)
{
	struct gt_arr *a;
	uint32_t i;
	int saved = lh_in_shim;
	char b1[24], b2[24];

	if (!atomic_exchange(&lh_guard_disarm_todo, 0))
		return;
	lh_in_shim = 1;
	spin_lock(&gt_lock);
	a = atomic_load(&gt_cur);
	for (i = 0; a && i < a->n; i++) {
		struct lh_region *r = a->s[i].r;
		int why = atomic_load(&r->disarm_why);

		if (atomic_load(&r->armed) || why == GUARD_WHY_NONE || atomic_load(&r->ended))
			continue;
		region_end(t, r, LH_REGION_DISARMED);
		if (why == GUARD_WHY_BUDGET)
			lh_say("guarded region ", r->name ? r->name : "", r->name ? " " : "", "at ",
					fmt_hex(b1, r->addr), " disarmed: trap budget (guard_budget=",
					fmt_u64(b2, (uint64_t)lh_opt.guard_budget), ") spent", LH_END);
		else
			lh_say("guarded region ", r->name ? r->name : "", r->name ? " " : "", "at ",
					fmt_hex(b1, r->addr),
					" disarmed: a lock or other synchronisation object lives on its page (a futex on a protected page would fail)", LH_END);
	}
	spin_unlock(&gt_lock);
	lh_in_shim = saved;
}

/* A lock lives at addr: disarm every region with a page there (the page
 * stays protected while any of them is armed).  Async-signal-safe. */
void guard_disarm_page_async(uintptr_t addr)
{
	struct gt_arr *a = gt_enter();
	long i;

	for (i = a ? gt_last_below(a, addr + 1) : -1; i >= 0 && a->s[i].maxhi > addr; i--)
		if (a->s[i].r->pg_hi > addr)
			guard_disarm_async(a->s[i].r, GUARD_WHY_LOCK);
	gt_leave();
}

void guard_lock_check(struct lh_thread *t, const void *obj)
{
	if (guard_find((uintptr_t)obj)) {
		guard_disarm_page_async((uintptr_t)obj);
		guard_disarm_flush(t);
	}
}

void guard_sync_check(const void *obj)
{
	int saved = lh_in_shim;

	if (LH_LIKELY(!atomic_load_explicit(&lh_guard_on, memory_order_relaxed)) || saved)
		return;
	lh_in_shim = 1;
	guard_lock_check(lh_self, obj);
	lh_in_shim = saved;
}

/* ---- fork ------------------------------------------------------------------------ */

/* The child writes a new trace: every live region is announced again (its
 * pages are still protected, the handlers inherited). */
void guard_fork_child(struct lh_thread *t)
{
	struct gt_arr *a;
	uint32_t i;

	spin_reset(&gt_lock);
	atomic_store(&gt_readers, 0);
	a = atomic_load(&gt_cur);
	for (i = 0; a && i < a->n; i++) {
		struct lh_region *r = a->s[i].r;

		atomic_store(&r->open, 0);
		if (atomic_load(&r->armed) && !atomic_load(&r->ended)) {
			r->tid = t->tid;
			r->seg = t->seg;
			region_record(t, r, 0);
		}
	}
}
