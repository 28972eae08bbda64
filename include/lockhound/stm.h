/*
 * lockhound/stm.h - composable software transactional memory for C.
 *
 * A transaction is a function run by lh_atomically(); inside it, TVars are
 * read with lh_read() and written with lh_write().  Either every write of the
 * function becomes visible at once, or none does; a transaction never sees
 * an inconsistent state, not even in an attempt that is about to abort.
 *
 *   static int transfer(lh_tx *tx, void *arg)
 *   {
 *           struct move *m = arg;
 *           intptr_t from = lh_read(tx, m->from);
 *           lh_check(tx, from >= m->amount);    (blocks until it holds)
 *           lh_write(tx, m->from, from - m->amount);
 *           lh_write(tx, m->to, lh_read(tx, m->to) + m->amount);
 *           return 0;
 *   }
 *   ...
 *   lh_atomically(transfer, &m);
 *
 * The function may run several times (after a conflict, or after lh_retry()),
 * so it must not have side effects other than through this API: use
 * lh_on_commit() for output, lh_tx_malloc() / lh_tx_free() for memory.
 *
 * Where each function may be called:
 *   [tx]      only inside a transaction function, with the lh_tx it was given
 *   [any]     inside or outside a transaction, any thread
 *   [signal]  also from a signal handler (async-signal-safe)
 * No function is safe to call from a signal handler unless marked [signal].
 * A transaction function must not longjmp out of, or throw through, the
 * library; it ends by returning.
 *
 * Link with -llockhound-stm -lpthread (pkg-config: lockhound-stm).
 */
#ifndef LOCKHOUND_STM_H
#define LOCKHOUND_STM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__cplusplus)
#define LH_NORETURN [[noreturn]]
#else
#define LH_NORETURN _Noreturn
#endif

/*
 * lh_read() and lh_write() are C99 inline functions in C11 or later (their
 * fast paths are compiled into the caller; the library holds the external
 * definitions) and ordinary functions in C++, in older C, with GNU89 inline
 * semantics (-fgnu89-inline) or with -DLH_STM_NO_INLINE.
 */
#if !defined(__cplusplus) && !defined(LH_STM_NO_INLINE) && defined(__STDC_VERSION__) && \
	__STDC_VERSION__ >= 201112L && !defined(__GNUC_GNU_INLINE__)
#define LH__INLINE inline
#define LH__FAST 1
#else
#define LH__INLINE
#define LH__FAST 0
#endif

/* Bytes per TVar (internal; lh_tvar_at() uses it). */
#define LH__TVAR_SIZE 32

/* A transaction in progress; handed to the transaction function, never made by the user. */
typedef struct lh_tx lh_tx;

/* A transactional variable holding one intptr_t; create with lh_tvar_new(). */
typedef struct lh_tvar lh_tvar;

/* A transaction function: returns a result, which lh_atomically() passes on. */
typedef int (*lh_tx_fn)(lh_tx *tx, void *arg);

/*
 * A named transaction site, for statistics: declare one static per call
 * site with LH_SITE_INIT("name") and pass it to lh_atomically_at().
 * Sites with the same name are counted together.  The fields are private.
 */
typedef struct lh_site {
	const char *name;
	int id;                 /* private: assigned on first use */
} lh_site;
#define LH_SITE_INIT(name) { (name), 0 }

/* ---- running transactions ------------------------------------------------ */

/*
 * Run fn(tx, arg) as one atomic transaction and return its result [any].
 * Called inside a transaction, it joins the enclosing one (flat nesting), so
 * functions built on transactions compose into bigger transactions.
 */
int lh_atomically(lh_tx_fn fn, void *arg);

/* lh_atomically(), with statistics counted under the named site [any]. */
int lh_atomically_at(lh_site *site, lh_tx_fn fn, void *arg);

