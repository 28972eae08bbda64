/*
 * stm/tx.c - the clock, reads, writes, validation and commit.
 *
 * Why this is correct
 * -------------------
 * A TL2-style commit on TVar-embedded version words, with a clock that
 * writers only read (TL2's "GV5").  One global 64-bit clock C; snapshots
 * and commit times are even values, bit 0 of C says that an irrevocable
 * transaction owns it (below).  Each TVar's version word holds the commit
 * time of its last writer or, with bit 63 (LH__LOCKED) set, a lock naming
 * the committer's write-log entry (stm_internal.h).  All accesses that the
 * arguments below order are seq_cst (on x86-64 the loads are plain loads
 * and the RMWs are the locked instructions they would be anyway).
 *
 * Commit of a writing transaction:
 *   1. lock every TVar of its write log (CAS, saving the version in
 *      tx->wsave); a TVar locked by another committer makes it release all
 *      it holds and wait for that lock to go, then start over, so no
 *      committer waits while holding a lock (no deadlock);
 *   2. read C = t (odd: an irrevocable transaction runs: release all, wait,
 *      redo 1); the commit time is wv = t + 2, and C is left alone, so
 *      commits of disjoint write sets share no written cache line;
 *   3. validate the read log: every TVar read still has the version read
 *      (one it locked itself names its own entry, whose saved version must
 *      be the one read); on failure, unlock (restoring the versions) and
 *      abort;
 *   4. write back: value, then version wv, unlocked (release).
 * Several commits may stamp the same wv; they are ordered by their locks.
 *
 * Reading a TVar: load the version, the value, then (after an acquire
 * fence) the version again, and accept the value only if both versions
 * are equal, unlocked and <= rv.  A committer stores values only while it
 * holds the TVar's lock, after a release fence that follows its lock CAS;
 * so a reader that got a value stored by a commit in progress sees the
 * lock (or a later version) in its second load, and a reader whose two
 * loads agree on an unlocked version v got the value of the commit that
 * stamped v (a commit that failed validation stores no value and restores
 * the version it found).  A locked TVar is waited for (bounded spin, then
 * yields): its holder is a committer that waits for nobody while it
 * holds locks.
 *
 * Snapshots.  A transaction runs at a snapshot rv, an even value read from
 * C (or installed in C by this thread): a read returns value v with version
 * ver <= rv.  A commit with time wv <= rv read C = wv - 2 after taking its
 * locks, and that read came before our access that saw C >= wv (C only
 * grows), so in the seq_cst order its locks precede our reads: each TVar it
 * writes shows us its lock or its new version.  Hence ver <= rv means v is
 * x's value as of every commit with time <= rv, and the reads form one
 * consistent snapshot (commits with times <= rv still writing back are
 * waited for, not skipped).
 *   - A read that finds ver > rv extends: advance C to ver if it is behind
 *     (a CAS: commits stamp C + 2 without moving C), take t = C (read or
 *     installed before the validation), then check that every logged TVar
 *     still has its logged version (a locked one is waited for).  Any
 *     commit with a time <= t locked what it writes before we saw C = t,
 *     so a logged TVar it overwrote shows a changed version: if all match,
 *     every logged value is also the value at t, and rv = t.  Otherwise the
 *     attempt aborts, before the user code sees the new value.  While C is
 *     odd the extension waits.
 * This is opacity: at every moment, everything an attempt has read is the
 * state at one time rv, even in attempts that later abort.
 *
 * A cached snapshot.  Nothing above needs rv to be the clock's value at the
 * start of the attempt: only that rv was read from (or installed in) C,
 * which stays true of any clock value this thread has seen.  So an attempt
 * starts from the last value its thread saw (tx->lg.rv survives from one
 * transaction to the next: after a commit it is the t of step 2, not wv,
 * which is no clock value yet) and does not load the clock at all; reading
 * a TVar written since then simply extends, as above.  Values stay
 * current: a read returns the TVar's latest committed value (a newer one
 * carries a newer version and forces an extension).
 *
 * A read-only transaction commits at its snapshot rv for free.  A writing
 * one is serialized at wv, after the commits with smaller times and after
 * the commits with time wv whose locks it met: its reads were current at
 * rv, validation (after its locks) shows no commit touched them since,
 * and its writes appear at wv (a reader with rv >= wv meets the lock or
 * the new version; one with rv < wv meets version wv > rv and extends).
 * The only thread that ever used the STM (lh_g_registered == 1; the count
 * never goes down, since a thread could commit over our reads and exit
 * before we look) commits as a NOrec-style serial writer (commit_alone):
 * it takes C from rv to rv + 1 like an irrevocable transaction, checks the
 * count again (a thread that registers waits for C to be even before it
 * does anything, thread.c, so it cannot meet this write-back), and writes
 * back with no lock and no validation (nobody else can have committed
 * since its reads) in one pass, then releases C at rv + 2 (a release
 * store), which is its next snapshot.  No transaction reads meanwhile: a
 * reader has a descriptor (the count would be 2), and one registering now
 * reads only after it sees C = rv + 2, so after the whole write-back.  (A
 * registration that saw C even before our CAS incremented the count before
 * our check: seq_cst.)  If the count has grown, the
 * thread releases C (an advance) and commits as above; there, if the count
 * read after the locks is still 1, validation is skipped for the same
 * reason, and the clock is advanced to wv after the write-back (always
 * allowed, as in an extension).
 *
 * Irrevocable mode takes C from an even t to t+1 at the start of the
 * attempt and keeps it, with snapshot rv = t+2: commits that read C = t
 * before stamp t+2 (their locks are waited for), and no commit or
 * extension can move C while it is odd, so nothing it reads can change and
 * it never aborts.  It still uses its redo log (lh_retry() and lh_or_else()
 * work); at its end it locks and writes back each TVar with version t+4
 * (waiting for a lock only on committers that either hold a time and
 * finish, or see C odd and let go) and releases C at t+4.  Readers that
 * started earlier keep running and committing read-only.
 *
 * Blocking retry (retry.c) and grace periods (alloc.c) add one Dekker pair
 * each, argued where they are: both rely only on "a committer stores the
 * new versions before it looks for waiters" and "a snapshot >= t sees the
 * commit at t", which hold as above.
 *
 * The clock value, in full:
 *   bit 0        1 while an irrevocable transaction or a lone thread's
 *                commit owns it
 *   bits 63..1   advanced by extensions, by a program's only thread, and by each
 *                irrevocable transaction (wraps after 2^62: never in practice)
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
/* Spins on a locked TVar before yielding. */
#define LH_LOCK_SPINS 128
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
		lh_stats_conflict(lh_tx_thread(tx), c, culprit,
				  atomic_load_explicit(&culprit->writer_site, memory_order_relaxed));
	attempt_discard(tx);
	tx->lg.rp = tx->lg.r;
	tx->why = LH_JMP_ABORT;
	LH_LONGJMP(tx->top);
}

