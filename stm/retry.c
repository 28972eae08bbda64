/*
 * stm/retry.c - blocking retry: park until a TVar that was read changes.
 *
 * Each TVar has a list of waiter nodes (tv->waiters), one node per parked
 * thread that read it, guarded by one of LH_STRIPES stripe locks chosen by
 * the TVar's address.  A committer looks at tv->waiters of each TVar it
 * wrote: one load, NULL almost always.
 *
 * Parking (lh_retry_park), after the attempt's writes were dropped:
 *   1. validate the read log; if stale, rerun at once (no sleep);
 *   2. state = PARKED; link a node into each read TVar's list;
 *   3. full fence;
 *   4. validate again; if stale, unlink and rerun;
 *   5. futex-wait while state == PARKED; then unlink every node.
 * Committing (tx.c): store the new versions (unlocking); full fence; for each
 * written TVar with a non-empty list, under its stripe lock, wake each
 * waiter: state = 0 by exchange, futex-wake if it was PARKED.
 *
 * No lost wake-up: steps 2-4 against the committer are a Dekker pair with
 * seq_cst fences on both sides.  If the committer's load of tv->waiters
 * missed our node, our step-4 validation comes after its version store and
 * sees the new version, so we do not sleep; if it saw the node, it sets
 * state = 0 before FUTEX_WAKE, and FUTEX_WAIT(PARKED) returns at once when
 * state is no longer PARKED.  Spurious wake-ups only rerun the transaction.
 *
 * Committers skip that fence while nobody has ever slept.  lh_g_blocking
 * is 0 until the first thread is about to sleep (here, or on the clock in
 * tx.c); that thread sets it to 1, runs membarrier(PRIVATE_EXPEDITED) (a
 * full barrier on every running thread of the process, ~10 us, once), and
 * sets it to 2; a sleeper that does not see 2 runs the barrier itself.  A
 * committer loads lh_g_blocking after its version stores (compiler barrier
 * between) and fences and looks for waiters only if it is non-zero.  If it
 * read 0, that load came before the barrier point the membarrier forced on
 * its CPU, so its earlier version stores were visible before the sleeper's
 * validation: the sleeper does not sleep.  If it read non-zero, the fence
 * pair above applies.  Without membarrier, lh_g_blocking starts at 2.
 *
 * Lifetimes: a committer touches a waiter only under a stripe lock while
 * the waiter's node is linked; the waiter unlinks all its nodes (under the
 * same locks) before it goes on, so it cannot leave while a committer holds
 * a pointer to it.  A TVar being freed unlinks and wakes all its nodes
 * (lh_retry_detach_all); the waiter then skips them (node->linked == 0).
 */
#include "stm_internal.h"

#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LH_STRIPES 64
_Static_assert((LH_STRIPES & (LH_STRIPES - 1)) == 0, "stripes: a power of two");

static pthread_mutex_t g_stripes[LH_STRIPES] = {
	[0 ... LH_STRIPES - 1] = PTHREAD_MUTEX_INITIALIZER
};

static inline pthread_mutex_t *stripe(const struct lh_tvar *tv)
{
	return &g_stripes[((((uintptr_t)tv >> 5) * 0x9E3779B97F4A7C15ull) >> 58) & (LH_STRIPES - 1)];
}

int lh_futex_wait(_Atomic uint32_t *addr, uint32_t val, long long timeout_ns)
{
	struct timespec ts, *tsp = NULL;

	if (timeout_ns >= 0) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000);
		ts.tv_nsec = (long)(timeout_ns % 1000000000);
		tsp = &ts;
	}
	if (syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0) == 0)
		return 0;
	return -errno;
}