/*
 * lh_atomically_at() that gives up when it has been blocked in lh_retry()
 * for timeout_ns nanoseconds in all [any].  Returns 0 when the transaction
 * committed (its result is stored in *result unless result is NULL), or
 * -ETIMEDOUT when it gave up (no effect is visible; on-abort hooks ran).
 * Joining an enclosing transaction, it never times out and returns 0.
 * site may be NULL.
 */
int lh_atomically_timeout(lh_site *site, lh_tx_fn fn, void *arg,
			  long long timeout_ns, int *result);

/* ---- TVars ------------------------------------------------------------------ */

/*
 * Make a TVar holding initial; NULL when out of memory [any].  Made inside a
 * transaction, it is freed again if that attempt aborts.
 */
lh_tvar *lh_tvar_new(intptr_t initial);

/*
 * Free a TVar [any].  The memory is reused only after every transaction that
 * may still hold a reference has ended; called inside a transaction, the
 * free happens only if the transaction commits.  NULL is ignored.
 */
void lh_tvar_free(lh_tvar *tv);

/*
 * n TVars, contiguous in memory, each holding initial; NULL when out of
 * memory or n is 0 [any].  Element i is lh_tvar_at(arr, i): a transaction
 * over many TVars then touches one cache line per TVar, with no array of
 * pointers in between.  Made inside a transaction, it is freed again if that
 * attempt aborts.  Free the whole array with lh_tvar_free_array(), never an
 * element with lh_tvar_free() (that is ignored).
 */
lh_tvar *lh_tvar_new_array(size_t n, intptr_t initial);

/* Element i of an array made by lh_tvar_new_array() (no bounds check) [any]. */
static inline lh_tvar *lh_tvar_at(lh_tvar *arr, size_t i)
{
	return (lh_tvar *)(void *)((char *)arr + i * LH__TVAR_SIZE);
}

/*
 * Free an array made by lh_tvar_new_array(), as lh_tvar_free() frees one
 * TVar (after every transaction that may hold a reference has ended; inside
 * a transaction, only if it commits) [any].  NULL is ignored.
 */
void lh_tvar_free_array(lh_tvar *arr);

/*
 * Read a TVar inside a transaction [tx]; sees the transaction's own writes.
 * (Its fast path is inline, at the end of this header.)
 */
LH__INLINE intptr_t lh_read(lh_tx *tx, lh_tvar *tv);

/* Write a TVar inside a transaction; visible to others only at commit [tx]. */
LH__INLINE void lh_write(lh_tx *tx, lh_tvar *tv, intptr_t value);

/* One consistent read of a TVar outside a transaction (its last committed value) [signal]. */
intptr_t lh_load(lh_tvar *tv);

/* Write one TVar atomically outside a transaction (inside one, a plain lh_write) [any]. */
void lh_store(lh_tvar *tv, intptr_t value);

/* ---- blocking and choice ------------------------------------------------ */

/*
 * Abandon this attempt and block, without using CPU, until another thread
 * commits a write to a TVar this transaction has read; then run it again
 * [tx].  Inside the left branch of lh_or_else(), try the right branch instead.
 */
LH_NORETURN void lh_retry(lh_tx *tx);

/* Retry unless cond holds: the guard of a conditional critical region [tx]. */
static inline void lh_check(lh_tx *tx, int cond)
{
	if (!cond)
		lh_retry(tx);
}

/*
 * Run a(tx, aa); if it calls lh_retry(), undo its writes (its reads are kept)
 * and run b(tx, ba) instead; if b retries too, the whole transaction waits
 * until a TVar read by either branch changes [tx].  Returns the result of the
 * branch that finished.  A conflict in either branch restarts the whole
 * transaction.
 */
int lh_or_else(lh_tx *tx, lh_tx_fn a, void *aa, lh_tx_fn b, void *ba);

/* ---- memory and side effects -------------------------------------------- */

/* malloc() whose block is freed again if this attempt does not commit [tx]. */
void *lh_tx_malloc(lh_tx *tx, size_t size);