/* Wait until tv is not locked; returns its version word.  Only callers holding no lock wait. */
static uint64_t wait_unlocked(struct lh_tvar *tv)
{
	unsigned i;

	for (i = 0;; i++) {
		uint64_t v = atomic_load_explicit(&tv->ver, memory_order_acquire);

		if (LH_LIKELY(!(v & LH__LOCKED)))
			return v;
		if (i < LH_LOCK_SPINS)
			cpu_relax();
		else
			sched_yield();
	}
}

/*
 * The first logged TVar whose version changed, or NULL.  A locked TVar is
 * waited for: the commit holding it either stamps a new version (a change)
 * or gives up and restores the old one.
 */
static struct lh_tvar *validate_wait(const struct lh_tx *tx)
{
	const struct lh__rentry *r = tx->lg.r, *end = tx->lg.rp;

	for (; r < end; r++) {
		uint64_t cur = atomic_load_explicit(&r->tv->ver, memory_order_relaxed);

		if (LH_LIKELY(cur == r->ver))
			continue;
		if (cur & LH__LOCKED)
			cur = wait_unlocked(r->tv);
		if (cur != r->ver)
			return r->tv;
	}
	return NULL;
}

/*
 * A read found version seen > rv: move the snapshot forward to the clock,
 * first advancing the clock to seen if it is behind (commits stamp one
 * tick ahead of the clock without moving it), or abort.  The clock is read
 * (or installed) before the validation (see the essay).  While it is odd an
 * irrevocable transaction owns it: wait.
 */