void lh_futex_wake(_Atomic uint32_t *addr, int n)
{
	(void)syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

_Atomic int lh_g_blocking;

void lh_blocking_enable(void)
{
	if (LH_LIKELY(atomic_load(&lh_g_blocking) == 2))
		return;
	atomic_store(&lh_g_blocking, 1);
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		return;         /* not registered: lh_g_blocking is 2 already (thread.c) */
	atomic_store(&lh_g_blocking, 2);
}

static void wake(struct lh_waiter *w)
{
	if (atomic_exchange(&w->state, 0) == LH_WAIT_PARKED)
		lh_futex_wake(&w->state, 1);
}

void lh_retry_wake_tvar(struct lh_tvar *tv)
{
	pthread_mutex_t *s = stripe(tv);
	struct lh_wnode *n;

	lh_mutex_lock(s);
	for (n = atomic_load_explicit(&tv->waiters, memory_order_relaxed); n; n = n->next)
		wake(n->w);
	lh_mutex_unlock(s);
}

void lh_retry_detach_all(struct lh_tvar *tv)
{
	pthread_mutex_t *s = stripe(tv);
	struct lh_wnode *n, *next;

	if (atomic_load(&tv->waiters) == NULL)
		return;
	lh_mutex_lock(s);
	for (n = atomic_load_explicit(&tv->waiters, memory_order_relaxed); n; n = next) {
		next = n->next;
		n->linked = 0;
		n->next = n->prev = NULL;
		wake(n->w);
	}
	atomic_store_explicit(&tv->waiters, NULL, memory_order_relaxed);
	lh_mutex_unlock(s);
}

static void link_node(struct lh_wnode *n)
{
	pthread_mutex_t *s = stripe(n->tv);
	struct lh_wnode *head;

	lh_mutex_lock(s);
	head = atomic_load_explicit(&n->tv->waiters, memory_order_relaxed);
	n->prev = NULL;
	n->next = head;
	if (head)
		head->prev = n;
	n->linked = 1;
	atomic_store_explicit(&n->tv->waiters, n, memory_order_relaxed);
	lh_mutex_unlock(s);
}

static void unlink_node(struct lh_wnode *n)
{
	pthread_mutex_t *s = stripe(n->tv);

	lh_mutex_lock(s);
	if (n->linked) {
		if (n->prev)
			n->prev->next = n->next;
		else
			atomic_store_explicit(&n->tv->waiters, n->next, memory_order_relaxed);
		if (n->next)
			n->next->prev = n->prev;
		n->linked = 0;
	}
	lh_mutex_unlock(s);
}

/* Was tv already given a node among nodes[0..n)?  Small logs only; duplicates are harmless. */
static int seen(const struct lh_wnode *nodes, size_t n, const struct lh_tvar *tv)
{
	size_t i;

	if (n > 64)
		return nodes[n - 1].tv == tv;
	for (i = 0; i < n; i++)
		if (nodes[i].tv == tv)
			return 1;
	return 0;
}

int lh_retry_park(struct lh_tx *tx)
{
	struct lh_thread *thr = lh_tx_thread(tx);
	struct lh_waiter *w = &thr->waiter;
	size_t i, nn = 0;
	int rc = 0;
	uint64_t t0;

	if (lh_tx_validate(tx) != NULL) {
		lh_inc(&tx->ctr->aborts[LH_ABORT_RETRY_STALE], 1);
		return 0;
	}
	if (thr->nodes_cap < lh_rn(tx))
		thr->nodes = lh_grow(thr->nodes, &thr->nodes_cap, sizeof(*thr->nodes), lh_rn(tx));
	lh_blocking_enable();
	atomic_store_explicit(&w->state, LH_WAIT_PARKED, memory_order_relaxed);
	for (i = 0; i < lh_rn(tx); i++) {
		struct lh_wnode *n = &thr->nodes[nn];

		if (seen(thr->nodes, nn, tx->lg.r[i].tv))
			continue;
		n->tv = tx->lg.r[i].tv;
		n->w = w;
		link_node(n);
		nn++;
	}
	atomic_thread_fence(memory_order_seq_cst);
	if (lh_tx_validate(tx) != NULL) {
		lh_inc(&tx->ctr->aborts[LH_ABORT_RETRY_STALE], 1);
		goto out;
	}
	lh_inc(&tx->ctr->retries, 1);
	t0 = lh_now_ns();
	while (atomic_load_explicit(&w->state, memory_order_acquire) == LH_WAIT_PARKED) {
		long long left = -1;

		if (tx->deadline_ns) {
			left = tx->deadline_ns - (long long)lh_now_ns();
			if (left <= 0) {
				rc = -ETIMEDOUT;
				break;
			}
		}
		(void)lh_futex_wait(&w->state, LH_WAIT_PARKED, left);
	}
	lh_inc(&tx->ctr->parked_ns, lh_now_ns() - t0);
out:
	for (i = 0; i < nn; i++)
		unlink_node(&thr->nodes[i]);
	atomic_store_explicit(&w->state, 0, memory_order_relaxed);
	return rc;
}
