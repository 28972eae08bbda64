/*
 * stm/stm_internal.h - what the STM's files share.  Nothing here is installed.
 *
 * Files:
 *   tx.c      the clock, reads, writes, validation, commit, lh_atomically (the essay)
 *   tvar.c    TVar memory (a slab of 32-byte cells), lh_tvar_new/free, lh_load
 *   retry.c   blocking retry: waiter lists, futex parking, waking
 *   orelse.c  lh_or_else: savepoints of the logs
 *   alloc.c   transactional malloc/free, hooks, deferred reclamation (epochs)
 *   thread.c  the per-thread descriptor and the thread registry
 *   stats.c   sites, counters, the report at exit, configuration
 *
 * Lock order (outer first): g_threads_lock > thread->stats_lock; the waiter
 * stripe locks and the slab lock are leaves.
 */
#ifndef LH_STM_INTERNAL_H
#define LH_STM_INTERNAL_H

#include <lockhound/stm.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define LH_HIDDEN __attribute__((visibility("hidden")))
#define LH_LIKELY(x) __builtin_expect(!!(x), 1)
#define LH_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LH_TLS __thread __attribute__((tls_model("initial-exec")))

/* ---- the TVar -------------------------------------------------------------
 *
 * One TVar is a 32-byte cell, 32-byte aligned, so it never straddles a
 * cache line and its version word sits beside its value.
 *
 * The version word `ver` (64 bits):
 *   bit 63      LH__LOCKED (stm.h): a committer holds the TVar (tx.c); the
 *               inline read sees a locked TVar as newer than any snapshot
 *               and takes the slow path, which waits.
 *   bits 62..0  unlocked: the commit timestamp (an even value of the
 *               global clock, see tx.c) of the last transaction that wrote
 *               this TVar; 0 for a TVar never written since lh_tvar_new().
 *               Locked: the address of the committer's write-log entry
 *               for it (so a committer knows its own locks at once); the
 *               version it replaced is in that committer's tx->wsave, and
 *               a commit that gives up restores it from there.
 * `ver` (without the lock bit) only grows.  A free cell (on the slab's free
 * list) keeps its last version; lh_tvar_new() resets it to 0, which is
 * safe because a cell is reused only after a grace period (alloc.c).
 */
/* struct lh_tvar itself is in the internal block at the end of stm.h (the
 * inline fast paths read it). */
#if !LH__FAST
#error "the STM library is built as C, without LH_STM_NO_INLINE"
#endif

#define LH_TVAR_SIZE LH__TVAR_SIZE
_Static_assert(sizeof(struct lh_tvar) == LH_TVAR_SIZE, "a TVar is one 32-byte cell");
_Static_assert((64 % LH_TVAR_SIZE) == 0, "a TVar never straddles a 64-byte cache line");
_Static_assert(sizeof(intptr_t) == 8 && sizeof(void *) == 8, "LP64 only");

/* ---- the logs of one transaction ------------------------------------------ */
struct lh_undo {                /* or_else: a write-log value overwritten in a branch */
	uint32_t idx;
	intptr_t old;
};

enum lh_mem_kind {
	LH_MEM_ALLOC,           /* lh_tx_malloc: free on abort */
	LH_MEM_FREE,            /* lh_tx_free: free (deferred) on commit */
	LH_MEM_TVAR_NEW,        /* lh_tvar_new in a tx: free on abort */
	LH_MEM_TVAR_FREE,       /* lh_tvar_free in a tx: free (deferred) on commit */
	LH_MEM_ON_COMMIT,       /* hook */
	LH_MEM_ON_ABORT,        /* hook */
	LH_MEM_ARRAY_NEW,       /* lh_tvar_new_array in a tx: free on abort */
	LH_MEM_ARRAY_FREE       /* lh_tvar_free_array in a tx: free (deferred) on commit */
};

/* tv->live: 0 free, 1 a single TVar (slab cell), LH_LIVE_ARRAY an array element. */
#define LH_LIVE_ARRAY 2u

struct lh_mem {                 /* side log: memory and hooks, in order */
	enum lh_mem_kind kind;
	void *ptr;
	void (*fn)(void *);
};

struct lh_savepoint {           /* or_else: where a branch's logs begin */
	size_t wn, un, mn;
	uint64_t bloom;
	size_t prev_sp_wn;
};

