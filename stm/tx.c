/*
 * stm/tx.c - the clock, reads, writes, validation and commit.
 *
 * Why this is correct
 * -------------------
 * One global 64-bit clock C orders all commits.  C is even when no commit is
 * running.  A writing transaction commits by moving C from an even value t to
 * t+1 with a CAS (so commits are serialized, as in NOrec), stores its redo
 * log into the TVars, stamping each with version t+2, and releases C by
 * storing t+2.  So every TVar's version is the time of the commit that last
 * wrote it, and C never goes backwards.
 *
 * For each TVar, the committer stores the version before the value (the
 * value store is a release), and a reader loads the value (acquire) before
 * the version.  Hence a reader that sees a new value also sees a version at
 * least as new: the pair (value, version) it gets is never "new value, old
 * version".
 *
 * A transaction starts with a snapshot rv = C & ~1: every commit with time
 * <= rv has finished (its clock release, or the CAS that follows it in C's
 * release sequence, was read with acquire), and every later commit stamps
 * versions > rv.  A read of TVar x returns value v with version ver:
 *   - if ver <= rv, v is exactly x's value at time rv.  It cannot be older,
 *     because the commit that wrote x last at or before rv happened before
 *     our load of C; it cannot be newer, because a newer value would come
 *     with a version > rv (previous paragraph).  Every value in the read log
 *     is thus a value at time rv: the reads form one consistent snapshot.
 *   - if ver > rv, the snapshot is extended: take t = C & ~1 (waiting,
 *     bounded spin then block, while the only newer commit is the one still
 *     writing), then check that every logged TVar still has its logged
 *     version.  A logged TVar overwritten by any commit <= t would show a
 *     newer version by then (that commit finished before we read t, and
 *     versions only grow); so if all match, every logged value is also the
 *     value at time t, and rv = t is a valid snapshot.  Otherwise the attempt
 *     aborts, before the user code sees the new value.
 * This is opacity: at every moment, everything an attempt has read is the
 * state at one time rv, even in attempts that later abort.
 *
 * A cached snapshot.  Nothing above needs rv to be the clock's value at the
 * start of the attempt: it needs only that every commit <= rv had finished
 * when rv was read, which stays true of any even clock value this thread
 * has read (or released) before.  So an attempt starts from the last value
 * its thread saw (tx->lg.rv survives from one transaction to the next) and
 * does not load the clock at all; reading a TVar written since then simply
 * extends, as above.  Values stay current, not just consistent: a read
 * returns the TVar's latest committed value (a newer one carries a newer
 * version and forces an extension), so a transaction still sees every
 * commit that finished before it began.  A stale rv costs at most one more
 * extension; it saves the clock's cache line a trip to every starting
 * transaction, which is what two writers on two cores pay for most.
 *
 * A read-only transaction commits at its snapshot rv for free.  A writing
 * transaction validates the same way against the clock value t it is about
 * to CAS (nothing to do when t == rv; the first CAS simply guesses t == rv,
 * and a failed CAS returns the real t) and the CAS from t succeeds only if
 * no commit came in between, so its reads are still current at its
 * commit; its writes appear at time t+2 and readers cannot see them in part
 * (a reader that sees one of them has version t+2 > its rv, and extends).
 *
 * Irrevocable mode takes the clock (t -> t+1) at the start of the attempt and
 * keeps it: no other writer can commit, so nothing it reads can change and it
 * cannot abort; it still uses its redo log, so lh_retry() and lh_or_else()
 * work and nobody sees its writes before it releases the clock.  Readers that
 * started earlier keep running and committing read-only.
 *
 * Blocking retry (retry.c) and grace periods (alloc.c) add one Dekker pair
 * each, argued where they are.
 *
 * The clock value, in full:
 *   bit 0        1 while a commit (or an irrevocable transaction) owns it
 *   bits 63..1   number of commits so far (wraps after 2^63: never in practice)
 */
#include "stm_internal.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct lh_clock_line lh_g_clock_line;
_Atomic unsigned lh_g_irrevocable_after = LH_STM_IRREVOCABLE_AFTER_DEFAULT;

