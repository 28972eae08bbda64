/*
 * passes.h - internals shared by the analysis passes (analyze.c, pass_*.c,
 * graph.c, hb.c, ids.c, fix.c, suppress.c, baseline.c, levels_file.c).
 * Not used by report/ and not installed.
 *
 * Every function returns 0 or a negative errno unless it says otherwise.
 */
#ifndef LH_PASSES_H
#define LH_PASSES_H

#include <stdio.h>

#include "analyzer.h"

/* ---- graph.c: directed graphs on dense node numbers -------------------- */

/* Compressed adjacency: the edges leaving node v are adj[off[v]..off[v+1]),
 * eid[] gives each one's index in the caller's own edge table. */
typedef struct lh_digraph {
	size_t    nnodes, nedges;
	size_t   *off;
	uint32_t *adj;
	uint32_t *eid;
} lh_digraph;

/* Build from parallel arrays src[i] -> dst[i], i < nedges. */
int  graph_build(lh_digraph *g, size_t nnodes, const uint32_t *src,
		 const uint32_t *dst, size_t nedges);
void graph_free(lh_digraph *g);

/* Strongly connected components (Tarjan, iterative, linear time).
 * comp[v] is v's component; components are numbered in reverse
 * topological order (a component's successors have smaller numbers). */
int  graph_scc(const lh_digraph *g, uint32_t *comp, size_t *ncomp);

/* Called for each cycle found: edge ids in cycle order.  Returning nonzero
 * stops the enumeration (and is passed back when negative). */
typedef int (*graph_cycle_fn)(void *ctx, const uint32_t *eids, size_t n);

typedef struct lh_cycle_walk lh_cycle_walk;
int  graph_walk_new(lh_cycle_walk **w, const lh_digraph *g, const uint32_t *comp);
void graph_walk_free(lh_cycle_walk *w);
/* The cycles of one component (members[0..n) = its nodes, n >= 2): first
 * its smallest cycle, then up to max_more other elementary cycles.  Work is
 * bounded so that huge dense components stay fast. */
int  graph_component_cycles(lh_cycle_walk *w, uint32_t c, const uint32_t *members,
			    size_t n, unsigned max_more, graph_cycle_fn fn, void *ctx);

/* ---- hb.c: happens-before between thread segments of one process ------- */

typedef struct lh_hb lh_hb;
int  hb_build(lh_hb **out, const lh_process *p);
void hb_free(lh_hb *hb);
/* 1 when (t1, s1) happens before (t2, s2) (create/join order, or the same
 * thread in an earlier segment), else 0.  Unknown threads are unordered. */
int  hb_before(lh_hb *hb, uint32_t t1, uint32_t s1, uint32_t t2, uint32_t s2);

/* ---- lookups shared by the passes (analyze.c) --------------------------- */

/* The class key of a lock (its class's key, else its name). */
const char *pass_class_key(const lh_lock *l);
/* Words for a lock kind: "mutex"/"mutexes", "rwlock"/"rwlocks", ... */
const char *pass_kind_word(uint32_t kind, int plural);

/* Makes room for element n of *arrp (elements of `size` bytes) when the
 * array grows one at a time: reallocates at n = 0 and powers of two. */
int  pass_grow(void *arrp, size_t n, size_t size);
/* Findings: append a zeroed finding (count 1) to m->findings. */
lh_finding *pass_add_finding(lh_model *m, lh_kind kind, lh_process *p);
int  pass_add_event(lh_finding *f, const char *what, uint32_t tid, lh_lock *l,
		    lh_stack *s, uint32_t mode);
int  pass_add_lock(lh_finding *f, lh_lock *l);         /* kept once */
int  pass_add_thread(lh_finding *f, lh_thread *t);     /* kept once */
char *pass_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Line-oriented files (--levels, --suppressions): calls line(ctx, text,
 * lineno) for every line of path; a negative return other than -ENOMEM
 * marks the line bad (line() reported it) and reading goes on.  Returns
 * 0, -EINVAL when some line was bad, or a negative errno when the `what`
 * file could not be opened or read (reported) or on -ENOMEM (stopped). */
int  pass_read_lines(const char *path, const char *what,
		     int (*line)(void *ctx, char *text, int lineno), void *ctx);

/* ---- the passes ---------------------------------------------------------- */

/* Lock-order graph, cycles and precision: findings and m->pruned.  Adds the
 * number of distinct edges to *nedges. */
typedef struct lh_order lh_order;
int  pass_cycles(lh_model *m, const lh_analysis_opts *o, const lh_order *ord,
		 uint64_t *nedges);
