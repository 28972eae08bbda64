/*
 * trace_format.h - the one definition of the lockhound trace format.
 *
 * Written by the preload shim (preload/trace_writer.c), read by the analyzer
 * (analyzer/trace_reader.c).  Nothing else may define record layouts.
 *
 * File layout
 * -----------
 *   lh_file_header                      64 bytes, once, at offset 0
 *   { lh_block_header, payload }*       until end of file
 *
 * A block is what one thread's buffer held when it was flushed: a header
 * followed by `payload_len` bytes of records.  Each block is written with a
 * single write(2) on an O_APPEND descriptor, so blocks of different threads
 * never interleave.  The header carries a CRC-32C of the payload: a reader
 * that meets a bad magic, a short block or a checksum mismatch stops there,
 * reports the byte offset, and keeps everything before it (exit status 3).
 * A program killed mid-write therefore leaves a readable prefix.
 *
 * Records
 * -------
 * Every record starts with lh_rec_header.  `size` is the total record size in
 * bytes including the header, always a multiple of 8, so a reader can skip
 * record types it does not know (forward compatibility within a version).
 * Variable-length tails (strings, arrays) follow the fixed part; strings are
 * NUL-terminated and padded with NULs to the 8-byte boundary.
 *
 * Identities
 * ----------
 *   thread id  u32, 1 for the main thread, then in creation order, per process.
 *   lock id    u64, unique per process and per lifetime: a lock destroyed and
 *              re-initialised at the same address gets a new id.  A forked
 *              child continues its parent's counter, so ids below the fork
 *              point refer to the parent's LOCK records (see PROCESS.fork).
 *   stack id   u64, a hash of the program counters.  The STACK record for
 *              an id is written once per process, possibly in another
 *              thread's block and so before or after the records that use
 *              it: readers resolve ids only after reading the whole file.
 *              Stack id 0 means "no stack captured".
 *   segment    u32, per thread; incremented each time the thread creates or
 *              joins another thread.  (thread, segment) pairs plus the THREAD
 *              and JOIN records give the analyzer the happens-before order.
 *
 * Default trace mode ("summary") writes only what is new: locks, first-seen
 * lock chains (DEP records), threads, stacks, modules, online findings.  Its
 * size grows with the number of distinct chains, not with lock operations.
 * trace_mode=full additionally writes one EVENT record per lock operation.
 *
 * All integers are little-endian, native x86-64/aarch64 layout.
 */
#ifndef LH_TRACE_FORMAT_H
#define LH_TRACE_FORMAT_H

#include <stdint.h>

#define LH_TRACE_MAGIC      "LHTRACE\0"   /* 8 bytes, file header          */
#define LH_TRACE_VERSION    1u
#define LH_BLOCK_MAGIC      0x4b42484cu   /* "LHBK" little-endian          */
#define LH_TRACE_ALIGN      8u

/* ---- file and block headers -------------------------------------------- */

typedef struct lh_file_header {
	char     magic[8];        /* LH_TRACE_MAGIC                            */
	uint32_t version;         /* LH_TRACE_VERSION                          */
	uint32_t header_size;     /* sizeof(lh_file_header) == 64              */
	uint64_t pid;
	uint64_t ppid;
	uint64_t start_ns;        /* CLOCK_REALTIME at process start           */
	uint32_t flags;           /* LH_FILE_* below                           */
	uint32_t reserved0;
	uint64_t reserved[2];
} lh_file_header;

enum {
	LH_FILE_FULL   = 1u << 0, /* trace_mode=full: EVENT records present    */
	LH_FILE_FORKED = 1u << 1, /* this process was forked from `ppid`       */
};

typedef struct lh_block_header {
	uint32_t magic;           /* LH_BLOCK_MAGIC                            */
	uint32_t payload_len;     /* bytes of records that follow; multiple of 8 */
	uint32_t crc32c;          /* CRC-32C (Castagnoli) of the payload       */
	uint32_t writer_tid;      /* lockhound thread id whose buffer this was */
} lh_block_header;

/* ---- records ------------------------------------------------------------ */

typedef struct lh_rec_header {
	uint16_t type;            /* enum lh_rec_type                          */
	uint16_t flags;           /* type-specific                             */
	uint32_t size;            /* whole record, header included, multiple of 8 */
} lh_rec_header;