/* Write logs up to this size are searched linearly; above, through a hash. */
#define LH_WHASH_MIN 16
/* Spins on the clock before yielding, yields before blocking on a futex. */
#define LH_CLOCK_SPINS 256
#define LH_CLOCK_YIELDS 32
/* Back-off after abort n: a random pause count below 32 << min(n, 10). */
#define LH_BACKOFF_BASE 32
#define LH_BACKOFF_MAX_SHIFT 10

_Static_assert(LH_WHASH_MIN >= 4, "small write logs are scanned");
_Static_assert(LH_BACKOFF_MAX_SHIFT < 20, "back-off stays below a millisecond");

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

uint64_t lh_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The logs cannot be left half-grown in the middle of an attempt: out of memory is fatal. */
_Noreturn void lh_oom(void)
{
	static const char msg[] = "lockhound-stm: out of memory\n";
	ssize_t wr = write(2, msg, sizeof(msg) - 1);

	(void)wr;
	abort();
}

void *lh_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		lh_oom();
	return p;
}

void *lh_grow(void *p, size_t *cap, size_t elem, size_t need)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	while (n < need)
		n *= 2;
	q = realloc(p, n * elem);
	if (!q)
		lh_oom();
	*cap = n;
	return q;
}

/* ---- waiting for the clock ------------------------------------------------
 *
 * Waiting on a commit in progress: spin a little, yield a little, then block
 * on g_clock_futex.  A releaser does: store C; seq_cst fence; load
 * g_clock_waiters; if non-zero, bump g_clock_futex and wake (committers skip
 * fence and check until a thread has slept: see lh_g_blocking in retry.c).  A waiter does:
 * increment g_clock_waiters (seq_cst); load g_clock_futex; load C; sleep only
 * if C is still what it saw and the futex word still what it loaded.  Either
 * the releaser sees the waiter count, or the waiter sees the new C.  The 1 ms
 * timeout is a second belt, not part of the argument.
 */
static _Atomic uint32_t g_clock_futex;
static _Atomic int g_clock_waiters;

uint64_t lh_clock_wait_change(uint64_t seen)
{
	uint64_t now;
	int i;

	for (i = 0; i < LH_CLOCK_SPINS; i++) {
		now = atomic_load_explicit(&lh_g_clock, memory_order_acquire);
		if (now != seen)
			return now;
		cpu_relax();
	}
	for (i = 0; i < LH_CLOCK_YIELDS; i++) {
		sched_yield();
		now = atomic_load_explicit(&lh_g_clock, memory_order_acquire);
		if (now != seen)
			return now;
	}
	lh_blocking_enable();
	for (;;) {
		uint32_t f;

		atomic_fetch_add(&g_clock_waiters, 1);
		f = atomic_load(&g_clock_futex);
		now = atomic_load(&lh_g_clock);
		if (now == seen)
			lh_futex_wait(&g_clock_futex, f, 1000000);
		atomic_fetch_sub(&g_clock_waiters, 1);
		now = atomic_load_explicit(&lh_g_clock, memory_order_acquire);
		if (now != seen)
			return now;
	}
}

/* Call after storing the clock and a seq_cst fence. */
void lh_clock_wake_waiters(void)
{
	if (LH_UNLIKELY(atomic_load_explicit(&g_clock_waiters, memory_order_relaxed) != 0)) {
		atomic_fetch_add(&g_clock_futex, 1);
		lh_futex_wake(&g_clock_futex, INT_MAX);
	}
}

/* Take the clock for an irrevocable attempt or a commit; returns the even value taken. */
static uint64_t clock_acquire(void)
{
	uint64_t now = atomic_load_explicit(&lh_g_clock, memory_order_acquire);

	for (;;) {
		if (now & 1) {
			now = lh_clock_wait_change(now);
			continue;
		}
		if (atomic_compare_exchange_weak(&lh_g_clock, &now, now + 1))
			return now;
	}
}