/* Why an attempt jumped back to the top of lh_atomically (tx->why). */
enum { LH_JMP_ABORT = 1, LH_JMP_RETRY = 2 };

/*
 * The restart points.  GCC's and clang's __builtin_setjmp saves three words
 * (no signal mask, no pointer mangling, no call); its longjmp always
 * delivers 1, so the reason travels in tx->why.  The sanitizers intercept
 * only the libc pair (to unpoison or unwind their shadow stacks), so
 * sanitized builds use _setjmp/longjmp.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LH_LIBC_JMP 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LH_LIBC_JMP 1
#endif
#ifdef LH_LIBC_JMP
typedef jmp_buf lh_jmpbuf;
#define LH_SETJMP(b) _setjmp(b)
#define LH_LONGJMP(b) longjmp((b), 1)
#else
typedef void *lh_jmpbuf[5];
#define LH_SETJMP(b) __builtin_setjmp(b)
#define LH_LONGJMP(b) __builtin_longjmp((b), 1)
#endif

struct lh_thread;
struct lh_site_ctr;

struct lh_tx {
	/*
	 * The part the inline lh_read/lh_write of stm.h use: snapshot rv,
	 * write-set Bloom filter, read log r[0 .. rp - r) (capacity rend - r),
	 * write log w[0 .. wp - w) (capacity wcap).  lg.wlim is
	 * w + min(wcap, LH_WHASH_MIN): below it a new write needs no hash
	 * insert.  lh_rn()/lh_wn() give the lengths, lh_set_wn() sets the
	 * write log's (the read log's is reset through rp).
	 */
	struct lh__txlog lg;
	size_t wcap;
	uint64_t *wsave;                /* commit: the version each write-log TVar had when locked (wcap) */
	uint32_t *widx;                 /* hash of write-log indexes + 1; NULL below LH_WHASH_MIN */
	size_t widx_cap;
	struct lh_undo *u;              /* or_else undo log */
	size_t un, ucap;
	struct lh_mem *m;               /* side log */
	size_t mn, mcap;
	size_t sp_wn;                   /* write-log length at the innermost savepoint */

	int depth;                      /* > 0 inside a transaction */
	int irrevocable;                /* this attempt holds the clock (odd) */
	unsigned streak;                /* consecutive aborts of this transaction */
	int timing;                     /* measure wasted time; 0 between transactions */
	uint64_t attempt_start_ns;

	lh_jmpbuf top;                  /* the attempt's restart point */
	lh_jmpbuf *retry_jb;            /* where lh_retry goes: &top or an or_else */
	int why;                        /* LH_JMP_*: why the last jump to top */

	long long deadline_ns;          /* lh_atomically_timeout; 0: none */
	int rc;                         /* lh_atomically_timeout: 0 or -ETIMEDOUT */

	uint32_t site_id;
	struct lh_site_ctr *ctr;        /* counters of this thread for this site */
	lh_tx_fn fn;                    /* the top-level transaction function and its argument */
	void *arg;
};

/*
 * Between top-level transactions (depth 0) these hold, so that starting one
 * needs no stores for them: retry_jb == &top, sp_wn == 0, mn == 0,
 * irrevocable == 0, deadline_ns == 0 (lh_atomically_timeout sets and clears
 * it).  Commits, lh_or_else and attempt_discard (tx.c) restore them.
 */

/* Lengths of the logs (pointer logs: the fast paths bump a cursor). */
static inline size_t lh_rn(const struct lh_tx *tx)
{
	return (size_t)(tx->lg.rp - tx->lg.r);
}

static inline size_t lh_wn(const struct lh_tx *tx)
{
	return (size_t)(tx->lg.wp - tx->lg.w);
}

static inline void lh_set_wn(struct lh_tx *tx, size_t n)
{
	tx->lg.wp = n ? tx->lg.w + n : tx->lg.w;       /* w may still be NULL */
}

/* The first logged TVar whose version changed, or NULL when the read log is current. */
static inline struct lh_tvar *lh_tx_validate(const struct lh_tx *tx)
{
	const struct lh__rentry *r = tx->lg.r, *end = tx->lg.rp;

	for (; r < end; r++)
		if (LH_UNLIKELY(atomic_load_explicit(&r->tv->ver, memory_order_relaxed) != r->ver))
			return r->tv;
	return NULL;
}