enum lh_rec_type {
	LH_REC_PROCESS     = 1,   /* lh_rec_process + exe path + argv strings  */
	LH_REC_MODULE      = 2,   /* lh_rec_module + path                      */
	LH_REC_STACK       = 3,   /* lh_rec_stack + pcs[depth]                 */
	LH_REC_THREAD      = 4,   /* lh_rec_thread + name (may be empty)       */
	LH_REC_THREAD_NAME = 5,   /* lh_rec_thread_name + name                 */
	LH_REC_JOIN        = 6,   /* lh_rec_join                               */
	LH_REC_THREAD_EXIT = 7,   /* lh_rec_thread_exit                        */
	LH_REC_LOCK        = 8,   /* lh_rec_lock + name (may be empty)         */
	LH_REC_LOCK_NAME   = 9,   /* lh_rec_lock_name + name                   */
	LH_REC_LOCK_LEVEL  = 10,  /* lh_rec_lock_level                         */
	LH_REC_LOCK_FREE   = 11,  /* lh_rec_lock_free: lifetime ended          */
	LH_REC_DEP         = 12,  /* lh_rec_dep + lh_dep_held[nheld]           */
	LH_REC_EVENT       = 13,  /* lh_rec_event (trace_mode=full only)       */
	LH_REC_FINDING     = 14,  /* lh_rec_finding + parts + message          */
	LH_REC_STATS       = 15,  /* lh_rec_stats, at exit                     */
	LH_REC_ACCESS      = 16,  /* lh_rec_access (guarded memory, races)     */
	LH_REC_REGION      = 17,  /* lh_rec_region + name (guarded memory)     */
	LH_REC_FINDING_COUNT = 18, /* lh_rec_finding_count: repeats of a FINDING */
	LH_REC_TYPE_MAX
};

/* PROCESS: once per file, first record.  Tail: exe path, then argc strings. */
typedef struct lh_rec_process {
	lh_rec_header h;
	uint64_t pid, ppid;
	uint64_t fork_lock_id;    /* forked child: first lock id it allocates;
	                             ids below are the parent's (0 if not forked) */
	uint32_t argc;
	uint32_t reserved;
} lh_rec_process;

/* MODULE: a loaded ELF object (main program, libraries, dlopen).  flags:
 * LH_MOD_UNLOAD for dlclose.  `base` is the load bias (dlpi_addr), [lo, hi)
 * the address range of its PT_LOAD segments. Tail: path. */
typedef struct lh_rec_module {
	lh_rec_header h;
	uint64_t base, lo, hi;
} lh_rec_module;
enum { LH_MOD_UNLOAD = 1u << 0, LH_MOD_MAIN = 1u << 1 };

/* STACK: innermost frame first; interceptor frames already removed; pcs are
 * return addresses except pcs[0] which is the call site. */
typedef struct lh_rec_stack {
	lh_rec_header h;
	uint64_t id;
	uint32_t depth;
	uint32_t reserved;
	/* uint64_t pcs[depth]; */
} lh_rec_stack;

/* THREAD: a thread became known (created, or the main thread at start).
 * parent_tid 0 for the main thread.  Child starts in segment 0; the parent
 * was in parent_seg when it created the child (and moves to parent_seg+1). */
typedef struct lh_rec_thread {
	lh_rec_header h;
	uint32_t tid, parent_tid;
	uint32_t parent_seg;
	uint32_t os_tid;
	uint64_t create_stack;
} lh_rec_thread;

typedef struct lh_rec_thread_name {
	lh_rec_header h;
	uint32_t tid, reserved;
} lh_rec_thread_name;

/* JOIN: `joiner` in `joiner_seg` (its segment before the join; it moves to
 * joiner_seg+1) joined `joined`, whose last segment was `joined_seg`. */
typedef struct lh_rec_join {
	lh_rec_header h;
	uint32_t joiner, joiner_seg;
	uint32_t joined, joined_seg;
	uint64_t stack;
} lh_rec_join;

typedef struct lh_rec_thread_exit {
	lh_rec_header h;
	uint32_t tid, seg;
	uint32_t held;            /* locks still held at exit                  */
	uint32_t reserved;
} lh_rec_thread_exit;

