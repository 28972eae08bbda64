/*
 * stm/thread.c - the per-thread descriptor and the registry of live threads.
 *
 * A thread gets its descriptor (its transaction logs, counters, limbo list
 * and waiter) the first time it runs a transaction or frees a TVar.  The
 * registry lists every live descriptor, under lh_g_threads_lock; it is read
 * by grace periods (alloc.c) and statistics (stats.c).  At thread exit a
 * pthread key destructor folds the thread's counters into the totals of
 * exited threads, hands its pending frees to the orphan list and frees it.
 *
 * Global initialization (once, via pthread_once, before any descriptor is
 * used, which orders it before every transaction):
 *   - configuration from the environment (stats.c);
 *   - membarrier(PRIVATE_EXPEDITED) registration: when it works, grace
 *     periods issue the barrier and transaction starts need no fence
 *     (LH_BEGIN_FENCE cleared) and committers fence only once some
 *     thread has slept (retry.c); otherwise every start and every commit
 *     pays a fence.
 */
#include "stm_internal.h"

#include <linux/membarrier.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Static_assert(offsetof(struct lh_thread, tx) == 0, "lh_tx_thread(): the tx is the first member");

LH_HIDDEN LH_TLS struct lh_thread *lh_self_;
LH_HIDDEN LH_TLS int lh_quiet_;
pthread_mutex_t lh_g_threads_lock = PTHREAD_MUTEX_INITIALIZER;
struct lh_thread *lh_g_threads;
_Atomic unsigned lh_g_registered;
_Atomic unsigned lh_g_begin = LH_BEGIN_FENCE;

static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *p)
{
	struct lh_thread *thr = p;
	struct lh_tx *tx = &thr->tx;

	lh_self_ = NULL;
	lh_limbo_drain(thr, 0);
	lh_mutex_lock(&lh_g_threads_lock);
	if (thr->prev)
		thr->prev->next = thr->next;
	else
		lh_g_threads = thr->next;
	if (thr->next)
		thr->next->prev = thr->prev;
	lh_stats_fold(thr);
	lh_limbo_orphan(thr);
	lh_mutex_unlock(&lh_g_threads_lock);
	free(tx->lg.r);
	free(tx->lg.w);
	free(tx->wsave);
	free(tx->widx);
	free(tx->u);
	free(tx->m);
	free(thr->nodes);
	free(thr->limbo);
	free(thr->ctr);
	pthread_mutex_destroy(&thr->stats_lock);
	free(thr);
}

static void global_init(void)
{
	lh_config_init();
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		atomic_fetch_and(&lh_g_begin, ~LH_BEGIN_FENCE);
	else
		atomic_store(&lh_g_blocking, 2);        /* committers always fence */
	(void)pthread_key_create(&g_key, thread_exit);
}

struct lh_thread *lh_thread_slow(void)
{
	struct lh_thread *thr;
	struct timespec ts;

	pthread_once(&g_once, global_init);
	thr = lh_xcalloc(1, sizeof(*thr));
	atomic_init(&thr->active, LH_IDLE);
	thr->tx.retry_jb = &thr->tx.top;
	thr->tx.site_id = UINT32_MAX;   /* no site yet: the first transaction looks up tx.ctr */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	thr->rng = ((uint64_t)(uintptr_t)thr * 0x9E3779B97F4A7C15ull) ^ (uint64_t)ts.tv_nsec ^ 1;
	pthread_mutex_init(&thr->stats_lock, NULL);
	lh_mutex_lock(&lh_g_threads_lock);
	thr->next = lh_g_threads;
	if (lh_g_threads)
		lh_g_threads->prev = thr;
	lh_g_threads = thr;
	/*
	 * seq_cst (tx.c, commit_alone and commit_lock_and_time only ask "is it
	 * 1?"); it stops at 2 or a little more, so it never wraps back to 1.
	 */
	if (atomic_load(&lh_g_registered) < 2)
		atomic_fetch_add(&lh_g_registered, 1);
	lh_mutex_unlock(&lh_g_threads_lock);
	/*
	 * A program's only thread may be committing without per-TVar locks,
	 * holding the clock (tx.c, commit_alone): it looked at the count
	 * before our increment, so wait for the clock to be even.
	 */
	{
		uint64_t c = atomic_load(&lh_g_clock);

		while (c & 1)
			c = lh_clock_wait_change(c);
	}
	(void)pthread_setspecific(g_key, thr);
	lh_self_ = thr;
	return thr;
}