/* ---- the global clock (tx.c) ----------------------------------------------- */
/*
 * The clock has a cache line to itself: every writing commit reads it and
 * extensions write it, and nothing else (the read-mostly configuration, the
 * waiter counts) may ride along and bounce with it.
 */
struct lh_clock_line {
	_Alignas(64) _Atomic uint64_t v;
	char pad[64 - sizeof(uint64_t)];
};
extern struct lh_clock_line lh_g_clock_line LH_HIDDEN;
#define lh_g_clock (lh_g_clock_line.v)
extern _Atomic unsigned lh_g_irrevocable_after LH_HIDDEN;

LH_HIDDEN uint64_t lh_clock_wait_change(uint64_t seen);
LH_HIDDEN void lh_clock_wake_waiters(void);
LH_HIDDEN _Noreturn void lh_tx_abort(struct lh_tx *tx, int reason, struct lh_tvar *culprit);
LH_HIDDEN void lh_tx_rollback_side(struct lh_tx *tx, size_t from_mn);
LH_HIDDEN void lh_tx_whash_rebuild(struct lh_tx *tx);
LH_HIDDEN _Noreturn void lh_oom(void);
LH_HIDDEN void *lh_xcalloc(size_t n, size_t size);
LH_HIDDEN void *lh_grow(void *p, size_t *cap, size_t elem, size_t need);
LH_HIDDEN uint64_t lh_now_ns(void);

/* ---- threads (thread.c) ------------------------------------------------------ */
struct lh_site_ctr {
	_Atomic uint64_t commits, commits_ro, aborts[LH_ABORT_NREASONS];
	_Atomic uint64_t retries, timeouts, irrevocable, max_streak;
	_Atomic uint64_t wasted_ns, parked_ns;
	struct { const void *tvar; _Atomic uint64_t count; } ctv[LH_STM_TOP];  /* under stats_lock */
	struct { uint32_t site; _Atomic uint64_t count; } csite[LH_STM_TOP];   /* under stats_lock */
};

enum { LH_LIMBO_BLOCK = 0, LH_LIMBO_TVAR = 1, LH_LIMBO_ARRAY = 2 };

struct lh_limbo {               /* a free waiting for its grace period */
	void *ptr;
	uint64_t t;             /* free when every active snapshot is >= t */
	int kind;               /* LH_LIMBO_*: what to free */
};

struct lh_waiter {              /* one parked thread */
	_Atomic uint32_t state;         /* LH_WAIT_PARKED, or 0 once woken */
};
#define LH_WAIT_PARKED 1u

struct lh_wnode {               /* one (TVar, waiter) link; retry.c */
	struct lh_wnode *next, *prev;   /* in tv->waiters, under the TVar's stripe lock */
	struct lh_tvar *tv;             /* the TVar waited on (never changes) */
	struct lh_waiter *w;
	int linked;                     /* under the stripe lock; 0 once a free unlinked it */
};

struct lh_thread {
	struct lh_tx tx;
	_Atomic uint64_t active;        /* snapshot in use, LH_IDLE when none (alloc.c) */
	uint64_t rng;                   /* back-off */
	struct lh_waiter waiter;
	struct lh_wnode *nodes;
	size_t nodes_cap;
	struct lh_limbo *limbo;
	size_t limbo_n, limbo_cap;

	pthread_mutex_t stats_lock;     /* guards ctr growth and conflict tables */
	struct lh_site_ctr *ctr;        /* indexed by site id */
	size_t nctr;

	struct lh_thread *next, *prev;  /* registry, under g_threads_lock */
};
#define LH_IDLE UINT64_MAX

/* The thread whose descriptor holds tx (the lh_tx is its first member: no load). */
static inline struct lh_thread *lh_tx_thread(struct lh_tx *tx)
{
	return (struct lh_thread *)(void *)tx;
}

extern LH_TLS struct lh_thread *lh_self_ LH_HIDDEN;

/*
 * > 0 while this thread runs the library's own locked sections or a user
 * hook; lh_stm_in_attempt() then says 0, so the detector reports only the
 * user's blocking calls inside attempts, not the library's internal locks
 * (which are leaves or ordered, and never held while waiting for the clock).
 */
extern LH_TLS int lh_quiet_ LH_HIDDEN;

static inline void lh_mutex_lock(pthread_mutex_t *m)
{
	lh_quiet_++;
	pthread_mutex_lock(m);
}