enum lh_lock_kind {
	LH_LOCK_MUTEX  = 1,       /* pthread_mutex_t                           */
	LH_LOCK_RWLOCK = 2,       /* pthread_rwlock_t                          */
	LH_LOCK_SPIN   = 3,       /* pthread_spinlock_t                        */
	LH_LOCK_MTX    = 4,       /* C11 mtx_t                                 */
};

/* lock attribute bits (lh_rec_lock.attrs) */
enum {
	LH_ATTR_RECURSIVE     = 1u << 0,
	LH_ATTR_ERRORCHECK    = 1u << 1,
	LH_ATTR_PREFER_WRITER = 1u << 2,  /* rwlock: writers block new readers */
	LH_ATTR_STATIC_INIT   = 1u << 3,  /* first seen without an init call   */
	LH_ATTR_PSHARED       = 1u << 4,
	LH_ATTR_TIMED         = 1u << 5,  /* C11 mtx_timed                     */
	LH_ATTR_LEAF          = 1u << 6,  /* declared leaf via the API         */
};

/* LOCK: a lock lifetime began (init call, or first use of a statically
 * initialised lock).  Tail: name if known at that point (else empty). */
typedef struct lh_rec_lock {
	lh_rec_header h;
	uint64_t id;
	uint64_t addr;
	uint64_t init_stack;      /* where it was initialised / first used     */
	uint32_t kind;            /* enum lh_lock_kind                         */
	uint32_t attrs;           /* LH_ATTR_*                                 */
} lh_rec_lock;

typedef struct lh_rec_lock_name {
	lh_rec_header h;
	uint64_t id;
} lh_rec_lock_name;

typedef struct lh_rec_lock_level {
	lh_rec_header h;
	uint64_t id;
	int64_t  level;
} lh_rec_lock_level;

typedef struct lh_rec_lock_free {
	lh_rec_header h;
	uint64_t id;
	uint64_t stack;
} lh_rec_lock_free;

/* acquisition mode bits (DEP.mode, lh_dep_held.mode, EVENT.mode) */
enum {
	LH_MODE_WRITE = 1u << 0,  /* exclusive (mutexes are always WRITE)      */
	LH_MODE_READ  = 1u << 1,  /* shared rwlock acquisition                 */
	LH_MODE_TRY   = 1u << 2,  /* trylock: could not block                  */
	LH_MODE_TIMED = 1u << 3,  /* timedlock / clocklock (can block)         */
	LH_MODE_MULTI = 1u << 4,  /* part of an lh_lock_many call              */
	LH_MODE_CONDWAIT = 1u << 5, /* re-acquire after a condition wait       */
};

/* DEP: a lock dependency, written the first time this thread, in this
 * segment, acquired `lock` while holding exactly this ordered set of locks
 * (the "chain"; validate-once key = thread, segment, chain hash).  Edges of
 * the lock-order graph are held[i].lock -> lock for every i; the whole held
 * set is kept for gate-lock and chain analysis.  Successful trylocks are
 * recorded too (LH_MODE_TRY): they give no edge into `lock`, but `lock` then
 * appears in later held sets.  held[] is in acquisition order, oldest first. */
typedef struct lh_rec_dep {
	lh_rec_header h;
	uint32_t tid, seg;
	uint64_t lock;
	uint64_t stack;           /* where `lock` was requested                */
	uint32_t mode;            /* LH_MODE_*                                 */
	uint32_t nheld;
	/* lh_dep_held held[nheld]; */
} lh_rec_dep;

typedef struct lh_dep_held {
	uint64_t lock;
	uint64_t stack;           /* where that held lock was acquired         */
	uint32_t mode;
	uint32_t reserved;
} lh_dep_held;

enum lh_event_op {
	LH_EV_ACQUIRE = 1, LH_EV_RELEASE = 2, LH_EV_TRY_FAIL = 3,
	LH_EV_WAIT = 4,    /* condvar wait entered (mutex released)        */
	LH_EV_WAKE = 5,    /* condvar wait returned (mutex re-acquired)    */
};

/* EVENT: one lock operation (trace_mode=full).  24 bytes. */
typedef struct lh_rec_event {
	lh_rec_header h;
	uint32_t tid;
	uint16_t op;              /* enum lh_event_op                          */
	uint16_t mode;            /* LH_MODE_*                                 */
	uint64_t lock;
} lh_rec_event;

