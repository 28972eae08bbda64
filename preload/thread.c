/*
 * thread.c - per-thread state and the thread registry.
 *
 * lh_self (TLS, initial-exec) points to the thread's struct lh_thread,
 * allocated from the arena and never freed, so the registry and the
 * wait-for graph can always dereference a thread pointer they have read.
 * The registry is a push-only singly linked list (CAS on the head): walkers
 * (exit flush, watchdog, fatal-signal handler) need no lock, and so it is
 * safe to walk from a signal handler.
 *
 * Thread ids: 1 for the main thread (the thread that ran the constructor),
 * then in creation order.  A thread the shim did not see being created (made
 * before the shim was ready, or by a raw clone) is registered at its first
 * intercepted call with parent 0.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "guard.h"
#include "shim.h"

__thread struct lh_thread *lh_self __attribute__((tls_model("initial-exec")));
__thread int lh_in_shim __attribute__((tls_model("initial-exec")));
_Atomic uint32_t lh_next_tid = 1;
static _Atomic(struct lh_thread *) reg_head;
lh_spin lh_registry_lock;

struct lh_thread *thread_first(void)
{
	return atomic_load_explicit(&reg_head, memory_order_acquire);
}

struct lh_thread *thread_new(uint32_t parent_tid, uint32_t parent_seg)
{
	struct lh_thread *t = arena_alloc(sizeof(*t));

	if (!t)
		return NULL;
	t->held_cap = 16;
	t->held = arena_alloc(t->held_cap * sizeof(*t->held));
	if (!t->held) {
		arena_free(t, sizeof(*t));
		return NULL;
	}
	t->tid = atomic_fetch_add(&lh_next_tid, 1);
	t->buf.tid = t->tid;
	t->parent_tid = parent_tid;
	t->parent_seg = parent_seg;
	return t;
}

void thread_register(struct lh_thread *t)
{
	struct lh_thread *h = atomic_load_explicit(&reg_head, memory_order_relaxed);

	do
		t->next = h;
	while (!atomic_compare_exchange_weak_explicit(&reg_head, &h, t,
			memory_order_release, memory_order_relaxed));
}

/* In the new thread, before its start routine. */
void thread_start(struct lh_thread *t)
{
	lh_rec_thread rec;

	lh_self = t;
	t->os_tid = (uint32_t)gettid();
	t->pth = pthread_self();
	memset(&rec, 0, sizeof(rec));
	rec.tid = t->tid;
	rec.parent_tid = t->parent_tid;
	rec.parent_seg = t->parent_seg;
	rec.os_tid = t->os_tid;
	rec.create_stack = t->create_stack;
	tw_record(t, LH_REC_THREAD, &rec, sizeof(rec), "", 1);
	atomic_fetch_add_explicit(&lh_nthreads, 1, memory_order_relaxed);
	if (atomic_load_explicit(&lh_guard_on, memory_order_relaxed))
		guard_thread_start(t);    /* observation ring; pku: deny the keys */
}

struct lh_thread *thread_self_slow(void)
{
	struct lh_thread *t;
	int saved = lh_in_shim;

	if (atomic_load_explicit(&lh_state, memory_order_acquire) != LH_READY)
		return NULL;
	lh_in_shim = 1;
	t = thread_new(0, 0);
	if (t) {
		thread_register(t);
		thread_start(t);
	}
	lh_in_shim = saved;
	return t;
}

int thread_held_grow(struct lh_thread *t)
{
	uint32_t cap = t->held_cap * 2;
	struct lh_held *h = arena_alloc((size_t)cap * sizeof(*h));

	if (!h)
		return -ENOMEM;
	memcpy(h, t->held, (size_t)t->nheld * sizeof(*h));
	arena_free(t->held, (size_t)t->held_cap * sizeof(*h));
	t->held = h;
	t->held_cap = cap;
	return 0;
}

/* In the dying thread (start routine returned, or pthread_exit).  Idempotent. */
void thread_finish(struct lh_thread *t)
{
	lh_rec_thread_exit rec;
	uint32_t i;

	if (!t || atomic_load(&t->exited))
		return;
	if (atomic_load(&lh_guard_on))
		guard_epoch_end(t);       /* its last observations */
	lh_in_shim = 1;
	if (t->nheld > 0) {
		lh_finding_part *parts = arena_alloc((size_t)t->nheld * sizeof(*parts));
		char n[24];
		uint32_t serial = parts ? finding_once(LH_FIND_MISUSE, LH_MIS_EXIT_HOLDING,
				t->held[0].id, t->held[0].stack) : 0;

		if (serial) {
			for (i = 0; i < t->nheld; i++) {
				parts[i].tid = t->tid;
				parts[i].role = LH_ROLE_HOLDS;
				parts[i].lock = t->held[i].id;
				parts[i].stack = t->held[i].stack;
				parts[i].level = t->held[i].lk ? atomic_load(&t->held[i].lk->level) : LH_NO_LEVEL;
				parts[i].mode = t->held[i].mode;
			}
			finding_write(t, LH_FIND_MISUSE, LH_MIS_EXIT_HOLDING, 0, serial, parts, t->nheld,
					"thread exits while holding locks");
			lh_say("misuse: thread T", fmt_u64(n, t->tid), " exits while holding locks", LH_END);
		}
		arena_free(parts, (size_t)t->nheld * sizeof(*parts));
	}
	memset(&rec, 0, sizeof(rec));
	rec.tid = t->tid;
	rec.seg = t->seg;
	rec.held = t->nheld;
	tw_record(t, LH_REC_THREAD_EXIT, &rec, sizeof(rec), NULL, 0);
	atomic_fetch_add(&lh_exited_ops, t->lock_ops);
	tw_release(&t->buf);
	chainset_clear(&t->chains);
	atomic_store(&t->exited, 1);
	lh_in_shim = 0;
}

/* The most recent not-yet-joined thread with this pthread_t. */
struct lh_thread *thread_find_pth(pthread_t pth)
{
	struct lh_thread *t;

	for (t = thread_first(); t; t = t->next)
		if (t->pth == pth && t->tid != 0 && !t->joined)
			return t;
	return NULL;
}

/* fork child: the forking thread is the only one left.  It becomes thread 1
 * of the new process (its held locks stay held: their ids refer to the
 * parent's LOCK records, see lh_rec_process.fork_lock_id). */
void thread_fork_child(struct lh_thread *t)
{
	atomic_store(&reg_head, NULL);
	spin_reset(&lh_registry_lock);
	atomic_store(&lh_next_tid, 2);
	t->tid = 1;
	t->buf.tid = 1;
	t->seg = 0;
	t->parent_tid = 0;
	t->parent_seg = 0;
	t->lock_ops = 0;
	t->chains.tab = NULL;   /* the old table stays in the (copied) arena */
	t->chains.mask = 0;
	t->chains.count = 0;
	t->chains.retry_at = 0;
	t->memo_id = 0;         /* ids and chains are never 0: the thread memo is empty */
	t->memo_prev = 0;
	atomic_fetch_add(&lh_memo_epoch, 1);   /* every lock memo is stale */
	atomic_store(&t->waiting_for, NULL);
	atomic_store(&t->wait_kind, LH_WAIT_NONE);
	t->next = NULL;
	thread_register(t);
}