/* lh_tx_malloc() of zeroed memory [tx]. */
void *lh_tx_calloc(lh_tx *tx, size_t n, size_t size);

/*
 * free() once the transaction has committed and no other transaction can
 * still be reading the block; nothing if it aborts [tx].  NULL is ignored.
 */
void lh_tx_free(lh_tx *tx, void *ptr);

/*
 * Call fn(arg) once after the transaction commits, outside any transaction
 * (so fn may do I/O or start new transactions) [tx].  Returns 0, or -EINVAL
 * when fn is NULL.
 */
int lh_on_commit(lh_tx *tx, void (*fn)(void *arg), void *arg);

/*
 * Call fn(arg) when the current attempt is rolled back (conflict, retry,
 * timeout, or the left branch of lh_or_else() retrying) [tx].  Returns 0, or
 * -EINVAL when fn is NULL.  fn must not use the transaction or start one.
 */
int lh_on_abort(lh_tx *tx, void (*fn)(void *arg), void *arg);

/* ---- typed TVars ----------------------------------------------------------- */

/* A pointer stored in a TVar [tx]. */
static inline void *lh_read_ptr(lh_tx *tx, lh_tvar *tv)
{
	return (void *)lh_read(tx, tv);
}
static inline void lh_write_ptr(lh_tx *tx, lh_tvar *tv, const void *p)
{
	lh_write(tx, tv, (intptr_t)p);
}

/* A double stored in a TVar (bit for bit) [tx]. */
static inline double lh_read_double(lh_tx *tx, lh_tvar *tv)
{
	intptr_t v = lh_read(tx, tv);
	double d;

	memcpy(&d, &v, sizeof(d));
	return d;
}
static inline void lh_write_double(lh_tx *tx, lh_tvar *tv, double d)
{
	intptr_t v = 0;

	memcpy(&v, &d, sizeof(d));
	lh_write(tx, tv, v);
}

/*
 * LH_TVAR_DECLARE(name, T) declares a TVar type checked by the compiler:
 *   name *name_new(T init);  void name_free(name *);
 *   T name_read(lh_tx *, name *);  void name_write(lh_tx *, name *, T);
 *   T name_load(name *);
 * T is any trivially copyable type no bigger than intptr_t.
 *   LH_TVAR_DECLARE(tv_float, float)
 *   tv_float *f = tv_float_new(1.5f);
 */
