/*
 * shim.h - internals of the preload shim shared by its files.  Nothing here
 * is exported (the library is built with -fvisibility=hidden and a version
 * script listing only the interposed functions and the public lh_* API).
 *
 * Bootstrap.  Interceptors can run before the constructor (another
 * library's constructor may lock a mutex first) and while the shim itself is
 * running (libunwind, dlsym and dl_iterate_phdr may lock through the PLT).
 * Every interceptor therefore starts with SHIM_ENTER: if the shim is not
 * ready, or this thread is already inside the shim (lh_in_shim), it calls the
 * real function and does nothing else.  shim_init() resolves the real
 * functions first, with lh_in_shim set, so the pass-through path always has
 * a real function to call.
 */
#ifndef LH_SHIM_H
#define LH_SHIM_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "chainset.h"
#include "spin.h"
#include "trace_format.h"

#ifndef LH_EXIT_DEADLOCK
#define LH_EXIT_DEADLOCK 86
#endif

#define LH_EXPORT __attribute__((visibility("default")))
#define LH_LIKELY(x) __builtin_expect(!!(x), 1)
#define LH_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- options (common/options.def) ---------------------------------------- */
struct lh_options {
#define LH_T_bool int
#define LH_T_uint long
#define LH_T_str const char *
#define LH_T_tracemode const char *
#define LH_OPT(type, name, def, help) LH_T_##type name;
#include "options.def"
#undef LH_OPT
	int full;                 /* trace_mode == full                        */
};
extern struct lh_options lh_opt;
void options_parse(const char *env);
void options_print(void);

/* ---- messages on stderr (no stdio, no malloc) ----------------------------- */
/* lh_say("a", "b", NULL) writes "lockhound: ab\n" with one write(2). */
#define LH_END ((const char *)0)   /* terminates lh_say() */
void lh_say(const char *first, ...) __attribute__((sentinel));
char *fmt_u64(char *buf, uint64_t v);          /* buf >= 24 bytes */
char *fmt_hex(char *buf, uint64_t v);          /* buf >= 24 bytes, "0x..." */
extern int lh_log_fd;
ssize_t lh_sys_write(int fd, const void *buf, size_t n);  /* raw syscall, never interposed */