static inline void lh_mutex_unlock(pthread_mutex_t *m)
{
	pthread_mutex_unlock(m);
	lh_quiet_--;
}
LH_HIDDEN struct lh_thread *lh_thread_slow(void);
static inline struct lh_thread *lh_thread_self(void)
{
	struct lh_thread *t = lh_self_;

	return LH_LIKELY(t != NULL) ? t : lh_thread_slow();
}
extern pthread_mutex_t lh_g_threads_lock LH_HIDDEN;
extern struct lh_thread *lh_g_threads LH_HIDDEN;
extern _Atomic unsigned lh_g_registered LH_HIDDEN; /* descriptors ever made, up to 2: 1 = one thread only */
/*
 * What a transaction start must do besides publishing its snapshot, as
 * bits, so that the common start tests one word: LH_BEGIN_FENCE, a fence
 * after the publication (no membarrier: alloc.c, thread.c);
 * LH_BEGIN_TIMING, measure wasted time (stats.c, lh_stm_stats_timing()).
 */
#define LH_BEGIN_FENCE 1u
#define LH_BEGIN_TIMING 2u
extern _Atomic unsigned lh_g_begin LH_HIDDEN;

/* ---- memory and hooks (alloc.c) -------------------------------------------- */
LH_HIDDEN void lh_mem_push(struct lh_tx *tx, enum lh_mem_kind kind, void *ptr, void (*fn)(void *));
LH_HIDDEN void lh_mem_commit(struct lh_tx *tx, uint64_t t);
LH_HIDDEN void lh_limbo_add(struct lh_thread *thr, void *ptr, int kind, uint64_t t);
LH_HIDDEN void lh_limbo_defer(struct lh_thread *thr, void *ptr, int kind);
LH_HIDDEN void lh_limbo_drain(struct lh_thread *thr, int force);
LH_HIDDEN void lh_limbo_orphan(struct lh_thread *thr);
LH_HIDDEN void lh_tvar_release(struct lh_tvar *tv);
LH_HIDDEN void lh_tvar_array_release(struct lh_tvar *arr);

/* Publish the snapshot in use, for grace periods (alloc.c). */
static inline void lh_publish_active(struct lh_thread *thr, uint64_t rv)
{
	atomic_store_explicit(&thr->active, rv, memory_order_relaxed);
	if (LH_UNLIKELY(atomic_load_explicit(&lh_g_begin, memory_order_relaxed) & LH_BEGIN_FENCE))
		atomic_thread_fence(memory_order_seq_cst);
}

/* ---- retry (retry.c) ------------------------------------------------------- */
extern _Atomic int lh_g_blocking LH_HIDDEN;     /* 0 until someone sleeps; see retry.c */
LH_HIDDEN void lh_blocking_enable(void);
LH_HIDDEN int lh_retry_park(struct lh_tx *tx);   /* 0, or -ETIMEDOUT */
LH_HIDDEN void lh_retry_wake_tvar(struct lh_tvar *tv);
LH_HIDDEN void lh_retry_detach_all(struct lh_tvar *tv);
LH_HIDDEN int lh_futex_wait(_Atomic uint32_t *addr, uint32_t val, long long timeout_ns);
LH_HIDDEN void lh_futex_wake(_Atomic uint32_t *addr, int n);

/* ---- statistics (stats.c) --------------------------------------------------- */
LH_HIDDEN uint32_t lh_site_resolve(lh_site *site);
LH_HIDDEN struct lh_site_ctr *lh_ctr_slow(struct lh_thread *thr, uint32_t id);
LH_HIDDEN void lh_stats_conflict(struct lh_thread *thr, struct lh_site_ctr *c,
				 const struct lh_tvar *tv, uint32_t other_site);
LH_HIDDEN void lh_stats_fold(struct lh_thread *thr);
LH_HIDDEN void lh_config_init(void);

static inline struct lh_site_ctr *lh_ctr(struct lh_thread *thr, uint32_t id)
{
	return LH_LIKELY(id < thr->nctr) ? &thr->ctr[id] : lh_ctr_slow(thr, id);
}

/* Counters are written only by their thread: a relaxed load and store, no RMW. */
static inline void lh_inc(_Atomic uint64_t *c, uint64_t by)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by,
			      memory_order_relaxed);
}

#endif /* LH_STM_INTERNAL_H */
