/*
 * model.h - what the analyzer knows after reading traces, and the findings
 * it derives.  Shared by the passes (analyzer/) and the writers (report/).
 *
 *   trace files --trace_reader--> lh_model --passes--> lh_findings --report/--> text, json, sarif, html
 *
 * Ownership: everything hangs off lh_model and is freed by lh_model_free().
 * Strings are owned (char *), NUL-terminated, never NULL where documented.
 * Hash tables are uthash (UT_hash_handle hh).
 */
#ifndef LH_MODEL_H
#define LH_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <uthash.h>

#include "trace_format.h"

typedef struct lh_process lh_process;

/* One symbolized frame.  function/file/module are "" (never NULL) when
 * unknown; line is 0 when unknown.  file is what the debug info says, often
 * relative ("examples/bank.c"); dir is then the compilation directory it is
 * relative to (DW_AT_comp_dir), NULL or "" when unknown or file is absolute. */
typedef struct lh_frame {
	uint64_t    pc;
	const char *function;
	const char *file;
	const char *module;
	int         line;
	const char *dir;
} lh_frame;

typedef struct lh_stack {
	uint64_t        id;            /* key */
	uint32_t        depth;
	uint64_t       *pcs;
	lh_frame       *frames;        /* NULL until lh_symbolize_stack()      */
	UT_hash_handle  hh;
} lh_stack;

typedef struct lh_module {
	uint64_t base, lo, hi;
	char    *path;
	int      is_main;
	int      unloaded;
} lh_module;

typedef struct lh_thread {
	uint32_t        tid;           /* key (per process)                    */
	uint32_t        parent_tid;    /* 0 for the main thread                */
	uint32_t        parent_seg;
	uint32_t        os_tid;
	uint32_t        last_seg;      /* highest segment seen                  */
	uint64_t        create_stack;
	char           *name;          /* "" if never named; writers show "T<tid>" */
	lh_stack       *created_at;    /* resolved create_stack, may be NULL    */
	/* added by the reader: */
	int             exited;        /* a THREAD_EXIT record was seen         */
	uint32_t        exit_seg;      /* its segment then                      */
	uint32_t        held_at_exit;  /* locks still held at exit              */
	UT_hash_handle  hh;
} lh_thread;

/* One JOIN record: `joiner` in segment `joiner_seg` (it then moves to
 * joiner_seg+1) joined `joined`, whose last segment was `joined_seg`.
 * lh_process.joins, in file order. */
typedef struct lh_join {
	uint32_t joiner, joiner_seg;
	uint32_t joined, joined_seg;
	uint64_t stack;
} lh_join;

/* A lock class: all lock instances the analyzer considers "the same lock"
 * across instances, processes and runs (global symbol, annotated name, or
 * init site with wrapper frames skipped).  Stable ids hash class keys. */
typedef struct lh_class {
	char           *key;           /* key: e.g. "sym:bank_lock", "site:bank.c:42" */
	char           *name;          /* human name                            */
	int64_t         level;         /* LH_NO_LEVEL if none                   */
	UT_hash_handle  hh;
} lh_class;

typedef struct lh_lock {
	uint64_t        id;            /* key (per process)                     */
	uint64_t        addr;
	uint32_t        kind;          /* enum lh_lock_kind                     */
	uint32_t        attrs;         /* LH_ATTR_*                             */
	uint64_t        init_stack;
	char           *name;          /* best name: annotation, symbol, site; never NULL */
	int64_t         level;         /* LH_NO_LEVEL if none                   */
	lh_class       *cls;
	lh_process     *proc;
	/* added by the reader: */
	char           *annotation;    /* LOCK tail / LOCK_NAME, NULL if none   */
	int             freed;         /* LOCK_FREE seen: lifetime ended        */
	uint64_t        free_stack;
	int             placeholder;   /* referenced but no LOCK record (e.g. a
	                                  forked child's inherited lock whose
	                                  parent trace was not given)           */
	UT_hash_handle  hh;
} lh_lock;

typedef struct lh_held {
	lh_lock  *lock;
	uint64_t  stack;
	uint32_t  mode;
} lh_held;

/* One DEP record: thread `tid` in segment `seg` acquired `lock` (mode) at
 * `stack` while holding held[0..nheld). */
typedef struct lh_dep {
	uint32_t  tid, seg;
	lh_lock  *lock;
	uint64_t  stack;
	uint32_t  mode;
	uint32_t  nheld;
	lh_held  *held;
} lh_dep;

/* An online FINDING record as read (lh_process.online is an array of
 * nonline of these).  Parts keep the record's order: for a deadlock cycle,
 * per thread one LH_ROLE_WAITS part then its LH_ROLE_HOLDS parts. */