static void extend(struct lh_tx *tx, uint64_t seen)
{
	uint64_t now = atomic_load_explicit(&lh_g_clock, memory_order_seq_cst);
	struct lh_tvar *bad;

	for (;;) {
		if (now & 1)
			now = lh_clock_wait_change(now);
		else if (now >= seen ||
			 atomic_compare_exchange_weak_explicit(&lh_g_clock, &now, seen,
							       memory_order_seq_cst,
							       memory_order_seq_cst))
			break;
	}
	if (now < seen)
		now = seen;     /* our CAS installed it */
	bad = validate_wait(tx);
	if (bad)
		lh_tx_abort(tx, LH_ABORT_READ, bad);
	tx->lg.rv = now;
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
		uint64_t ver = atomic_load_explicit(&tv->ver, memory_order_seq_cst);
		intptr_t v = atomic_load_explicit(&tv->val, memory_order_relaxed);
		uint64_t ver2;

		atomic_thread_fence(memory_order_acquire);
		ver2 = atomic_load_explicit(&tv->ver, memory_order_relaxed);
		if (LH_UNLIKELY(ver != ver2 || (ver & LH__LOCKED))) {
			(void)wait_unlocked(tv);        /* a commit is writing it back */
			continue;
		}
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
		extend(tx, ver);
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
		size_t cap = tx->wcap;

		tx->lg.w = lh_grow(tx->lg.w, &tx->wcap, sizeof(*tx->lg.w), wn + 1);
		tx->wsave = lh_grow(tx->wsave, &cap, sizeof(*tx->wsave), tx->wcap);
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
			/*
			 * Commits that read the clock before we took it
			 * stamp t + 2: our snapshot includes them (their
			 * locks are waited for); nobody stamps more until
			 * we release the clock at t + 4.
			 */
			tx->lg.rv = clock_acquire() + 2;
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

/* Unlock the write log up to end, restoring the versions: a commit that stamps nothing. */
static void unlock_writes(const struct lh_tx *tx, const struct lh__wentry *end)
{
	const struct lh__wentry *w;

	for (w = tx->lg.w; w < end; w++)
		atomic_store_explicit(&w->tv->ver, tx->wsave[w - tx->lg.w], memory_order_release);
}

/* The lock word of a TVar locked by write-log entry w. */
static inline uint64_t lock_word(const struct lh__wentry *w)
{
	return LH__LOCKED | (uint64_t)(uintptr_t)w;
}

/*
 * Lock every TVar of the write log (each appears once), saving the
 * versions.  A TVar locked by another committer: release all, wait for it,
 * start over; so a committer never waits while it holds a lock.
 */
static void lock_writes(struct lh_tx *tx)
{
	struct lh__wentry *w, *end = tx->lg.wp;

again:
	for (w = tx->lg.w; w < end; w++) {
		_Atomic uint64_t *p = &w->tv->ver;
		uint64_t v = atomic_load_explicit(p, memory_order_relaxed);

		if (LH_UNLIKELY((v & LH__LOCKED) ||
				!atomic_compare_exchange_strong_explicit(p, &v, lock_word(w),
									 memory_order_seq_cst,
									 memory_order_relaxed))) {
			unlock_writes(tx, w);
			(void)wait_unlocked(w->tv);
			goto again;
		}
		tx->wsave[w - tx->lg.w] = v;
	}
}

/*
 * The first logged TVar whose version changed, with our own locks held: a
 * TVar we locked names our write-log entry, which saved its version; one
 * locked by another committer counts as changed (waiting could deadlock).
 */
static struct lh_tvar *validate_locked(const struct lh_tx *tx)
{
	const struct lh__rentry *r = tx->lg.r, *end = tx->lg.rp;
	uintptr_t w0 = (uintptr_t)tx->lg.w, w1 = (uintptr_t)tx->lg.wp;

	for (; r < end; r++) {
		uint64_t cur = atomic_load_explicit(&r->tv->ver, memory_order_relaxed);
		uintptr_t own = (uintptr_t)(cur & ~LH__LOCKED);

		if (LH_LIKELY(cur == r->ver))
			continue;
		if ((cur & LH__LOCKED) && own >= w0 && own < w1 &&
		    tx->wsave[(own - w0) / sizeof(struct lh__wentry)] == r->ver)
			continue;
		return r->tv;
	}
	return NULL;
}

/*
 * Lock, read the clock, validate (or abort); returns the clock value read,
 * now: the commit time is now + 2.  The clock is only read (GV5): commits
 * of disjoint write sets share no written cache line at all.
 */
static uint64_t commit_lock_and_time(struct lh_tx *tx)
{
	struct lh_tvar *bad;
	uint64_t now;

	for (;;) {
		lock_writes(tx);
		now = atomic_load_explicit(&lh_g_clock, memory_order_seq_cst);
		if (LH_LIKELY(!(now & 1)))
			break;
		/* An irrevocable transaction owns the clock: let it have our TVars. */
		unlock_writes(tx, tx->lg.wp);
		(void)lh_clock_wait_change(now);
	}
	/*
	 * The only thread that ever used the STM (the count never goes down,
	 * and is read after our locks): nobody committed since our reads, and
	 * a thread that registers later reads and locks after our locks.  (A
	 * count of live threads would not do: a thread may commit over our
	 * reads and exit before we look.)
	 */
	if (atomic_load_explicit(&lh_g_registered, memory_order_seq_cst) == 1)
		return now;
	bad = validate_locked(tx);
	if (LH_UNLIKELY(bad != NULL)) {
		unlock_writes(tx, tx->lg.wp);
		lh_tx_abort(tx, LH_ABORT_COMMIT, bad);
	}
	return now;
}

/*
 * The commit of a program's only thread (lh_g_registered == 1): take the
 * clock from rv to rv + 1 as an irrevocable transaction would, check that
 * no other thread has registered since (a thread that registers waits for
 * the clock to be even before it does anything: thread.c), and write back
 * with no per-TVar lock and no validation: nobody else can read or write.
 * Versions and values in one pass, in any order: no transaction can read
 * during the write-back (every thread that reads has a descriptor, so the
 * count would be 2; one that registers now waits for the release below,
 * which orders the whole write-back before its first read; lh_load() reads
 * the value alone).  The clock release is a plain store; attempt() fences and wakes clock
 * waiters only once somebody has slept (commit_wake, retry.c).  Returns 0, having
 * changed nothing, when the clock is not at rv or another thread appeared:
 * then the ordinary commit runs.
 */
static __attribute__((noinline, cold)) void alone_give_up(struct lh_tx *tx, uint64_t wv)
{
	clock_release(wv);      /* stamps nothing: an advance */
	tx->lg.rv = wv;
}

static inline __attribute__((always_inline)) int commit_alone(struct lh_tx *tx, uint64_t *wvp)
{
	struct lh__wentry *w, *end = tx->lg.wp;
	uint64_t now = tx->lg.rv, wv = now + 2;

	if (!atomic_compare_exchange_strong(&lh_g_clock, &now, now + 1))
		return 0;
	if (LH_UNLIKELY(atomic_load(&lh_g_registered) != 1)) {
		alone_give_up(tx, wv);
		return 0;
	}
	/*
	 * No writer site: tv->writer_site only names, for statistics, the
	 * site whose commit made another transaction abort (lh_tx_abort),
	 * and no transaction can abort because of this one.  An abort blames
	 * a TVar whose version changed after the victim read it; the victim's
	 * thread had registered before its read, so the commit that changed
	 * it saw a count of 2 (after its clock CAS or its locks, see the
	 * essay) and took the locking path, which stores its site.
	 */
	for (w = tx->lg.w; w < end; w++) {
		struct lh_tvar *tv = w->tv;

		atomic_store_explicit(&tv->ver, wv, memory_order_relaxed);
		atomic_store_explicit(&tv->val, w->val, memory_order_relaxed);
	}
	atomic_store_explicit(&lh_g_clock, wv, memory_order_release);
	tx->lg.rv = wv;
	*wvp = wv;
	return 1;
}

/*
 * Once any thread has ever slept, the fence that pairs with a sleeper's
 * fence (retry.c): either we see its waiter node, or it sees our versions.
 * Before that, the membarrier a first sleeper runs does the job of our
 * fence (retry.c).  Called after the write-back.
 */
static __attribute__((noinline)) void commit_wake(const struct lh_tx *tx)
{
	const struct lh__wentry *w, *end = tx->lg.wp;

	atomic_thread_fence(memory_order_seq_cst);
	for (w = tx->lg.w; w < end; w++)
		if (atomic_load_explicit(&w->tv->waiters, memory_order_relaxed) != NULL)
			lh_retry_wake_tvar(w->tv);
	lh_clock_wake_waiters();        /* after commit_alone(): a thread registering */
}

/*
 * Commit, except a program's only thread's first-attempt commit of a write
 * (attempt() tries commit_alone() first, inline); aborts (longjmp) when
 * validation fails.  Returns the commit time.
 */
static __attribute__((noinline)) uint64_t tx_commit(struct lh_tx *tx)
{
	struct lh__wentry *w, *end = tx->lg.wp;
	uint32_t site = tx->site_id;
	uint64_t wv;

	if (end == tx->lg.w) {
		if (tx->irrevocable) {
			tx->irrevocable = 0;
			clock_release(tx->lg.rv + 2);
		}
		return tx->lg.rv;
	}
	if (LH_LIKELY(!tx->irrevocable)) {
		uint64_t now = commit_lock_and_time(tx);

		wv = now + 2;
		/* Pairs with a reader's acquire fence: our locks before our values. */
		atomic_thread_fence(memory_order_release);
		for (w = tx->lg.w; w < end; w++) {
			struct lh_tvar *tv = w->tv;

			atomic_store_explicit(&tv->writer_site, site, memory_order_relaxed);
			atomic_store_explicit(&tv->val, w->val, memory_order_relaxed);
			atomic_store_explicit(&tv->ver, wv, memory_order_release);
		}
		/*
		 * The next snapshot must be a clock value, and wv is not one
		 * until someone advances the clock to it.  Advancing is always
		 * allowed (as in extend()); a program's only thread does it
		 * here, where the clock line is its own, so that its next
		 * transactions do not extend over its own writes.  Threads
		 * that share the STM leave the clock alone (GV5) and extend.
		 */
		tx->lg.rv = now;
		if (atomic_load_explicit(&lh_g_registered, memory_order_relaxed) == 1 &&
		    atomic_compare_exchange_strong_explicit(&lh_g_clock, &now, wv,
							    memory_order_seq_cst,
							    memory_order_relaxed))
			tx->lg.rv = wv;
	} else {
		/*
		 * We own the clock (at rv - 1, odd): lock (waiting: see the
		 * essay) and write back each TVar at rv + 2, then release the
		 * clock there.
		 */
		wv = tx->lg.rv + 2;
		for (w = tx->lg.w; w < end; w++) {
			struct lh_tvar *tv = w->tv;
			uint64_t v;

			do
				v = wait_unlocked(tv);
			while (!atomic_compare_exchange_weak_explicit(&tv->ver, &v, lock_word(w),
								     memory_order_seq_cst,
								     memory_order_relaxed));
			atomic_thread_fence(memory_order_release);
			atomic_store_explicit(&tv->writer_site, site, memory_order_relaxed);
			atomic_store_explicit(&tv->val, w->val, memory_order_relaxed);
			atomic_store_explicit(&tv->ver, wv, memory_order_release);
		}
		tx->irrevocable = 0;
		clock_release(wv);
		tx->lg.rv = wv;         /* the clock value we released */
	}
	/* The signal fence keeps the compiler from moving the flag's load above the stores. */
	atomic_signal_fence(memory_order_seq_cst);
	if (LH_UNLIKELY(atomic_load_explicit(&lh_g_blocking, memory_order_relaxed) != 0))
		commit_wake(tx);
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

	/*
	 * A program's only thread committing a write in its first attempt
	 * (streak 0: not irrevocable, no streak to record, not read-only):
	 * commit_alone() inline, no call on the way.
	 */
	if (LH_LIKELY(atomic_load_explicit(&lh_g_registered, memory_order_relaxed) == 1) &&
	    tx->lg.wp != tx->lg.w && tx->streak == 0 && LH_LIKELY(commit_alone(tx, &t))) {
		atomic_signal_fence(memory_order_seq_cst);
		if (LH_UNLIKELY(atomic_load_explicit(&lh_g_blocking, memory_order_relaxed) != 0))
			commit_wake(tx);
		atomic_store_explicit(&lh_tx_thread(tx)->active, LH_IDLE, memory_order_release);
		lh_inc(&tx->ctr->commits, 1);
	} else {
		t = tx_commit(tx);
		atomic_store_explicit(&lh_tx_thread(tx)->active, LH_IDLE, memory_order_release);
		c = tx->ctr;
		lh_inc(&c->commits, 1);
		if (tx->lg.wp == tx->lg.w)
			lh_inc(&c->commits_ro, 1);
		if (LH_UNLIKELY(tx->streak != 0))
			stats_streak(c, tx->streak);
	}
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
	tx->timing = (atomic_load_explicit(&lh_g_begin, memory_order_relaxed) & LH_BEGIN_TIMING) != 0;
	tx->fn = fn;
	tx->arg = arg;
	tx->depth = 1;
	if (LH_LIKELY(timeout_ns == 0)) {
		tx_begin(tx);
		r = run_attempts(tx);
		tx->timing = 0;
		return r;
	}
	/* deadline: the absolute time; timeout_ns < 0 means "now" */
	tx->deadline_ns = (long long)lh_now_ns() + (timeout_ns > 0 ? timeout_ns : 0);
	tx->rc = 0;
	tx_begin(tx);
	r = run_attempts(tx);
	tx->timing = 0;
	tx->deadline_ns = 0;
	*rc = tx->rc;
	return r;
}

/* run() without a timeout: a new thread, a new site, or a nested call. */
static __attribute__((noinline)) int run_plain(lh_site *site, lh_tx_fn fn, void *arg)
{
	int rc;

	return run(site, fn, arg, 0, &rc);
}

/*
 * The first attempt of a transaction when lh_g_begin has a bit set (begin
 * is its value): the fence after the publication, time measurement.
 */
static __attribute__((noinline)) int run_flagged(struct lh_tx *tx, unsigned begin)
{
	int r;

	if (begin & LH_BEGIN_FENCE)
		atomic_thread_fence(memory_order_seq_cst);
	if (!(begin & LH_BEGIN_TIMING))
		return run_attempts(tx);
	tx->timing = 1;
	tx->attempt_start_ns = lh_now_ns();
	r = run_attempts(tx);
	tx->timing = 0;
	return r;
}

/*
 * The entry of lh_atomically() and lh_atomically_at(): run() for the
 * common case (a known thread, the same site as its last transaction, no
 * timeout, not nested), with no call before run_attempts() other than tail
 * calls, so that it needs no stack frame.  The streak is 0, so the first
 * attempt is never irrevocable: tx_begin() without that branch; tx->timing
 * is 0 between transactions and stays 0 unless lh_g_begin says otherwise.
 */
static inline __attribute__((always_inline)) int run_fast(lh_site *site, lh_tx_fn fn, void *arg)
{
	struct lh_thread *thr = lh_self_;
	struct lh_tx *tx;
	uint32_t sid = 0;
	unsigned begin;

	if (LH_UNLIKELY(thr == NULL))
		return run_plain(site, fn, arg);
	tx = &thr->tx;
	if (site) {
		int id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);

		if (LH_UNLIKELY(id <= 0))
			return run_plain(site, fn, arg);
		sid = (uint32_t)id - 1;
	}
	if (LH_UNLIKELY(sid != tx->site_id || tx->depth > 0))
		return run_plain(site, fn, arg);
	tx->streak = 0;
	tx->fn = fn;
	tx->arg = arg;
	tx->depth = 1;
	tx->lg.rp = tx->lg.r;
	tx->lg.wp = tx->lg.w;
	tx->un = 0;
	tx->lg.bloom = 0;
	atomic_store_explicit(&thr->active, tx->lg.rv, memory_order_relaxed);
	begin = atomic_load_explicit(&lh_g_begin, memory_order_relaxed);
	if (LH_UNLIKELY(begin != 0))
		return run_flagged(tx, begin);  /* the fence of lh_publish_active() among others */
	return run_attempts(tx);
}

int lh_atomically(lh_tx_fn fn, void *arg)
{
	return run_fast(NULL, fn, arg);
}

int lh_atomically_at(lh_site *site, lh_tx_fn fn, void *arg)
{
	return run_fast(site, fn, arg);
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