static void clock_release(uint64_t t)
{
	atomic_store_explicit(&lh_g_clock, t, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	lh_clock_wake_waiters();
}

/* ---- the write log ---------------------------------------------------------- */
static inline uint64_t bloom_bit(const struct lh_tvar *tv)
{
	return LH__BLOOM_BIT(tv);       /* the inline fast paths use the same bit */
}

static inline size_t whash(const struct lh_tvar *tv, size_t cap)
{
	return (size_t)((((uintptr_t)tv >> 5) * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static void whash_insert(struct lh_tx *tx, size_t idx)
{
	size_t i = whash(tx->lg.w[idx].tv, tx->widx_cap);

	while (tx->widx[i])
		i = (i + 1) & (tx->widx_cap - 1);
	tx->widx[i] = (uint32_t)idx + 1;
}

void lh_tx_whash_rebuild(struct lh_tx *tx)
{
	size_t need = 4, i;

	while (need < 2 * lh_wn(tx))
		need *= 2;
	if (need > tx->widx_cap) {
		free(tx->widx);
		tx->widx = lh_xcalloc(need, sizeof(*tx->widx));
		tx->widx_cap = need;
	} else {
		memset(tx->widx, 0, tx->widx_cap * sizeof(*tx->widx));
	}
	for (i = 0; i < lh_wn(tx); i++)
		whash_insert(tx, i);
}

static long wfind(const struct lh_tx *tx, const struct lh_tvar *tv)
{
	size_t i, wn = lh_wn(tx);

	if (wn > LH_WHASH_MIN) {
		for (i = whash(tv, tx->widx_cap); tx->widx[i]; i = (i + 1) & (tx->widx_cap - 1))
			if (tx->lg.w[tx->widx[i] - 1].tv == tv)
				return (long)tx->widx[i] - 1;
		return -1;
	}
	for (i = wn; i-- > 0;)
		if (tx->lg.w[i].tv == tv)
			return (long)i;
	return -1;
}

/* ---- validation and aborts ----------------------------------------------- */

/* Undo the side log from index from_mn on: free what was allocated, run on-abort hooks. */
void lh_tx_rollback_side(struct lh_tx *tx, size_t from_mn)
{
	while (tx->mn > from_mn) {
		struct lh_mem *m = &tx->m[--tx->mn];

		switch (m->kind) {
		case LH_MEM_ALLOC:
			free(m->ptr);
			break;
		case LH_MEM_TVAR_NEW:
			lh_tvar_release(m->ptr);
			break;
		case LH_MEM_ARRAY_NEW:
			lh_tvar_array_release(m->ptr);
			break;
		case LH_MEM_ON_ABORT:
			lh_quiet_++;    /* the hook is the sanctioned place for side effects */
			m->fn(m->ptr);
			lh_quiet_--;
			break;
		case LH_MEM_FREE:
		case LH_MEM_TVAR_FREE:
		case LH_MEM_ARRAY_FREE:
		case LH_MEM_ON_COMMIT:
			break;
		}
	}
}

/* End an attempt without committing; the read log is kept (retry needs it). */
static void attempt_discard(struct lh_tx *tx)
{
	lh_tx_rollback_side(tx, 0);
	tx->lg.wp = tx->lg.w;
	tx->un = 0;
	tx->lg.bloom = 0;
	tx->sp_wn = 0;
	tx->retry_jb = &tx->top;        /* a conflict may jump out of an or_else branch */
	if (tx->irrevocable) {
		tx->irrevocable = 0;
		clock_release(tx->lg.rv + 2);
	}
	atomic_store_explicit(&lh_tx_thread(tx)->active, LH_IDLE, memory_order_release);
}

_Noreturn void lh_tx_abort(struct lh_tx *tx, int reason, struct lh_tvar *culprit)
{
	struct lh_site_ctr *c = tx->ctr;

	lh_inc(&c->aborts[reason], 1);
	if (tx->timing)
		lh_inc(&c->wasted_ns, lh_now_ns() - tx->attempt_start_ns);
	if (culprit)
		lh_stats_conflict(tx->thr, c, culprit,
				  atomic_load_explicit(&culprit->writer_site, memory_order_relaxed));
	attempt_discard(tx);
	tx->lg.rp = tx->lg.r;
	tx->why = LH_JMP_ABORT;
	LH_LONGJMP(tx->top);
}

/*
 * A read found version > rv: move the snapshot forward to the last finished
 * commit, or abort.  Waits while the only newer commit is still writing.
 */
static void extend(struct lh_tx *tx)
{
	uint64_t now = atomic_load_explicit(&lh_g_clock, memory_order_acquire);
	struct lh_tvar *bad;

	while ((now & ~1ull) == tx->lg.rv)
		now = lh_clock_wait_change(now);
	bad = lh_tx_validate(tx);
	if (bad)
		lh_tx_abort(tx, LH_ABORT_READ, bad);
	tx->lg.rv = now & ~1ull;
	lh_publish_active(lh_tx_thread(tx), tx->lg.rv);
}

/* ---- the public transactional operations ---------------------------------- */

/* The external definitions of the inline fast paths (C99 inline, stm.h). */
extern inline intptr_t lh_read(lh_tx *tx, lh_tvar *tv);
extern inline void lh_write(lh_tx *tx, lh_tvar *tv, intptr_t value);

/* lh_read() when the inline path cannot answer: an own write, a full log, a newer version. */
intptr_t lh__read_slow(lh_tx *tx, lh_tvar *tv)
{
	if (LH_UNLIKELY(tx->lg.bloom & bloom_bit(tv))) {
		long i = wfind(tx, tv);

		if (i >= 0)
			return tx->lg.w[i].val;
	}
	for (;;) {
		intptr_t v = atomic_load_explicit(&tv->val, memory_order_acquire);
		uint64_t ver = atomic_load_explicit(&tv->ver, memory_order_relaxed);

		if (LH_LIKELY(ver <= tx->lg.rv)) {
			struct lh__rentry *r;

			if (LH_UNLIKELY(tx->lg.rp == tx->lg.rend)) {
				size_t rn = lh_rn(tx), rcap = rn;

				tx->lg.r = lh_grow(tx->lg.r, &rcap, sizeof(*tx->lg.r), rn + 1);
				tx->lg.rp = tx->lg.r + rn;
				tx->lg.rend = tx->lg.r + rcap;
			}
			r = tx->lg.rp++;
			r->tv = tv;
			r->ver = ver;
			return v;
		}
		extend(tx);
	}
}

/* lh_write() when the inline path cannot: a TVar maybe written before, a full log, the hash. */
void lh__write_slow(lh_tx *tx, lh_tvar *tv, intptr_t value)
{
	uint64_t bit = bloom_bit(tv);
	struct lh__wentry *w;
	size_t wn;

	if (tx->lg.bloom & bit) {
		long i = wfind(tx, tv);

		if (i >= 0) {
			if ((size_t)i < tx->sp_wn) {    /* written before the or_else branch */
				if (tx->un == tx->ucap)
					tx->u = lh_grow(tx->u, &tx->ucap, sizeof(*tx->u), tx->un + 1);
				tx->u[tx->un].idx = (uint32_t)i;
				tx->u[tx->un].old = tx->lg.w[i].val;
				tx->un++;
			}
			tx->lg.w[i].val = value;
			return;
		}
	}
	tx->lg.bloom |= bit;
	wn = lh_wn(tx);
	if (LH_UNLIKELY(wn == tx->wcap)) {
		tx->lg.w = lh_grow(tx->lg.w, &tx->wcap, sizeof(*tx->lg.w), wn + 1);
		tx->lg.wlim = tx->lg.w + (tx->wcap < LH_WHASH_MIN ? tx->wcap : LH_WHASH_MIN);
	}
	w = &tx->lg.w[wn++];
	tx->lg.wp = tx->lg.w + wn;
	w->tv = tv;
	w->val = value;
	if (LH_UNLIKELY(wn > LH_WHASH_MIN)) {
		if (wn == LH_WHASH_MIN + 1 || 2 * wn > tx->widx_cap)
			lh_tx_whash_rebuild(tx);
		else
			whash_insert(tx, wn - 1);
	}
}

_Noreturn void lh_retry(lh_tx *tx)
{
	tx->why = LH_JMP_RETRY;
	LH_LONGJMP(*tx->retry_jb);
}

/* ---- begin, commit, the top level -------------------------------------------- */

/*
 * Start an attempt.  The invariants of a transaction between attempts
 * (stm_internal.h: retry_jb, sp_wn, mn, irrevocable) hold already; the
 * logs are emptied here because an abort keeps the read log for lh_retry().
 * Only an attempt after an abort (streak > 0) may go irrevocable.
 */
static inline __attribute__((always_inline)) void tx_begin(struct lh_tx *tx)
{
	tx->lg.rp = tx->lg.r;
	tx->lg.wp = tx->lg.w;
	tx->un = 0;
	tx->lg.bloom = 0;
	if (LH_UNLIKELY(tx->streak != 0)) {
		unsigned k = atomic_load_explicit(&lh_g_irrevocable_after, memory_order_relaxed);

		if (k != 0 && tx->streak >= k) {
			tx->lg.rv = clock_acquire();
			tx->irrevocable = 1;
			lh_inc(&tx->ctr->irrevocable, 1);
		}
	}
	/*
	 * Otherwise the snapshot is the last clock value this thread saw (kept
	 * in tx->lg.rv since its previous transaction): every commit up to it
	 * has finished, which is all a snapshot needs (see the essay, "a cached
	 * snapshot").  Not loading the clock here keeps its cache line out of
	 * the start of every transaction.
	 */
	lh_publish_active(lh_tx_thread(tx), tx->lg.rv);
	if (LH_UNLIKELY(tx->timing))
		tx->attempt_start_ns = lh_now_ns();
}

/* Commit; aborts (longjmp) when validation fails.  Returns the commit time. */
static uint64_t tx_commit(struct lh_tx *tx)
{
	struct lh__wentry *w, *end;
	uint64_t wv;

	if (tx->lg.wp == tx->lg.w) {
		if (tx->irrevocable) {
			tx->irrevocable = 0;
			clock_release(tx->lg.rv + 2);
		}
		return tx->lg.rv;
	}
	if (!tx->irrevocable) {
		/* First guess: the clock is still at our snapshot (one RMW, no load). */
		uint64_t now = tx->lg.rv;

		while (!atomic_compare_exchange_weak(&lh_g_clock, &now, now + 1)) {
			while (now & 1)         /* never CAS from an odd value */
				now = lh_clock_wait_change(now);
			if (now != tx->lg.rv) {
				struct lh_tvar *bad = lh_tx_validate(tx);

				if (bad)
					lh_tx_abort(tx, LH_ABORT_COMMIT, bad);
				tx->lg.rv = now;
			}
		}
	}
	tx->irrevocable = 0;
	wv = tx->lg.rv + 2;
	{
		uint32_t site = tx->site_id;

		end = tx->lg.wp;
		for (w = tx->lg.w; w < end; w++) {
			struct lh_tvar *tv = w->tv;
			intptr_t val = w->val;

			atomic_store_explicit(&tv->ver, wv, memory_order_relaxed);
			atomic_store_explicit(&tv->writer_site, site, memory_order_relaxed);
			atomic_store_explicit(&tv->val, val, memory_order_release);
		}
	}
	/*
	 * Release.  Then, once any thread has ever slept, the fence that pairs
	 * with a sleeper's fence (retry.c): either we see its waiter node, or
	 * it sees our versions.  Before that, the membarrier a first sleeper
	 * runs does the job of our fence (retry.c); the signal fence keeps the
	 * compiler from moving the flag's load above the stores.
	 */
	atomic_store_explicit(&lh_g_clock, wv, memory_order_release);
	atomic_signal_fence(memory_order_seq_cst);
	if (LH_UNLIKELY(atomic_load_explicit(&lh_g_blocking, memory_order_relaxed) != 0)) {
		atomic_thread_fence(memory_order_seq_cst);
		for (w = tx->lg.w; w < end; w++)
			if (atomic_load_explicit(&w->tv->waiters, memory_order_relaxed) != NULL)
				lh_retry_wake_tvar(w->tv);
		lh_clock_wake_waiters();
	}
	tx->lg.rv = wv;         /* the clock we released: the next snapshot */
	return wv;
}

/* A commit after aborts: remember the longest streak. */
static __attribute__((noinline)) void stats_streak(struct lh_site_ctr *c, unsigned streak)
{
	if (streak > atomic_load_explicit(&c->max_streak, memory_order_relaxed))
		atomic_store_explicit(&c->max_streak, streak, memory_order_relaxed);
}

static void backoff(struct lh_thread *thr, unsigned streak)
{
	unsigned shift = streak < LH_BACKOFF_MAX_SHIFT ? streak : LH_BACKOFF_MAX_SHIFT;
	uint64_t x = thr->rng, n;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	thr->rng = x;
	n = x % ((uint64_t)LH_BACKOFF_BASE << shift);
	while (n-- > 0)
		cpu_relax();
}

/*
 * An attempt jumped back to the restart point: park (lh_retry) or back off
 * (a conflict, already rolled back and counted by lh_tx_abort), then start
 * the next attempt.  Returns 0 when a timed transaction gave up.
 */
static __attribute__((noinline, cold)) int attempt_restart(struct lh_tx *tx)
{
	if (tx->why == LH_JMP_RETRY) {
		attempt_discard(tx);
		tx->rc = lh_retry_park(tx);
		tx->lg.rp = tx->lg.r;
		tx->streak = 0;
		if (tx->rc == -ETIMEDOUT) {
			lh_inc(&tx->ctr->timeouts, 1);
			tx->depth = 0;
			return 0;
		}
	} else {
		tx->streak++;
		backoff(lh_tx_thread(tx), tx->streak);
	}
	tx_begin(tx);
	return 1;
}

/*
 * One attempt from the user's function on: the function, the commit (which
 * may abort: a jump back to run_attempts), the statistics.  Apart from the
 * jump target, so that this fast path is compiled without the constraints
 * of a setjmp frame (where every local lives on the stack).
 */
static __attribute__((noinline)) int attempt(struct lh_tx *tx)
{
	struct lh_site_ctr *c;
	uint64_t t;
	int r = tx->fn(tx, tx->arg);

	t = tx_commit(tx);
	atomic_store_explicit(&lh_tx_thread(tx)->active, LH_IDLE, memory_order_release);
	c = tx->ctr;
	lh_inc(&c->commits, 1);
	if (tx->lg.wp == tx->lg.w)
		lh_inc(&c->commits_ro, 1);
	if (LH_UNLIKELY(tx->streak != 0))
		stats_streak(c, tx->streak);
	tx->depth = 0;
	if (LH_UNLIKELY(tx->mn != 0))
		lh_mem_commit(tx, t);
	return r;
}

/* After a jump to the restart point: park or back off, then the next attempt. */
static __attribute__((noinline)) int attempt_again(void)
{
	/*
	 * __builtin_longjmp restores only the frame, stack pointer and resume
	 * address, so no register of run_attempts is trusted: the tx is found
	 * again through the thread.
	 */
	struct lh_tx *tx = &lh_self_->tx;

	if (!attempt_restart(tx))
		return 0;
	return attempt(tx);
}

/*
 * The restart point of one top-level transaction, whose first attempt the
 * caller has begun (tx_begin).  The jump buffer stays valid for every
 * attempt while this frame lives, so it is set once.  All state is in *tx.
 */
static __attribute__((noinline)) int run_attempts(struct lh_tx *tx)
{
	int r;

	if (LH_UNLIKELY(LH_SETJMP(tx->top) != 0))
		r = attempt_again();
	else
		r = attempt(tx);
	/* Not a tail call: this frame (the jump target) must outlive the attempt. */
	__asm__ __volatile__("" : "+r"(r));
	return r;
}

/* The setup shared by every entry point; *rc gets 0 or -ETIMEDOUT. */
static inline __attribute__((always_inline)) int run(lh_site *site, lh_tx_fn fn, void *arg,
						     long long timeout_ns, int *rc)
{
	struct lh_thread *thr = lh_thread_self();
	struct lh_tx *tx = &thr->tx;
	uint32_t sid = 0;
	int r;

	*rc = 0;
	if (tx->depth > 0)
		return fn(tx, arg);
	if (site) {
		int id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);

		sid = LH_LIKELY(id > 0) ? (uint32_t)id - 1 : lh_site_resolve(site);
	}
	/*
	 * tx->ctr stays valid while the site does not change: only this
	 * thread grows thr->ctr, and only in lh_ctr() for a new site.
	 */
	if (LH_UNLIKELY(sid != tx->site_id)) {
		tx->site_id = sid;
		tx->ctr = lh_ctr(thr, sid);
	}
	tx->streak = 0;
	tx->timing = atomic_load_explicit(&lh_g_timing, memory_order_relaxed);
	tx->fn = fn;
	tx->arg = arg;
	tx->depth = 1;
	if (LH_LIKELY(timeout_ns == 0)) {
		tx_begin(tx);
		return run_attempts(tx);
	}
	/* deadline: the absolute time; timeout_ns < 0 means "now" */
	tx->deadline_ns = (long long)lh_now_ns() + (timeout_ns > 0 ? timeout_ns : 0);
	tx->rc = 0;
	tx_begin(tx);
	r = run_attempts(tx);
	tx->deadline_ns = 0;
	*rc = tx->rc;
	return r;
}

int lh_atomically(lh_tx_fn fn, void *arg)
{
	int rc;

	return run(NULL, fn, arg, 0, &rc);
}

int lh_atomically_at(lh_site *site, lh_tx_fn fn, void *arg)
{
	int rc;

	return run(site, fn, arg, 0, &rc);
}

int lh_atomically_timeout(lh_site *site, lh_tx_fn fn, void *arg, long long timeout_ns,
			  int *result)
{
	int rc, r;

	/* A non-positive timeout means "do not block at all": -1 marks it. */
	r = run(site, fn, arg, timeout_ns > 0 ? timeout_ns : -1, &rc);
	if (rc == 0 && result)
		*result = r;
	return rc;
}

static int store_fn(lh_tx *tx, void *arg)
{
	const intptr_t *a = arg;

	lh_write(tx, (lh_tvar *)a[0], a[1]);
	return 0;
}

void lh_store(lh_tvar *tv, intptr_t value)
{
	intptr_t a[2] = { (intptr_t)tv, value };

	lh_atomically(store_fn, a);
}

int lh_stm_in_attempt(void)
{
	const struct lh_thread *t = lh_self_;

	return t != NULL && t->tx.depth > 0 && !t->tx.irrevocable && lh_quiet_ == 0;
}

/*
 * Detector integration.  When the lockhound shim is preloaded it defines
 * lh_shim_stm_register(); a weak reference resolves to it at load time
 * whether this library is linked shared or static (dlsym of
 * lh_stm_in_attempt would miss a static copy not exported from the
 * executable).  The shim then asks lh_stm_in_attempt() before a blocking
 * lock, write(2) or send(2) and reports a `misuse` when it says yes.
 */
extern void lh_shim_stm_register(int (*in_attempt)(void)) __attribute__((weak));

__attribute__((constructor)) static void stm_register_with_shim(void)
{
	if (lh_shim_stm_register)
		lh_shim_stm_register(lh_stm_in_attempt);
}

/* A dlclose()d copy of this library must not leave the shim a dangling hook. */
__attribute__((destructor)) static void stm_unregister_from_shim(void)
{
	if (lh_shim_stm_register)
		lh_shim_stm_register(NULL);
}

unsigned lh_stm_set_irrevocable_after(unsigned k)
{
	return atomic_exchange(&lh_g_irrevocable_after, k);
}