typedef struct lh_online_part {
	uint32_t  tid;
	uint32_t  role;                /* LH_ROLE_*                             */
	lh_lock  *lock;                /* resolved, NULL when lock_id is 0      */
	uint64_t  lock_id;
	uint64_t  stack;               /* stack id, look up with lh_stack_find  */
	int64_t   level;               /* declared level or LH_NO_LEVEL         */
	uint32_t  mode;                /* LH_MODE_*                             */
} lh_online_part;

typedef struct lh_online {
	uint32_t        kind;          /* enum lh_finding_kind                  */
	uint32_t        subkind;       /* enum lh_misuse, LH_DL_*               */
	uint32_t        tid;           /* detecting thread                      */
	int32_t         err;           /* errno for LH_MIS_ERROR_RETURN         */
	uint32_t        nparts;
	lh_online_part *parts;
	char           *message;       /* never NULL                            */
	unsigned        count;         /* occurrences (FINDING_COUNT), >= 1     */
} lh_online;

/* Guarded memory (race detection), kept as read.  One lh_region per REGION
 * record: the arming record and, later, its LH_REGION_END record (same id,
 * flags with LH_REGION_END, traps filled in) are two entries; pass_races.c
 * merges them by id.  Ids are per process; a region's life ends at its END
 * record and a later region at the same address has another id. */
typedef struct lh_region {
	uint64_t id, addr, len;
	uint64_t lock;                 /* declared protecting lock id, 0 if none */
	uint64_t alloc_stack;
	char    *name;                 /* never NULL ("" for a heap sample)      */
	uint32_t flags;                /* LH_REGION_*                           */
	uint32_t tid, seg;             /* the thread that guarded it            */
	uint32_t traps;                /* END record: faults taken on it        */
} lh_region;

/* One ACCESS record: the first read or write of a region by a thread in one
 * lock epoch, with the locks held then (oldest first). */
typedef struct lh_access {
	uint64_t              seq;     /* process-wide order of observations     */
	uint64_t              region, addr, stack;
	uint32_t              tid, seg;
	uint32_t              flags;   /* LH_ACCESS_*                           */
	uint32_t              write;   /* flags & LH_ACCESS_WRITE, as 0 or 1    */
	uint32_t              nlocks;
	const lh_access_lock *locks;   /* points into the trace mapping, valid
	                                  until lh_model_free                   */
} lh_access;

struct lh_process {
	uint64_t     pid, ppid;
	uint32_t     flags;            /* LH_FILE_*                             */
	uint64_t     start_ns;
	uint64_t     fork_lock_id;
	char        *exe;
	char       **argv;
	uint32_t     argc;
	char        *trace_path;
	lh_process  *parent;           /* forked from, if its trace was given   */
	lh_module   *modules;  size_t nmodules;
	lh_thread   *threads;          /* uthash by tid                         */
	lh_lock     *locks;            /* uthash by id                          */
	lh_stack    *stacks;           /* uthash by id                          */
	lh_dep      *deps;     size_t ndeps;
	void        *online;           /* lh_online[nonline]: FINDING records as read */
	size_t       nonline;
	uint64_t     events;           /* lock operations (STATS or EVENT count) */
	/* added by the reader: */
	lh_join     *joins;    size_t njoins;
	lh_region   *regions;  size_t nregions;
	lh_access   *accesses; size_t naccesses;
	uint64_t     event_records;    /* EVENT records seen (trace_mode=full)  */
	uint64_t     access_unknown;   /* ACCESS records naming no REGION (pass_races.c) */
	lh_rec_stats stats;            /* STATS record, zero if none            */
	int          has_stats;
	void        *map;              /* the trace file mapping (reader-owned) */
	size_t       map_len;
	void        *dwfl;             /* symbolizer state (symbolize.c)        */
};

/* ---- findings ------------------------------------------------------------ */

typedef enum lh_kind {
	LH_KIND_POTENTIAL_DEADLOCK = 0,
	LH_KIND_LOCK_ORDER,
	LH_KIND_DEADLOCK,
	LH_KIND_LEVEL_VIOLATION,
	LH_KIND_RACE,
	LH_KIND_MISUSE,
	LH_KIND_COUNT
} lh_kind;

/* "potential-deadlock", "lock-order", ... exactly as in the JSON contract. */
const char *lh_kind_name(lh_kind k);

/* One step of a finding: `what` is "hold", "acquire", "access", "wait",
 * "create", ... (JSON "what").  For a cycle finding the events come in pairs
 * per edge: {hold L_i at stack}, {acquire L_i+1 at stack}, same thread. */