/* ---- real functions ---------------------------------------------------- */
#define LH_REAL_LIST(X) \
	X(int, pthread_mutex_init, (pthread_mutex_t *, const pthread_mutexattr_t *)) \
	X(int, pthread_mutex_destroy, (pthread_mutex_t *)) \
	X(int, pthread_mutex_lock, (pthread_mutex_t *)) \
	X(int, pthread_mutex_trylock, (pthread_mutex_t *)) \
	X(int, pthread_mutex_timedlock, (pthread_mutex_t *, const struct timespec *)) \
	X(int, pthread_mutex_clocklock, (pthread_mutex_t *, clockid_t, const struct timespec *)) \
	X(int, pthread_mutex_unlock, (pthread_mutex_t *)) \
	X(int, pthread_rwlock_init, (pthread_rwlock_t *, const pthread_rwlockattr_t *)) \
	X(int, pthread_rwlock_destroy, (pthread_rwlock_t *)) \
	X(int, pthread_rwlock_rdlock, (pthread_rwlock_t *)) \
	X(int, pthread_rwlock_wrlock, (pthread_rwlock_t *)) \
	X(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *)) \
	X(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *)) \
	X(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *, const struct timespec *)) \
	X(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *, const struct timespec *)) \
	X(int, pthread_rwlock_clockrdlock, (pthread_rwlock_t *, clockid_t, const struct timespec *)) \
	X(int, pthread_rwlock_clockwrlock, (pthread_rwlock_t *, clockid_t, const struct timespec *)) \
	X(int, pthread_rwlock_unlock, (pthread_rwlock_t *)) \
	X(int, pthread_spin_init, (pthread_spinlock_t *, int)) \
	X(int, pthread_spin_destroy, (pthread_spinlock_t *)) \
	X(int, pthread_spin_lock, (pthread_spinlock_t *)) \
	X(int, pthread_spin_trylock, (pthread_spinlock_t *)) \
	X(int, pthread_spin_unlock, (pthread_spinlock_t *)) \
	X(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *)) \
	X(int, pthread_join, (pthread_t, void **)) \
	X(void, pthread_exit, (void *)) \
	X(int, pthread_setname_np, (pthread_t, const char *)) \
	X(int, mtx_init, (void *, int)) \
	X(void, mtx_destroy, (void *)) \
	X(int, mtx_lock, (void *)) \
	X(int, mtx_trylock, (void *)) \
	X(int, mtx_timedlock, (void *, const struct timespec *)) \
	X(int, mtx_unlock, (void *)) \
	X(int, cnd_wait, (void *, void *)) \
	X(int, cnd_timedwait, (void *, void *, const struct timespec *)) \
	X(int, thrd_create, (unsigned long *, int (*)(void *), void *)) \
	X(int, thrd_join, (unsigned long, int *)) \
	X(void, thrd_exit, (int)) \
	X(int, pthread_cond_clockwait, (pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *)) \
	X(pid_t, fork, (void)) \
	X(int, execve, (const char *, char *const[], char *const[])) \
	X(int, execvpe, (const char *, char *const[], char *const[])) \
	X(int, fexecve, (int, char *const[], char *const[])) \
	X(int, dlclose, (void *)) \
	X(void, _exit, (int)) \
	X(ssize_t, write, (int, const void *, size_t)) \
	X(ssize_t, writev, (int, const struct iovec *, int)) \
	X(ssize_t, pwrite, (int, const void *, size_t, off_t)) \
	X(ssize_t, pwrite64, (int, const void *, size_t, off64_t)) \
	X(ssize_t, send, (int, const void *, size_t, int)) \
	X(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t)) \
	X(ssize_t, sendmsg, (int, const struct msghdr *, int)) \
	X(ssize_t, read, (int, void *, size_t)) \
	X(ssize_t, readv, (int, const struct iovec *, int)) \
	X(ssize_t, pread, (int, void *, size_t, off_t)) \
	X(ssize_t, pread64, (int, void *, size_t, off64_t)) \
	X(ssize_t, recv, (int, void *, size_t, int)) \
	X(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *)) \
	X(ssize_t, recvmsg, (int, struct msghdr *, int)) \
	X(int, pthread_barrier_wait, (pthread_barrier_t *)) \
	X(int, sem_wait, (sem_t *)) \
	X(int, sem_trywait, (sem_t *)) \
	X(int, sem_timedwait, (sem_t *, const struct timespec *)) \
	X(int, sem_clockwait, (sem_t *, clockid_t, const struct timespec *)) \
	X(int, sem_post, (sem_t *))