/* FINDING: something the shim decided online (real deadlock, self-deadlock,
 * misuse, level violation).  Followed by nparts lh_finding_part, then the
 * message string (one line, no "lockhound:" prefix). */
enum lh_finding_kind {
	LH_FIND_DEADLOCK        = 1,
	LH_FIND_MISUSE          = 2,
	LH_FIND_LEVEL_VIOLATION = 3,
	LH_FIND_RACE            = 4,
};

/* misuse sub-kinds (lh_rec_finding.subkind when kind == LH_FIND_MISUSE) */
enum lh_misuse {
	LH_MIS_UNLOCK_NOT_HELD   = 1,
	LH_MIS_UNLOCK_NOT_OWNER  = 2,
	LH_MIS_DESTROY_LOCKED    = 3,
	LH_MIS_RELOCK            = 4,  /* non-recursive relock = self-deadlock */
	LH_MIS_UNINITIALIZED     = 5,
	LH_MIS_DESTROYED_USE     = 6,
	LH_MIS_COND_NOT_HELD     = 7,
	LH_MIS_COND_TWO_MUTEXES  = 8,
	LH_MIS_EXIT_HOLDING      = 9,
	LH_MIS_ERROR_RETURN      = 10, /* an intercepted call returned an error */
	LH_MIS_BLOCK_IN_TX       = 11, /* blocking lock / write inside STM attempt */
};

/* deadlock sub-kinds */
enum { LH_DL_CYCLE = 1, LH_DL_SELF = 2, LH_DL_WATCHDOG = 3 };

typedef struct lh_rec_finding {
	lh_rec_header h;
	uint32_t kind;            /* enum lh_finding_kind                      */
	uint32_t subkind;
	uint32_t tid;             /* thread that detected it                   */
	uint32_t nparts;
	int32_t  err;             /* errno value for LH_MIS_ERROR_RETURN       */
	uint32_t serial;          /* per process, from 1; 0 = repeats not counted */
	/* lh_finding_part parts[nparts]; char message[]; */
} lh_rec_finding;

/* FINDING_COUNT: the shim reports a finding once (FINDING) and counts its
 * repeats (same kind and sites); at exit it writes, for each finding seen
 * more than once, the total number of occurrences, first one included.
 * `serial` names the FINDING record of the same file.  Several records for
 * one serial: the largest count holds. */
typedef struct lh_rec_finding_count {
	lh_rec_header h;
	uint32_t serial;
	uint32_t reserved;
	uint64_t count;
} lh_rec_finding_count;

/* One participant of a finding: thread `tid` holds or waits for `lock`
 * (role), with the stack of that acquisition or request.  For a deadlock
 * cycle: for each thread, one WAITS part then its HOLDS parts. */
enum { LH_ROLE_HOLDS = 1, LH_ROLE_WAITS = 2, LH_ROLE_OTHER = 3 };
/* The level value of a lock without a declared level (finding parts, and
 * the level fields of both sides' internal lock structures). */
#define LH_NO_LEVEL INT64_MIN

/* The level value of a lock declared with lh_lock_leaf() in finding parts:
 * below every numeric level (nothing may be taken while it is held). */
#define LH_LEVEL_LEAF (INT64_MIN + 1)

typedef struct lh_finding_part {
	uint32_t tid;
	uint32_t role;
	uint64_t lock;            /* 0 if none (e.g. watchdog join wait)       */
	uint64_t stack;
	int64_t  level;           /* declared level, LH_NO_LEVEL, or LH_LEVEL_LEAF */
	uint32_t mode;
	uint32_t reserved;
} lh_finding_part;

/* STATS: written once at process exit. */
typedef struct lh_rec_stats {
	lh_rec_header h;
	uint64_t lock_ops;        /* acquisitions seen                         */
	uint64_t deps;            /* DEP records written                       */
	uint64_t locks;           /* LOCK records written                      */
	uint64_t threads;
	uint64_t stacks;
	uint64_t dropped;         /* records lost (out of memory)              */
} lh_rec_stats;