/* Online FINDING records of every process. */
int  pass_online(lh_model *m, const lh_order *ord);
/* Races on guarded memory (REGION/ACCESS records): Eraser lockset with
 * happens-before; one finding per (object, pair of access sites). */
int  pass_races(lh_model *m);
/* Offline level check over every DEP (uses lock->level). */
int  pass_levels(lh_model *m);
/* One level-violation finding: thread tid acquires acq while holding held
 * (shared by the online and offline checks so their ids match). */
typedef struct lh_level_pair {
	uint32_t    tid;
	lh_lock    *held, *acq;
	lh_stack   *hstack, *astack;
	uint32_t    hmode, amode;
	int64_t     hlevel, alevel;   /* LH_NO_LEVEL when none                  */
	const char *message;          /* the shim's message, or NULL            */
} lh_level_pair;
int  pass_level_finding(lh_model *m, lh_process *p, const lh_level_pair *lp);

/* ---- ids.c ---------------------------------------------------------------- */
/* Code location of a stack for hashing and matching: innermost frame with a
 * function ("function@file-basename"), else "module+0xoffset".  Writes into
 * buf (always terminated). */
void ids_site(const lh_process *p, lh_stack *s, char *buf, size_t len);
/* "file:line (function)" of a stack, for texts. */
void ids_where(const lh_process *p, lh_stack *s, char *buf, size_t len);
/* The function of a stack's site ("worker()", else the ids_site text), and
 * "function (file:line)" for texts. */
void ids_function(const lh_process *p, lh_stack *s, char *buf, size_t len);
void ids_func_where(const lh_process *p, lh_stack *s, char *buf, size_t len);
/* The id of a race: kind, object key and the two sites, sorted (id gets
 * 16 hex digits and a NUL). */
void ids_race(char id[17], const char *object, const char *site_a, const char *site_b);
/* Computes f->id; the salted variant mixes in extra text (e.g. a misuse
 * sub-kind).  ids_dedup keeps ids that passes computed already. */
int  ids_compute(lh_finding *f);
int  ids_compute_salted(lh_finding *f, const char *salt);
/* Computes every id and merges findings with equal ids (counts add up). */
int  ids_dedup(lh_model *m);

/* ---- fix.c: the class order ------------------------------------------------ */
/* One order of all lock classes seen in DEPs, consistent with as many
 * observed edges as possible (used by fix texts and lh_suggest_levels). */
typedef struct lh_order_class {
	const char    *key;        /* class key (pass_class_key)               */
	const lh_lock *sample;     /* a lock of the class                      */
	long           rank;       /* 0 = taken first                          */
} lh_order_class;

typedef struct lh_order_arc {
	uint32_t      from, to;    /* class indexes; from == to: same class    */
	uint64_t      weight;      /* DEPs that took it                        */
	const lh_dep *dep;         /* one of them                              */
	uint32_t      hi;          /* its held entry                           */
	lh_process   *proc;
	int           feedback;    /* against the order: a place to change     */
} lh_order_arc;

struct lh_order {
	lh_order_class *classes;   /* sorted by key                            */
	size_t          n;
	size_t         *by_rank;   /* class index of each rank                 */
	lh_order_arc   *arcs;
	size_t          narcs;
};

int  order_build(lh_order **out, lh_model *m);
void order_free(lh_order *o);
/* Rank of a class key (taken first = 0), or -1 when unknown. */
long order_rank(const lh_order *o, const char *class_key);
/* The level --suggest-levels gives a rank (10, 20, ...; first = highest). */
long order_level(const lh_order *o, long rank);
/* Fix paragraph for a cycle finding (locks in cycle order, events filled). */
char *fix_cycle(const lh_finding *f, const lh_order *ord);
/* Fix paragraph for a race finding (f->race and its events filled). */
char *fix_race(const lh_finding *f);

/* ---- suppress.c / baseline.c / levels_file.c ------------------------------ */
typedef struct lh_suppressions lh_suppressions;
int  suppress_load(lh_suppressions **out, const char *path);
int  suppress_match(const lh_suppressions *s, const lh_finding *f);
void suppress_free(lh_suppressions *s);
int  suppress_apply(lh_model *m, const char *path);

int  baseline_load(const char *path, char ***ids, size_t *nids);
int  baseline_apply(lh_model *m, const char *path);

typedef struct lh_levels_entry {
	char    *name;
	int64_t  level;
	int      line;
} lh_levels_entry;
int  levels_parse(const char *path, lh_levels_entry **out, size_t *n);
void levels_free(lh_levels_entry *e, size_t n);
/* Parses the file and sets lock->level (and class level) of every lock whose
 * name, class name or class symbol matches an entry. */
int  levels_apply(lh_model *m, const char *path);

#endif