#define LH_REAL_DECL(ret, name, args) extern ret (*real_##name) args;
LH_REAL_LIST(LH_REAL_DECL)
#undef LH_REAL_DECL
/* versioned: the GLIBC_2.3.2 condition variable functions */
extern int (*real_pthread_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
extern int (*real_pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
extern int (*real_pthread_cond_signal)(pthread_cond_t *);
extern int (*real_pthread_cond_broadcast)(pthread_cond_t *);
void real_resolve(void);
#define REAL(name) (LH_LIKELY(real_##name != NULL) ? (void)0 : real_resolve(), real_##name)

/* ---- locks ----------------------------------------------------------------- */
#define LH_KIND_COND 100u         /* condition variables share the table code */

struct lh_thread;

struct lh_lock {
	/* the first cache line holds everything the common path reads */
	uintptr_t addr;
	_Atomic uint64_t id;      /* current lifetime; 0 = none yet / destroyed */
	_Atomic(struct lh_thread *) owner;    /* exclusive holder              */
	_Atomic uint32_t readers;
	_Atomic int64_t level;    /* LH_NO_LEVEL if none                        */
	/* chain memo (fastpath.h): the last chain seen acquiring this lock,
	 * tagged with (thread, segment, fork epoch); a seqlock-like pair */
	_Atomic uint64_t memo_tag;
	_Atomic uint64_t memo_stack;
	uint32_t kind;            /* enum lh_lock_kind or LH_KIND_COND          */
	uint32_t attrs;           /* LH_ATTR_*                                  */
	_Atomic(struct lh_thread *) rd_owner; /* last reader (readers == 1)    */
	const char *_Atomic name; /* lh_lock_name, arena copy                   */
	_Atomic uintptr_t cond_mutex; /* condvars: mutex address last used     */
	/* the lock last acquired while this one was on top of a held stack
	 * (acq_fast_refill): a walk over many locks in the same order (hand
	 * over hand) finds the next entry here instead of in the table; valid
	 * only if succ->addr is the address asked for (entries never move) */
	_Atomic(struct lh_lock *) succ;
};

struct lh_table;
extern struct lh_table *lh_locks, *lh_conds;
int table_init(void);
struct lh_lock *table_find(struct lh_table *t, uintptr_t addr);
struct lh_lock *table_get(struct lh_table *t, uintptr_t addr, uint32_t kind);
void table_fork_prepare(void);
void table_fork_parent(void);
void table_fork_child(void);
uint64_t table_live(void);

/* ---- threads --------------------------------------------------------------- */
struct lh_held {
	struct lh_lock *lk;
	uint64_t id;
	uint64_t stack;           /* where it was acquired (first of its chain) */
	uint64_t chain;           /* chain hash including this entry            */
	int64_t level;            /* its level when acquired (LH_NO_LEVEL)      */
	uint32_t mode;
	uint32_t depth;           /* recursive re-acquisitions + 1              */
};

struct lh_tbuf {
	_Atomic uint32_t busy;    /* 0 free, else tid+1 of the user (spin flag) */
	uint32_t used;            /* bytes of records after the block header    */
	uint32_t cap;             /* bytes available for records               */
	uint32_t tid;
	char *mem;                /* block header then records                  */
	size_t mem_size;
};

enum { LH_WAIT_NONE = 0, LH_WAIT_LOCK, LH_WAIT_COND, LH_WAIT_JOIN, LH_WAIT_TIMED };

#define LH_TCACHE 8u
struct lh_tcache {
	uintptr_t addr;
	struct lh_lock *lk;
};

struct lh_thread {
	uint32_t tid, seg;
	uint32_t os_tid;
	uint32_t parent_tid, parent_seg;
	uint64_t create_stack;
	pthread_t pth;
	_Atomic int exited;
	/* guarded memory (guard_epoch.c): non-zero when the thread observed
	 * guarded memory in this lock epoch (forces the lock slow path, which
	 * ends the epoch), and its observation ring (allocated outside signals) */
	_Atomic uint32_t guard_pending;
	void *_Atomic guard_ring;
	int c11;                  /* started by thrd_create                     */
	int joined;               /* joined (pthread_join or thrd_join)          */
	void *(*start)(void *);
	int (*start_c11)(void *);
	void *arg;
	struct lh_held *held;
	uint32_t nheld, held_cap;
	uint32_t nleveled;        /* held locks with a level                     */
	uint32_t in_many;         /* inside lh_lock_many                         */
	uint64_t lock_ops;
	/* the thread's last fast acquisition (fastpath.h): chain before, lock
	 * id, seg << 32 | mode -> chain key and stack, skipping the chain set */
	uint64_t memo_prev, memo_id, memo_segmode, memo_key, memo_stack;
	struct lh_tcache cache[LH_TCACHE];
	struct lh_chainset chains;
	struct lh_tbuf buf;
	/* what the thread is blocked on, for the wait-for graph and the watchdog */
	_Atomic(struct lh_lock *) waiting_for;
	_Atomic int wait_kind;
	_Atomic uint64_t wait_since_ns;
	uint64_t wait_stack;
	uint32_t wait_mode;
	struct lh_thread *next;   /* registry                                    */
};

extern __thread struct lh_thread *lh_self __attribute__((tls_model("initial-exec")));
extern __thread int lh_in_shim __attribute__((tls_model("initial-exec")));
extern _Atomic int lh_state;  /* 0 none, 1 initialising, 2 ready, 3 off */
void shim_init(void);
#define LH_READY 2

struct lh_thread *thread_self_slow(void);
static inline struct lh_thread *thread_self(void)
{
	struct lh_thread *t = lh_self;

	return LH_LIKELY(t != NULL) ? t : thread_self_slow();
}
struct lh_thread *thread_new(uint32_t parent_tid, uint32_t parent_seg);
void thread_register(struct lh_thread *t);
void thread_start(struct lh_thread *t);   /* in the new thread: TLS, THREAD record */
void thread_finish(struct lh_thread *t);  /* in the dying thread */
struct lh_thread *thread_find_pth(pthread_t pth);
struct lh_thread *thread_first(void);
extern lh_spin lh_registry_lock;
extern _Atomic uint32_t lh_next_tid;
int thread_held_grow(struct lh_thread *t);
void thread_fork_child(struct lh_thread *t);

/* ---- the per-thread lock cache ------------------------------------------- */
static inline struct lh_lock *lock_lookup(struct lh_thread *t, void *addr, uint32_t kind)
{
	uintptr_t a = (uintptr_t)addr;
	struct lh_tcache *c = &t->cache[(a >> 4) & (LH_TCACHE - 1)];
	struct lh_lock *lk;

	if (LH_LIKELY(c->addr == a))
		return c->lk;
	lk = table_get(lh_locks, a, kind);
	if (lk) {
		c->addr = a;
		c->lk = lk;
	}
	return lk;
}

/* ---- stacks ----------------------------------------------------------------- */
#define LH_MAX_DEPTH 256
int stack_capture(uintptr_t *pcs, int max);      /* program frames only */
int stack_in_shim(uintptr_t pc);                 /* pc lies in liblockhound.so */
uint64_t stack_id(const uintptr_t *pcs, int n);
uint64_t stack_here(int max);                  /* capture + depot + STACK record */
uint64_t stack_intern(const uintptr_t *pcs, int n); /* depot + STACK record */
int stack_lookup(uint64_t id, const uintptr_t **pcs);
void stack_init_self_range(void);
void depot_fork_prepare(void);
void depot_fork_parent(void);
void depot_fork_child(void);
extern _Atomic uint64_t lh_nstacks;

/* ---- trace writer --------------------------------------------------------- */
extern int lh_trace_fd;
int tw_open(int forked, uint64_t ppid);
void *tw_begin(struct lh_tbuf *b, uint32_t size);  /* zeroed record space or NULL */
void tw_end(struct lh_tbuf *b, uint32_t size);
void tw_flush(struct lh_tbuf *b);
void tw_flush_all(int from_signal);
void tw_release(struct lh_tbuf *b);
struct lh_tbuf *tw_buf(struct lh_thread *t);      /* t's buffer or the process buffer */
int tw_record(struct lh_thread *t, uint16_t type, const void *fixed, uint32_t fixed_len,
		const void *tail, uint32_t tail_len);
void tw_process_and_modules(uint64_t fork_lock_id);
void tw_modules_rescan(struct lh_thread *t);
void tw_modules_maybe_rescan(struct lh_thread *t);
void tw_stats(struct lh_thread *t);
void tw_lock_record(struct lh_thread *t, struct lh_lock *lk, uint64_t id, uint64_t stack);
extern _Atomic uint64_t lh_ndeps, lh_nlocks_written, lh_nthreads, lh_dropped, lh_exited_ops;
extern struct lh_tbuf lh_pbuf;
void tw_fork_child(void);

/* ---- lock identities --------------------------------------------------------- */
extern _Atomic uint64_t lh_next_lock_id;
uint64_t lock_begin_life(struct lh_thread *t, struct lh_lock *lk, uint32_t kind,
		uint32_t attrs, int from_init, void *obj);
void lock_end_life(struct lh_thread *t, struct lh_lock *lk, void *obj);
static inline uint64_t lock_live_id(struct lh_thread *t, struct lh_lock *lk, uint32_t kind, void *obj)
{
	uint64_t id = atomic_load_explicit(&lk->id, memory_order_acquire);

	return LH_LIKELY(id != 0) ? id : lock_begin_life(t, lk, kind, 0, 0, obj);
}
uint32_t lock_attrs_of(uint32_t kind, const void *obj);
int lock_never_initialised(uint32_t kind, const void *obj);
void lock_set_level(struct lh_thread *t, struct lh_lock *lk, int64_t level);

/* ---- acquisition core (acquire.c) ------------------------------------------ */
enum { LH_HOW_BLOCK = 0, LH_HOW_TRY = 1, LH_HOW_TIMED = 2 };
struct lh_acq {
	void *obj;
	uint32_t kind;
	uint32_t mode;            /* LH_MODE_WRITE or LH_MODE_READ (+ TIMED)    */
	int how;
	int (*try_fn)(void *obj);             /* errno-style result          */
	int (*block_fn)(void *obj, const struct lh_acq *a);
	clockid_t clk;
	const struct timespec *ts;
	void *caller;
};
int acq_lock(struct lh_acq *a);           /* errno-style result */
int acq_lock_wait_top(struct lh_acq *a, int r);
struct lh_lock *acq_fast_refill(struct lh_thread *t, void *obj, uint32_t kind, uint32_t mode);
void acq_memo_set(struct lh_thread *t, struct lh_lock *lk, uint64_t key, uint64_t stack);
extern _Atomic uint32_t lh_memo_epoch;    /* bumped in a fork child */
void acq_reacquire(struct lh_thread *t, struct lh_lock *lk, uint64_t id, uint32_t mode, uint32_t depth);

/* Entry of every interceptor: the calling thread's state, or NULL when the
 * call must go straight to the real function (shim not ready, re-entered
 * from inside the shim, or the thread has already finished). */
static inline struct lh_thread *shim_enter(void)
{
	struct lh_thread *t;

	if (LH_UNLIKELY(lh_in_shim))
		return NULL;
	if (LH_UNLIKELY(atomic_load_explicit(&lh_state, memory_order_acquire) != LH_READY)) {
		if (atomic_load(&lh_state) == 0)
			shim_init();
		if (atomic_load(&lh_state) != LH_READY)
			return NULL;
	}
	t = thread_self();
	if (LH_UNLIKELY(!t) || LH_UNLIKELY(atomic_load_explicit(&t->exited, memory_order_relaxed)))
		return NULL;
	return t;
}
int acq_unlock(void *obj, uint32_t kind, int (*unlock_fn)(void *), void *caller);
int acq_held_find(struct lh_thread *t, struct lh_lock *lk);
void acq_held_remove(struct lh_thread *t, int i);
void acq_event(struct lh_thread *t, uint16_t op, uint32_t mode, uint64_t id);
void acq_check_level(struct lh_thread *t, struct lh_lock *lk, uint64_t id, uint32_t mode, void *caller);
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- findings (findings.c) ------------------------------------------------- */
#define LH_SERIAL_NONE UINT32_MAX  /* finding_once: fresh but not counted (no memory) */
uint32_t finding_once(uint32_t kind, uint32_t sub, uint64_t a, uint64_t b);
void finding_write(struct lh_thread *t, uint32_t kind, uint32_t sub, int err, uint32_t serial,
		const lh_finding_part *parts, uint32_t nparts, const char *msg);
void finding_counts_write(struct lh_thread *t);
void finding_fork_child(void);
void finding_misuse(struct lh_thread *t, uint32_t sub, struct lh_lock *lk, uint64_t id,
		int err, void *caller, const char *what);
void finding_call_error(struct lh_thread *t, struct lh_lock *lk, uint64_t id, int r,
		void *caller, const char *what);
void finding_print_stack(uint64_t stack);
void finding_halt(void);
const char *lock_kind_name(uint32_t kind);
void lock_label(const struct lh_lock *lk, char *buf, size_t len);
void deadlock_check_wait(struct lh_thread *t, struct lh_lock *lk);
void finding_in_tx(struct lh_thread *t, const char *call, void *caller);
int lh_in_tx(void);
extern int (*lh_stm_hook)(void);  /* lh_stm_in_attempt when the STM is loaded */

/* ---- process (process.c), levels (levels.c), watchdog -------------------------- */
void shim_flush_everything(int stats);
void signals_install(void);
int levels_load(const char *path);
int64_t levels_for_addr(uintptr_t addr);
int64_t levels_for_name(const char *name);
extern int lh_levels_active;
/* ELF object symbols of every loaded module (levels.c): cb(name, address,
 * size, global, data) for each, a non-zero return stops; find prefers a
 * global definition to a local (static) one.  0 / -ENOENT / -ENOMEM. */
typedef int (*levels_sym_fn)(const char *name, uintptr_t addr, size_t size, int global, void *data);
int levels_sym_each(levels_sym_fn cb, void *data);
int levels_sym_find(const char *name, uintptr_t *addr, size_t *size);
/* guard=SYMBOL[@LOCK] (guard_sym.c) and heap_sample=N (heap_sample.c), at start */
void guard_sym_init(struct lh_thread *t);
void heap_sample_init(void);
void heap_sample_fork_prepare(void);
void heap_sample_fork_parent(void);
void heap_sample_fork_child(void);
void watchdog_start(void);
void watchdog_fork_child(void);
void api_apply_name(struct lh_thread *t, struct lh_lock *lk, const char *name);
#endif