/* REGION: a guarded memory region (race detection) began or ended.
 * Written when the region is armed (flags: source, LH_REGION_*) and again
 * with LH_REGION_END when it is unguarded, freed or disarmed, so that a
 * later region at the same address is a different object.  (tid, seg) is
 * the thread that guarded it.  Tail: name (may be empty: a heap sample is
 * named by its allocation stack). */
typedef struct lh_rec_region {
	lh_rec_header h;
	uint64_t id;              /* per process, from 1                       */
	uint64_t addr, len;       /* the object; it is watched page by page    */
	uint64_t lock;            /* declared protecting lock id, 0 if none    */
	uint64_t alloc_stack;     /* where it was guarded or allocated         */
	uint32_t tid, seg;
	uint32_t traps;           /* END record: faults taken on it            */
	uint32_t reserved;
} lh_rec_region;
enum {
	LH_REGION_API      = 1u << 0,  /* lh_guard / lh_guarded_alloc            */
	LH_REGION_SYMBOL   = 1u << 1,  /* guard=SYMBOL                           */
	LH_REGION_HEAP     = 1u << 2,  /* heap_sample=N                          */
	LH_REGION_END      = 1u << 3,  /* lifetime ended (unguard, free)         */
	LH_REGION_DISARMED = 1u << 4,  /* END because of the trap budget or a lock inside it */
	LH_REGION_SHARED_PAGE = 1u << 5, /* shares a page with unguarded data     */
};

/* ACCESS: one observation of a guarded region: the first read or write of
 * it by a thread in one lock epoch (between two of its lock operations),
 * with the locks the thread held then.  `seq` orders observations of all
 * threads of the process (a process-wide counter taken at the fault).
 * flags: LH_ACCESS_*.  Tail: lh_access_lock locks[nlocks], oldest first. */
typedef struct lh_rec_access {
	lh_rec_header h;
	uint64_t seq;
	uint64_t region;          /* REGION id                                 */
	uint64_t addr;            /* faulting address                          */
	uint64_t stack;           /* where the access happened                 */
	uint32_t tid, seg;
	uint32_t nlocks;
	uint32_t reserved;
} lh_rec_access;
enum {
	LH_ACCESS_WRITE  = 1u << 0,    /* else a read                            */
	LH_ACCESS_KERNEL = 1u << 1,    /* a system call's buffer (read(2), ...)  */
};
typedef struct lh_access_lock {
	uint64_t lock;            /* lock id                                   */
	uint32_t mode;            /* LH_MODE_WRITE or LH_MODE_READ             */
	uint32_t reserved;
} lh_access_lock;

_Static_assert(sizeof(lh_file_header) == 64, "file header is 64 bytes");
_Static_assert(sizeof(lh_block_header) == 16, "block header is 16 bytes");
_Static_assert(sizeof(lh_rec_header) == 8, "record header is 8 bytes");
_Static_assert(sizeof(lh_rec_event) == 24, "EVENT is 24 bytes");
_Static_assert(sizeof(lh_dep_held) == 24, "held entry is 24 bytes");
_Static_assert(sizeof(lh_finding_part) == 40, "finding part is 40 bytes");
_Static_assert(sizeof(lh_rec_dep) % 8 == 0, "records are 8-aligned");
_Static_assert(sizeof(lh_rec_finding) % 8 == 0, "records are 8-aligned");
_Static_assert(sizeof(lh_rec_lock) % 8 == 0, "records are 8-aligned");
_Static_assert(sizeof(lh_rec_access) % 8 == 0, "records are 8-aligned");
_Static_assert(sizeof(lh_rec_region) % 8 == 0, "records are 8-aligned");
_Static_assert(sizeof(lh_access_lock) == 16, "access lock entry is 16 bytes");
_Static_assert(sizeof(lh_rec_finding_count) == 24, "FINDING_COUNT is 24 bytes");

/* Round a record size up to the trace alignment. */
#define LH_REC_ALIGN(n) (((n) + (LH_TRACE_ALIGN - 1u)) & ~(uint64_t)(LH_TRACE_ALIGN - 1u))

/* CRC-32C of a buffer; common/crc32c.c, used by writer and reader. */
uint32_t lh_crc32c(uint32_t crc, const void *buf, uint64_t len);

#endif /* LH_TRACE_FORMAT_H */