typedef struct lh_fevent {
	char       *what;
	uint32_t    thread;            /* tid, 0 if none                        */
	lh_lock    *lock;              /* may be NULL                           */
	lh_stack   *stack;             /* may be NULL                           */
	uint32_t    mode;              /* LH_MODE_*                             */
	/* "access" events of race findings (NULL/0 otherwise): the ACCESS
	 * observation, and the locks held then, parallel to access->locks
	 * (an entry is NULL when the trace has no such lock).  held is
	 * borrowed from the finding's lh_race. */
	const struct lh_access *access;
	lh_lock   *const *held;
	size_t      nheld;
} lh_fevent;

/* ---- race findings (pass_races.c) ----------------------------------------- */

#define LH_RACE_HISTORY 8              /* candidate-set steps kept per finding */

/* One access of the object as the lockset engine saw it. */
typedef struct lh_race_step {
	uint64_t   seq;
	uint32_t   tid;
	uint32_t   write;                  /* 1 write, 0 read                    */
	const char *state;                 /* state after it: "exclusive", "shared",
	                                      "shared-modified" (static string)   */
	int        has_cand;               /* 0 in the exclusive state: no C yet  */
	lh_lock  **held;   size_t nheld;   /* the lockset this access counts      */
	lh_lock  **cand;   size_t ncand;   /* candidate set C after it            */
} lh_race_step;

/* What a `race` finding knows beyond events (lh_finding.race). */
typedef struct lh_race {
	const lh_region *region;           /* the arming REGION (proc->regions)  */
	char            *object;           /* "counter", "heap object of 8 bytes
	                                      allocated at main (x.c:3)"          */
	const char      *source;           /* "global", "heap", "annotated"       */
	lh_lock         *declared;         /* declared protecting lock, or NULL   */
	lh_race_step    *steps;  size_t nsteps;   /* oldest first, <= LH_RACE_HISTORY */
	lh_lock        **held[2]; size_t nheld[2]; /* locks at the two accesses  */
} lh_race;

/* Frees a race record and everything it owns (NULL is fine). */
void lh_race_free(lh_race *r);
/* For writers (malloc'ed, NULL on ENOMEM): the locks held at an access,
 * "m, rw (read)" or "no lock"; one history step as a line,
 * "#12 T3 write holding {m}: shared-modified, C = {}" ("C = -" while
 * exclusive). */
char *lh_race_held_text(const lh_access *a, lh_lock *const *held);
char *lh_race_step_text(const lh_race_step *st);

typedef struct lh_finding {
	lh_kind      kind;
	char         id[17];           /* 16 hex digits, stable across runs     */
	unsigned     count;            /* occurrences merged into this finding  */
	int          known;            /* id found in --baseline                */
	int          suppressed;       /* matched a suppression (not reported)  */
	char        *summary;          /* one line                              */
	char        *fix;              /* one paragraph                         */
	char        *detail;           /* optional extra text (e.g. misuse message), may be NULL */
	lh_process  *proc;
	lh_lock    **locks;    size_t nlocks;    /* for cycles: in cycle order  */
	lh_thread  **threads;  size_t nthreads;
	lh_fevent   *events;   size_t nevents;
	lh_race     *race;             /* race findings, else NULL (owned)      */
} lh_finding;

/* A cycle the precision rules removed (listed by the HTML report only). */
typedef struct lh_pruned {
	char        *reason;           /* "gate lock m_gate held on every edge", ... */
	lh_finding   cycle;            /* same shape as a finding, kind ignored */
} lh_pruned;

typedef struct lh_model {
	lh_process  **procs;   size_t nprocs;
	lh_class     *classes;         /* uthash by key                         */
	lh_finding   *findings; size_t nfindings;
	lh_pruned    *pruned;   size_t npruned;
	/* statistics for the JSON "stats" object */
	uint64_t      nthreads, nlocks, nedges, nevents;
	/* the command line and time of the analysis, for report headers */
	char         *title;           /* e.g. the traced program's command line */
} lh_model;

/* Frees a finding's members (not the finding itself) and zeroes it. */
void lh_finding_release(lh_finding *f);

/* Counts findings by kind that are not suppressed (known ones included). */
void lh_model_count(const lh_model *m, size_t counts[LH_KIND_COUNT]);

/* Lookups (model.c).  lh_stack_find and lh_lock_find also search the
 * parent chain of a forked child (ids a child inherited).  NULL if none;
 * lh_stack_find(p, 0) is NULL ("no stack captured"). */
lh_stack  *lh_stack_find(const lh_process *p, uint64_t id);
lh_lock   *lh_lock_find(const lh_process *p, uint64_t id);
lh_thread *lh_thread_find(const lh_process *p, uint32_t tid);
/* Display name of a thread: its name, or "T<tid>" when unnamed; written
 * into buf (size n), which is returned. */
const char *lh_thread_label(const lh_thread *t, char *buf, size_t n);

#endif /* LH_MODEL_H */