#define LH_TVAR_DECLARE(name, T)                                              \
	typedef struct name name;                                             \
	static inline intptr_t name##_box_(T v)                               \
	{                                                                     \
		intptr_t b = 0;                                               \
		typedef char name##_fits_[sizeof(T) <= sizeof(intptr_t) ? 1 : -1]; \
		(void)sizeof(name##_fits_);                                   \
		memcpy(&b, &v, sizeof(T));                                    \
		return b;                                                     \
	}                                                                     \
	static inline T name##_unbox_(intptr_t b)                             \
	{                                                                     \
		T v;                                                          \
		memcpy(&v, &b, sizeof(T));                                    \
		return v;                                                     \
	}                                                                     \
	static inline name *name##_new(T init)                                \
	{                                                                     \
		return (name *)lh_tvar_new(name##_box_(init));                \
	}                                                                     \
	static inline void name##_free(name *t)                               \
	{                                                                     \
		lh_tvar_free((lh_tvar *)t);                                   \
	}                                                                     \
	static inline T name##_read(lh_tx *tx, name *t)                       \
	{                                                                     \
		return name##_unbox_(lh_read(tx, (lh_tvar *)t));              \
	}                                                                     \
	static inline void name##_write(lh_tx *tx, name *t, T v)              \
	{                                                                     \
		lh_write(tx, (lh_tvar *)t, name##_box_(v));                   \
	}                                                                     \
	static inline T name##_load(name *t)                                  \
	{                                                                     \
		return name##_unbox_(lh_load((lh_tvar *)t));                  \
	}

/* ---- configuration ------------------------------------------------------- */

/* The default K: after this many consecutive aborts a transaction runs irrevocably. */
#define LH_STM_IRREVOCABLE_AFTER_DEFAULT 4

/*
 * Set K, the number of consecutive aborts after which a transaction runs
 * irrevocably (alone among committers, so it cannot abort again) [any].
 * 0 means never.  Also LOCKHOUND_STM_IRREVOCABLE_AFTER=K in the environment.
 * Returns the previous value.
 */
unsigned lh_stm_set_irrevocable_after(unsigned k);

/*
 * Non-zero while the calling thread runs user code of a transaction attempt
 * that can still be rolled back by a conflict (it is not irrevocable) [signal].
 * It is 0 outside transactions, in irrevocable attempts, in on-abort hooks and
 * while the library runs its own internal locked sections.  The lockhound
 * shim uses it to report blocking calls and I/O inside attempts.
 */
int lh_stm_in_attempt(void);

/* ---- statistics ------------------------------------------------------------- */

/* Why an attempt was abandoned. */
enum lh_abort_reason {
	LH_ABORT_READ = 0,      /* a TVar it read changed; revalidation on a read failed */
	LH_ABORT_COMMIT,        /* validation at commit failed */
	LH_ABORT_RETRY_STALE,   /* lh_retry() found its reads already stale: rerun at once */
	LH_ABORT_NREASONS
};

/* How many conflict sources each site remembers (the most frequent ones). */
#define LH_STM_TOP 4

/* Statistics of one site, summed over all threads (live and exited). */
typedef struct lh_stm_site_stats {
	const char *name;               /* the site's name */
	uint64_t commits;               /* committed transactions */
	uint64_t commits_read_only;     /* of which wrote nothing */
	uint64_t aborts;                /* abandoned attempts, all reasons */
	uint64_t aborts_by_reason[LH_ABORT_NREASONS];
	uint64_t retries;               /* lh_retry() calls that blocked (parked) */
	uint64_t timeouts;              /* lh_atomically_timeout() that gave up */
	uint64_t irrevocable;           /* attempts run irrevocably */
	uint64_t max_abort_streak;      /* longest run of consecutive aborts */
	uint64_t wasted_ns;             /* time in aborted attempts (0 unless timing is on) */
	uint64_t parked_ns;             /* time blocked in lh_retry() */
	struct {
		const void *tvar;       /* a TVar whose change made this site abort */
		uint64_t count;
	} conflict_tvars[LH_STM_TOP];
	struct {
		const char *site;       /* the site whose commit made this site abort */
		uint64_t count;
	} conflict_sites[LH_STM_TOP];
} lh_stm_site_stats;

/* Number of sites seen so far (index 0 is the anonymous site of lh_atomically()) [any]. */
int lh_stm_site_count(void);

/* Fill *out with the statistics of site number index; 0, or -EINVAL [any]. */
int lh_stm_stats_at(int index, lh_stm_site_stats *out);

/* Fill *out with the statistics of the site with this name; 0, or -ENOENT [any]. */
int lh_stm_stats_get(const char *name, lh_stm_site_stats *out);

/* Zero every counter [any]; meant for tests and benchmarks between phases. */
void lh_stm_stats_reset(void);

/*
 * Measure time wasted in aborted attempts (costs two clock reads per
 * attempt) [any].  On by default when LOCKHOUND_STM_STATS=1.  Returns the
 * previous setting.
 */
int lh_stm_stats_timing(int on);

/* Write the statistics report (lines prefixed "lockhound-stm:") to fd [any]. */
void lh_stm_stats_print(int fd);

/* Live TVars (made and not yet reused after lh_tvar_free()) [any]; for leak tests. */
size_t lh_stm_tvar_count(void);

/*
 * Free now every block and TVar whose deferred free is safe (no transaction
 * can still hold it) [any, outside a transaction].  Called automatically;
 * useful before a leak check.
 */
void lh_stm_reclaim(void);

/* ---- internal: the inline fast paths ------------------------------------------
 *
 * NOT API.  The layout below exists so that lh_read() and lh_write() can run
 * without a call in the common case; it changes whenever the library does
 * (programs are rebuilt against the header of the library they link).  Never
 * use these fields or names.  stm/tx.c explains the algorithm; the slow
 * paths (lh__read_slow, lh__write_slow) do everything else: reads of a TVar
 * this transaction wrote, snapshot extension, log growth, the write hash.
 */
#if LH__FAST
#include <stdatomic.h>

struct lh_wnode;

struct lh_tvar {
	_Atomic uint64_t ver;                   /* version word: bit 63 lock, commit time (tx.c) */
	_Atomic intptr_t val;                   /* the committed value */
	struct lh_wnode *_Atomic waiters;       /* parked retriers (retry.c) */
	_Atomic uint32_t writer_site;           /* site of the last locking writer (statistics; tx.c) */
	uint32_t live;                          /* slab bookkeeping (tvar.c) */
};

struct lh__rentry {             /* read log: what was read, at which version */
	struct lh_tvar *tv;
	uint64_t ver;
};

struct lh__wentry {             /* write log (redo log): the value to install */
	struct lh_tvar *tv;
	intptr_t val;
};

struct lh__txlog {              /* the first member of every lh_tx */
	uint64_t rv;                    /* snapshot: an even clock value */
	uint64_t bloom;                 /* 1 bit per written TVar */
	struct lh__rentry *rp, *rend;   /* next free read-log entry, end of the read log */
	struct lh__wentry *wp, *wlim;   /* next free write-log entry; the fast path appends below wlim */
	struct lh__rentry *r;           /* read log */
	struct lh__wentry *w;           /* write log */
};

intptr_t lh__read_slow(lh_tx *tx, lh_tvar *tv);
void lh__write_slow(lh_tx *tx, lh_tvar *tv, intptr_t value);

#define LH__BLOOM_BIT(tv) (1ull << (((uintptr_t)(tv) >> 5) & 63))
/* The lock bit of a version word: a locked TVar compares above every snapshot. */
#define LH__LOCKED (1ull << 63)

inline intptr_t lh_read(lh_tx *tx, lh_tvar *tv)
{
	struct lh__txlog *l = (struct lh__txlog *)(void *)tx;
	struct lh__rentry *r = l->rp;

	if (__builtin_expect(!(l->bloom & LH__BLOOM_BIT(tv)) && r < l->rend, 1)) {
		/* version, value, version again: a pair from one commit (tx.c) */
		uint64_t ver = atomic_load_explicit(&tv->ver, memory_order_seq_cst);
		intptr_t v = atomic_load_explicit(&tv->val, memory_order_relaxed);
		uint64_t ver2;

		atomic_thread_fence(memory_order_acquire);
		ver2 = atomic_load_explicit(&tv->ver, memory_order_relaxed);
		if (__builtin_expect(ver <= l->rv && ver == ver2, 1)) {
			r->tv = tv;
			r->ver = ver;
			l->rp = r + 1;
			return v;
		}
	}
	return lh__read_slow(tx, tv);
}

inline void lh_write(lh_tx *tx, lh_tvar *tv, intptr_t value)
{
	struct lh__txlog *l = (struct lh__txlog *)(void *)tx;
	uint64_t bit = LH__BLOOM_BIT(tv);
	struct lh__wentry *w = l->wp;

	if (__builtin_expect(!(l->bloom & bit) && w < l->wlim, 1)) {
		l->bloom |= bit;
		w->tv = tv;
		w->val = value;
		l->wp = w + 1;
		return;
	}
	lh__write_slow(tx, tv, value);
}
#endif /* LH__FAST */

#ifdef __cplusplus
}
#endif

#endif /* LOCKHOUND_STM_H */
