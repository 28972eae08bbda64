/*
 * test_races.c - the race engine (analyzer/pass_races.c) on traces written
 * byte by byte in the format of common/trace_format.h, read by the real
 * reader and analyzed by lh_analyze: Eraser states, happens-before from
 * create/join, declared locks, rwlock modes, region lifetimes, counting and
 * dedup, stable ids, rendering, and corrupt ACCESS records.
 *
 * Stacks point at functions of this binary (site_*), and the trace carries
 * this binary as its main MODULE, so the analyzer symbolizes them for real:
 * ids and summaries see "site_inc()" and not addresses.
 */
#include <errno.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer.h"
#include "../../report/report.h"
#include "tap.h"
#include "trace_bytes.h"

/* ---- code sites ------------------------------------------------------------ */

static volatile int sink;

#define SITE(name) static __attribute__((noinline, used)) void name(void) { sink++; }
SITE(site_inc)
SITE(site_inc2)
SITE(site_read)
SITE(site_init)
SITE(site_alloc)
SITE(site_other)

enum { ST_INC = 0x1001, ST_INC2, ST_READ, ST_INIT, ST_ALLOC, ST_OTHER };

/* ---- trace writing (trace_bytes.h) and the records these tests use ------- */

static int add_main_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	tw *w = arg;
	uint64_t lo = UINT64_MAX, hi = 0;
	lh_rec_module mr;
	char exe[4096];
	ssize_t n;

	(void)size;
	if (info->dlpi_name && info->dlpi_name[0])
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < lo)
			lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		abort();
	exe[n] = '\0';
	memset(&mr, 0, sizeof(mr));
	mr.h.flags = LH_MOD_MAIN;
	mr.base = info->dlpi_addr;
	mr.lo = lo;
	mr.hi = hi;
	tw_rec(w, LH_REC_MODULE, &mr, sizeof(mr), exe, (size_t)n + 1);
	return 1;                       /* the first object is the executable */
}

static void tw_stack(tw *w, uint64_t id, void (*fn)(void))
{
	struct { lh_rec_stack s; uint64_t pcs[1]; } s;

	memset(&s, 0, sizeof(s));
	s.s.id = id;
	s.s.depth = 1;
	s.pcs[0] = (uint64_t)(uintptr_t)fn + 1;
	tw_rec(w, LH_REC_STACK, &s, sizeof(s), NULL, 0);
}

/* File header, PROCESS, MODULE, the site stacks, and threads: T1 main,
 * T2 created by T1 in segment 0, T3 created by T1 in segment 1. */
static void tw_begin(tw *w, uint64_t pid)
{
	lh_rec_process pr;

	tw_header(w, LH_TRACE_VERSION, pid, 0, 0, 0);
	memset(&pr, 0, sizeof(pr));
	pr.pid = pid;
	tw_rec(w, LH_REC_PROCESS, &pr, sizeof(pr), "prog", 5);
	dl_iterate_phdr(add_main_module, w);
	tw_stack(w, ST_INC, site_inc);
	tw_stack(w, ST_INC2, site_inc2);
	tw_stack(w, ST_READ, site_read);
	tw_stack(w, ST_INIT, site_init);
	tw_stack(w, ST_ALLOC, site_alloc);
	tw_stack(w, ST_OTHER, site_other);
	for (uint32_t t = 1; t <= 3; t++) {
		lh_rec_thread tr;

		memset(&tr, 0, sizeof(tr));
		tr.tid = t;
		tr.parent_tid = t == 1 ? 0 : 1;
		tr.parent_seg = t == 3 ? 1 : 0;
		tw_rec(w, LH_REC_THREAD, &tr, sizeof(tr), NULL, 0);
	}
}

static void tw_lock(tw *w, uint64_t id, uint64_t addr, uint32_t kind, const char *name)
{
	lh_rec_lock l;

	memset(&l, 0, sizeof(l));
	l.id = id;
	l.addr = addr;
	l.kind = kind;
	tw_rec(w, LH_REC_LOCK, &l, sizeof(l), name, strlen(name) + 1);
}

static void tw_region(tw *w, uint64_t id, uint64_t addr, uint64_t len, uint64_t lock,
		      const char *name, uint16_t flags, uint64_t alloc_stack)
{
	lh_rec_region r;

	memset(&r, 0, sizeof(r));
	r.h.flags = flags;
	r.id = id;
	r.addr = addr;
	r.len = len;
	r.lock = lock;
	r.alloc_stack = alloc_stack;
	r.tid = 1;
	tw_rec(w, LH_REC_REGION, &r, sizeof(r), name, strlen(name) + 1);
}

static void tw_join(tw *w, uint32_t joiner, uint32_t jseg, uint32_t joined, uint32_t dseg)
{
	lh_rec_join j;

	memset(&j, 0, sizeof(j));
	j.joiner = joiner;
	j.joiner_seg = jseg;
	j.joined = joined;
	j.joined_seg = dseg;
	tw_rec(w, LH_REC_JOIN, &j, sizeof(j), NULL, 0);
}

/* An ACCESS with nlocks (lock id, mode) pairs after the fixed arguments. */
static void tw_access(tw *w, uint64_t seq, uint64_t region, uint32_t tid, uint32_t seg, int write,
		      uint64_t stack, uint32_t nlocks, ...)
{
	struct { lh_rec_access a; lh_access_lock l[8]; } r;
	va_list ap;

	memset(&r, 0, sizeof(r));
	r.a.h.flags = write ? LH_ACCESS_WRITE : 0;
	r.a.seq = seq;
	r.a.region = region;
	r.a.addr = 0x700000 + seq;
	r.a.stack = stack;
	r.a.tid = tid;
	r.a.seg = seg;
	r.a.nlocks = nlocks;
	va_start(ap, nlocks);
	for (uint32_t i = 0; i < nlocks && i < 8; i++) {
		r.l[i].lock = va_arg(ap, uint64_t);
		r.l[i].mode = va_arg(ap, uint32_t);
	}
	va_end(ap);
	tw_rec(w, LH_REC_ACCESS, &r, sizeof(r.a) + nlocks * sizeof(lh_access_lock), NULL, 0);
}

static char dir[256];
static int ntrace;
static int ndiag;
static char last_diag[512];

static void diag_sink(const char *msg, void *arg)
{
	(void)arg;
	snprintf(last_diag, sizeof(last_diag), "%s", msg);
	ndiag++;
}

/* Writes the trace, reads and analyzes it into m; the reader's result. */
static int tw_analyze(tw *w, lh_model *m)
{
	char path[320];
	lh_analysis_opts o = { 0 };
	int rc;

	tw_flush(w, 1);
	snprintf(path, sizeof(path), "%s/lockhound.%d.trace", dir, ++ntrace);
	tw_save(w, path, w->len);
	tw_free(w);
	lh_model_init(m);
	rc = lh_read_trace(m, path);
	if (lh_analyze(m, &o) != 0)
		rc = -1000;
	return rc;
}

static size_t nraces(const lh_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nfindings; i++)
		n += m->findings[i].kind == LH_KIND_RACE;
	return n;
}

static const lh_finding *race_at(const lh_model *m, size_t k)
{
	for (size_t i = 0; i < m->nfindings; i++)
		if (m->findings[i].kind == LH_KIND_RACE && k-- == 0)
			return &m->findings[i];
	return NULL;
}

static const lh_finding *race_with_count(const lh_model *m, unsigned count)
{
	for (size_t i = 0; i < m->nfindings; i++)
		if (m->findings[i].kind == LH_KIND_RACE && m->findings[i].count == count)
			return &m->findings[i];
	return NULL;
}

static int has(const char *s, const char *sub)
{
	return s && strstr(s, sub) != NULL;
}

/* The function name of an event's first frame, "" if none. */
static const char *ev_fn(const lh_fevent *e)
{
	return e && e->stack && e->stack->frames ? e->stack->frames[0].function : "";
}

/* ---- scenarios --------------------------------------------------------------- */

enum { L_M = 1, L_A = 2, L_B = 3, L_RW = 4 };
#define W LH_MODE_WRITE
#define R LH_MODE_READ

static void locks_std(tw *w)
{
	tw_lock(w, L_M, 0x601000, LH_LOCK_MUTEX, "m");
	tw_lock(w, L_A, 0x601040, LH_LOCK_MUTEX, "lock_a");
	tw_lock(w, L_B, 0x601080, LH_LOCK_MUTEX, "lock_b");
	tw_lock(w, L_RW, 0x6010c0, LH_LOCK_RWLOCK, "table_rw");
}

/* Two threads incrementing `counter` (a read then a write per epoch). */
static void scen_increments(tw *w, uint64_t pid, uint64_t addr, int locked, int rounds)
{
	uint64_t seq = 1;

	tw_begin(w, pid);
	locks_std(w);
	tw_region(w, 1, addr, 8, 0, "counter", LH_REGION_SYMBOL, 0);
	for (int r = 0; r < rounds; r++)
		for (uint32_t t = 2; t <= 3; t++) {
			if (locked) {
				tw_access(w, seq++, 1, t, 0, 0, ST_INC, 1, (uint64_t)L_M, (uint32_t)W);
				tw_access(w, seq++, 1, t, 0, 1, ST_INC, 1, (uint64_t)L_M, (uint32_t)W);
			} else {
				tw_access(w, seq++, 1, t, 0, 0, ST_INC, 0);
				tw_access(w, seq++, 1, t, 0, 1, ST_INC, 0);
			}
		}
}

static void test_unlocked(void)
{
	lh_model m;
	tw w;
	const lh_finding *f;
	int rc;

	scen_increments(&w, 100, 0x601100, 0, 3);
	rc = tw_analyze(&w, &m);
	tap_ok(rc == 0, "unlocked: trace reads (rc %d)", rc);
	tap_ok(nraces(&m) == 1, "unlocked increments by two threads: one race finding (%zu)", nraces(&m));
	f = race_at(&m, 0);
	tap_ok(f && f->nevents == 2 && !strcmp(f->events[0].what, "access") &&
	       !strcmp(f->events[1].what, "access") && f->events[0].thread != f->events[1].thread,
	       "both accesses are events, from two threads");
	tap_ok(f && f->events[0].stack && f->events[1].stack &&
	       !strcmp(ev_fn(&f->events[0]), "site_inc") && !strcmp(ev_fn(&f->events[1]), "site_inc"),
	       "both stacks, symbolized (%s, %s)", f ? ev_fn(&f->events[0]) : "", f ? ev_fn(&f->events[1]) : "");
	tap_ok(f && f->events[0].access && f->events[1].access && f->events[1].access->write,
	       "the access that raced is a write");
	tap_ok(f && has(f->summary, "race on 'counter' (global, 8 bytes at 0x601100)") &&
	       has(f->summary, "by thread 3 in site_inc() holding no lock") &&
	       has(f->summary, "by thread 2 in site_inc() holding no lock"),
	       "summary: %s", f ? f->summary : "(none)");
	tap_ok(f && f->count >= 2, "later races of the same sites are counted (%u)", f ? f->count : 0);
	tap_ok(f && f->nthreads == 2 && f->nlocks == 0 && f->race && f->race->nsteps >= 2 &&
	       f->race->nsteps <= LH_RACE_HISTORY, "threads, no locks, a bounded history");
	tap_ok(f && f->fix && has(f->fix, "lh_atomically") && has(f->fix, "counter"),
	       "fix paragraph names the object and the STM");
	tap_ok(f && f->id[0] && strlen(f->id) == 16, "an id (%s)", f ? f->id : "");
	lh_model_free(&m);
}

static void test_common_lock(void)
{
	lh_model m;
	tw w;

	scen_increments(&w, 101, 0x601100, 1, 3);
	tw_analyze(&w, &m);
	tap_ok(nraces(&m) == 0, "increments under one common lock: no race (%zu)", nraces(&m));
	lh_model_free(&m);
}

static void test_own_locks(void)
{
	lh_model m;
	tw w;
	const lh_finding *f;

	tw_begin(&w, 102);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "counter", LH_REGION_SYMBOL, 0);
	tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 1, (uint64_t)L_A, (uint32_t)W);
	tw_access(&w, 2, 1, 3, 0, 1, ST_INC2, 1, (uint64_t)L_B, (uint32_t)W);
	tw_access(&w, 3, 1, 2, 0, 1, ST_INC, 1, (uint64_t)L_A, (uint32_t)W);
	tw_analyze(&w, &m);
	f = race_at(&m, 0);
	tap_ok(nraces(&m) == 1, "each thread its own lock: a race (%zu)", nraces(&m));
	tap_ok(f && f->nevents == 2 && f->events[1].access && f->events[1].access->seq == 2 &&
	       f->events[0].access && f->events[0].access->seq == 1,
	       "reported at the first conflicting access (seq 2 against seq 1)");
	tap_ok(f && f->nlocks == 2 && has(f->summary, "holding lock_a") && has(f->summary, "holding lock_b"),
	       "the locks held at each access are named: %s", f ? f->summary : "");
	tap_ok(f && f->race && f->race->nsteps == 2 && f->race->steps[1].has_cand &&
	       f->race->steps[1].ncand == 0 && f->race->steps[0].nheld == 1 &&
	       !strcmp(f->race->steps[1].state, "shared-modified"),
	       "history: exclusive, then shared-modified with an empty candidate set");
	tap_ok(f && f->count == 2, "the second conflicting access of the same sites counts (%u)", f ? f->count : 0);
	tap_ok(f && has(f->fix, "lock_a") && has(f->fix, "lock_b"), "fix names the locks that were held");
	lh_model_free(&m);
}

static void test_declared(void)
{
	lh_model m;
	tw w;
	const lh_finding *f;

	tw_begin(&w, 103);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, L_M, "balance", LH_REGION_API, ST_INIT);
	tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 0);
	tw_analyze(&w, &m);
	f = race_at(&m, 0);
	tap_ok(nraces(&m) == 1 && f && f->nevents == 1 && f->events[0].access,
	       "declared lock not held on a single access: a race at once");
	tap_ok(f && f->race && f->race->declared && !strcmp(f->race->declared->name, "m") &&
	       f->nlocks == 1 && f->locks[0] == f->race->declared && has(f->summary, "without m"),
	       "the declared lock is named: %s", f ? f->summary : "");
	tap_ok(f && has(f->fix, "declared") && has(f->fix, "m"), "fix for a declared lock");
	lh_model_free(&m);

	tw_begin(&w, 104);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, L_RW, "balance", LH_REGION_API, 0);
	tw_access(&w, 1, 1, 2, 0, 0, ST_READ, 1, (uint64_t)L_RW, (uint32_t)R);
	tw_access(&w, 2, 1, 3, 0, 1, ST_INC, 1, (uint64_t)L_RW, (uint32_t)W);
	tw_access(&w, 3, 1, 2, 0, 0, ST_READ, 2, (uint64_t)L_A, (uint32_t)W, (uint64_t)L_RW, (uint32_t)R);
	tw_analyze(&w, &m);
	tap_ok(nraces(&m) == 0, "declared rwlock held (read for reads, write for writes): no race");
	lh_model_free(&m);

	tw_begin(&w, 105);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, L_RW, "balance", LH_REGION_API, 0);
	tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 1, (uint64_t)L_RW, (uint32_t)R);
	tw_analyze(&w, &m);
	tap_ok(nraces(&m) == 1, "declared rwlock held only for reading by a writer: a race");
	lh_model_free(&m);
}

static void test_handoff(void)
{
	lh_model m;
	tw w;

	/* main writes (seg 0), creates T2 (seg 0 -> 1), T2 writes, main joins
	 * T2 (seg 1 -> 2) and reads: every access ordered by create/join */
	tw_begin(&w, 106);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "counter", LH_REGION_SYMBOL, 0);
	tw_access(&w, 1, 1, 1, 0, 1, ST_INIT, 0);
	tw_access(&w, 2, 1, 2, 0, 0, ST_INC, 0);
	tw_access(&w, 3, 1, 2, 0, 1, ST_INC, 0);
	tw_join(&w, 1, 1, 2, 0);
	tw_access(&w, 4, 1, 1, 2, 0, ST_READ, 0);
	tw_access(&w, 5, 1, 1, 2, 1, ST_READ, 0);
	tw_analyze(&w, &m);
	tap_ok(nraces(&m) == 0, "hand-off before create and after join: no race (%zu)", nraces(&m));
	lh_model_free(&m);

	/* the same without the join: main's read is concurrent with T2 */
	tw_begin(&w, 107);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "counter", LH_REGION_SYMBOL, 0);
	tw_access(&w, 1, 1, 1, 0, 1, ST_INIT, 0);
	tw_access(&w, 2, 1, 2, 0, 1, ST_INC, 0);
	tw_access(&w, 3, 1, 1, 1, 1, ST_READ, 0);
	tw_analyze(&w, &m);
	tap_ok(nraces(&m) == 1, "without the join the last write races (%zu)", nraces(&m));
	lh_model_free(&m);
}

static void test_read_sharing(void)
{
	lh_model m;
	tw w;

	tw_begin(&w, 108);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 64, 0, "config", LH_REGION_SYMBOL, 0);
	tw_access(&w, 1, 1, 1, 0, 1, ST_INIT, 0);
	tw_access(&w, 2, 1, 2, 0, 0, ST_READ, 0);
	tw_access(&w, 3, 1, 3, 0, 0, ST_READ, 0);
	tw_access(&w, 4, 1, 2, 0, 0, ST_READ, 1, (uint64_t)L_A, (uint32_t)W);
	tw_access(&w, 5, 1, 3, 0, 0, ST_READ, 0);
	tw_analyze(&w, &m);
	tap_ok(nraces(&m) == 0, "read-only sharing without locks after initialisation: no race");
	lh_model_free(&m);
}

static void test_rwlock(void)
{
	lh_model m;
	tw w;
	const lh_finding *f;

	tw_begin(&w, 109);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "table", LH_REGION_SYMBOL, 0);
	for (uint64_t s = 1; s <= 8; s += 4) {
		tw_access(&w, s, 1, 2, 0, 0, ST_READ, 1, (uint64_t)L_RW, (uint32_t)R);
		tw_access(&w, s + 1, 1, 3, 0, 1, ST_INC, 1, (uint64_t)L_RW, (uint32_t)W);
		tw_access(&w, s + 2, 1, 3, 0, 0, ST_READ, 1, (uint64_t)L_RW, (uint32_t)R);
		tw_access(&w, s + 3, 1, 2, 0, 1, ST_INC2, 1, (uint64_t)L_RW, (uint32_t)W);
	}
	tw_analyze(&w, &m);
	tap_ok(nraces(&m) == 0, "rwlock read-held for reads, write-held for writes: no race");
	lh_model_free(&m);

	tw_begin(&w, 110);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "table", LH_REGION_SYMBOL, 0);
	tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 1, (uint64_t)L_RW, (uint32_t)R);
	tw_access(&w, 2, 1, 3, 0, 1, ST_INC2, 1, (uint64_t)L_RW, (uint32_t)W);
	tw_analyze(&w, &m);
	f = race_at(&m, 0);
	tap_ok(nraces(&m) == 1, "write under a read-held rwlock against another writer: a race");
	tap_ok(f && has(f->summary, "table_rw (read)"), "the read mode is shown: %s", f ? f->summary : "");
	lh_model_free(&m);
}

static void test_lifetimes(void)
{
	lh_model m;
	tw w;

	tw_begin(&w, 111);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "buf", LH_REGION_API, 0);
	tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 0);
	tw_region(&w, 1, 0x601100, 8, 0, "buf", LH_REGION_API | LH_REGION_END, 0);
	tw_region(&w, 2, 0x601100, 8, 0, "buf", LH_REGION_API, 0);
	tw_access(&w, 2, 2, 3, 0, 1, ST_INC2, 0);
	tw_access(&w, 3, 2, 3, 0, 0, ST_INC2, 0);
	tw_analyze(&w, &m);
	tap_ok(nraces(&m) == 0, "a region ended, a new one at the same address: not mixed (%zu)", nraces(&m));
	lh_model_free(&m);

	/* END record first in the file (another thread's block): still merged */
	tw_begin(&w, 112);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "", LH_REGION_API | LH_REGION_END, 0);
	tw_region(&w, 1, 0x601100, 8, 0, "buf", LH_REGION_API, 0);
	tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 0);
	tw_access(&w, 2, 1, 3, 0, 1, ST_INC2, 0);
	tw_analyze(&w, &m);
	tap_ok(nraces(&m) == 1 && race_at(&m, 0)->race && !strcmp(race_at(&m, 0)->race->object, "buf"),
	       "the arming record names the object even when END comes first");
	lh_model_free(&m);
}

static void test_dedup(void)
{
	lh_model m;
	tw w;
	const lh_finding *f2, *f1;

	tw_begin(&w, 113);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "counter", LH_REGION_SYMBOL, 0);
	tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 0);
	tw_access(&w, 2, 1, 3, 0, 1, ST_INC2, 0);     /* pair (inc, inc2) */
	tw_access(&w, 3, 1, 2, 0, 1, ST_INC, 0);      /* pair (inc2, inc) */
	tw_access(&w, 4, 1, 3, 0, 1, ST_OTHER, 0);    /* pair (inc, other) */
	tw_analyze(&w, &m);
	f2 = race_with_count(&m, 2);
	f1 = race_with_count(&m, 1);
	tap_ok(nraces(&m) == 2 && f2 && f1, "one finding per pair of sites, counted (%zu findings)", nraces(&m));
	tap_ok(f1 && (!strcmp(ev_fn(&f1->events[1]), "site_other") || !strcmp(ev_fn(&f1->events[0]), "site_other")),
	       "the second pair is (site_inc, site_other)");
	tap_ok(f1 && f2 && strcmp(f1->id, f2->id) != 0, "distinct ids");
	lh_model_free(&m);
}

static void test_ids(void)
{
	lh_model m1, m2;
	tw w;
	char id1[17] = "", id2[17] = "", idh1[17] = "", idh2[17] = "";
	const lh_finding *f;

	scen_increments(&w, 114, 0x601100, 0, 1);
	tw_analyze(&w, &m1);
	scen_increments(&w, 9114, 0x7f0012345600, 0, 2);
	tw_analyze(&w, &m2);
	if (race_at(&m1, 0) && race_at(&m2, 0)) {
		memcpy(id1, race_at(&m1, 0)->id, 17);
		memcpy(id2, race_at(&m2, 0)->id, 17);
	}
	tap_ok(id1[0] && !strcmp(id1, id2), "ids stable across addresses and pids (%s, %s)", id1, id2);
	lh_model_free(&m1);
	lh_model_free(&m2);

	for (int k = 0; k < 2; k++) {
		tw_begin(&w, 115 + (uint64_t)k);
		locks_std(&w);
		tw_region(&w, 1, k ? 0x55550000 : 0x7f0000001000, 16, 0, "", LH_REGION_HEAP, ST_ALLOC);
		tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 0);
		tw_access(&w, 2, 1, 3, 0, 1, ST_INC, 0);
		tw_analyze(&w, &m1);
		f = race_at(&m1, 0);
		if (f)
			memcpy(k ? idh2 : idh1, f->id, 17);
		if (!k) {
			tap_ok(f && f->race && has(f->race->object, "heap object of 16 bytes allocated at site_alloc"),
			       "heap object named by its allocation site: %s", f && f->race ? f->race->object : "");
			tap_ok(f && f->nevents == 3 && !strcmp(f->events[2].what, "alloc") &&
			       !strcmp(ev_fn(&f->events[2]), "site_alloc"), "an alloc event with the allocation stack");
			tap_ok(f && has(f->summary, "race on a heap object of 16 bytes at 0x") &&
			       has(f->summary, ", allocated at site_alloc (test_races.c:"),
			       "heap summary: %s", f ? f->summary : "");
		}
		lh_model_free(&m1);
	}
	tap_ok(idh1[0] && !strcmp(idh1, idh2), "heap race ids stable across addresses");
}

static void test_reports(void)
{
	lh_model m;
	tw w;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	lh_report_opts o = { 0 };
	size_t counts[LH_KIND_COUNT];

	tw_begin(&w, 117);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "counter", LH_REGION_SYMBOL, 0);
	tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 1, (uint64_t)L_A, (uint32_t)W);
	tw_access(&w, 2, 1, 3, 0, 1, ST_INC2, 1, (uint64_t)L_RW, (uint32_t)R);
	tw_analyze(&w, &m);
	lh_model_count(&m, counts);
	tap_ok(counts[LH_KIND_RACE] == 1, "race findings are counted");
	lh_symbolize_findings(&m);
	out = open_memstream(&buf, &len);
	tap_ok(out && lh_report_json(out, &m, &o) == 0 && fclose(out) == 0 &&
	       has(buf, "\"kind\": \"race\"") && has(buf, "\"what\": \"access\"") &&
	       has(buf, "\"access\": \"write\"") && has(buf, "\"history\""),
	       "JSON: kind race, access events, history");
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &len);
	tap_ok(out && lh_report_text(out, &m, &o) == 0 && fclose(out) == 0 &&
	       has(buf, "RACE") && has(buf, "writes") && has(buf, "table_rw (read)") &&
	       has(buf, "Candidate set"), "text: accesses with their locks and the candidate-set history");
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &len);
	tap_ok(out && lh_report_html(out, &m, &o) == 0 && fclose(out) == 0 &&
	       has(buf, "table_rw") && has(buf, "Candidate set"), "HTML: race rendered");
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &len);
	tap_ok(out && lh_report_sarif(out, &m, &o) == 0 && fclose(out) == 0 &&
	       has(buf, "site_inc2"), "SARIF: race rendered with both sites");
	free(buf);
	lh_model_free(&m);
}

/* race:PATTERN against the object name, and against the access frames. */
static void test_suppress(void)
{
	const char *rules[2] = { "race:count*\n", "race:site_inc2\n" };

	for (int k = 0; k < 2; k++) {
		char path[320], tpath[320];
		lh_analysis_opts o = { 0 };
		lh_model m;
		tw w;
		FILE *f;

		snprintf(path, sizeof(path), "%s/supp%d", dir, k);
		f = fopen(path, "w");
		if (!f || fputs(rules[k], f) < 0 || fclose(f) != 0)
			abort();
		tw_begin(&w, 130 + (uint64_t)k);
		tw_region(&w, 1, 0x601100, 8, 0, "counter", LH_REGION_SYMBOL, 0);
		tw_access(&w, 1, 1, 2, 0, 1, k ? ST_INC2 : ST_INC, 0);
		tw_access(&w, 2, 1, 3, 0, 1, ST_OTHER, 0);
		tw_flush(&w, 1);
		snprintf(tpath, sizeof(tpath), "%s/lockhound.%d.trace", dir, ++ntrace);
		tw_save(&w, tpath, w.len);
		tw_free(&w);
		lh_model_init(&m);
		lh_read_trace(&m, tpath);
		o.suppressions = path;
		tap_ok(lh_analyze(&m, &o) == 0 && nraces(&m) == 1 && race_at(&m, 0)->suppressed,
		       "%s matches the race's %s", k ? "race:site_inc2" : "race:count*",
		       k ? "access frame" : "object name");
		lh_model_free(&m);
		unlink(path);
	}
}

static void test_corrupt(void)
{
	lh_model m;
	tw w;
	int rc;

	ndiag = 0;
	tw_begin(&w, 118);
	locks_std(&w);
	tw_region(&w, 1, 0x601100, 8, 0, "counter", LH_REGION_SYMBOL, 0);
	tw_region(&w, 0, 0x601200, 8, 0, "zero", LH_REGION_SYMBOL, 0);
	tw_access(&w, 1, 99, 2, 0, 1, ST_INC, 0);     /* no such region */
	tw_access(&w, 2, 0, 3, 0, 1, ST_INC, 0);      /* region 0 */
	tw_access(&w, 3, 1, 2, 0, 1, ST_INC, 2, (uint64_t)777, (uint32_t)W, (uint64_t)0, (uint32_t)0);
	tw_access(&w, 3, 1, 3, 0, 1, ST_INC, 0);      /* same seq */
	tw_access(&w, 4, 1, 77, 5, 1, 0xdead, 0);     /* unknown thread and stack */
	rc = tw_analyze(&w, &m);
	tap_ok(rc == 0 && m.nprocs == 1 && m.procs[0]->access_unknown == 2,
	       "ACCESS naming unknown regions (99, 0): counted (%llu) and ignored",
	       m.nprocs ? (unsigned long long)m.procs[0]->access_unknown : 0ull);
	tap_ok(ndiag >= 1 && has(last_diag, "ACCESS"), "and said once: %s", last_diag);
	tap_ok(nraces(&m) >= 1, "unknown locks, threads and stacks do not stop the analysis");
	lh_model_free(&m);

	/* nlocks larger than the record: the reader stops there, keeps the rest */
	tw_begin(&w, 119);
	tw_region(&w, 1, 0x601100, 8, 0, "counter", LH_REGION_SYMBOL, 0);
	tw_access(&w, 1, 1, 2, 0, 1, ST_INC, 0);
	{
		lh_rec_access a;

		memset(&a, 0, sizeof(a));
		a.region = 1;
		a.tid = 3;
		a.seq = 2;
		a.nlocks = 0xffffffffu;
		tw_rec(&w, LH_REC_ACCESS, &a, sizeof(a), NULL, 0);
	}
	rc = tw_analyze(&w, &m);
	tap_ok(rc == -EBADMSG && m.nprocs == 1 && m.procs[0]->naccesses == 1,
	       "ACCESS with nlocks too large: corrupt input reported, the prefix kept (rc %d)", rc);
	lh_model_free(&m);

	/* random ACCESS/REGION fields: never a crash */
	srand(7);
	for (int round = 0; round < 50; round++) {
		tw_begin(&w, 200 + (uint64_t)round);
		locks_std(&w);
		for (int i = 0; i < 40; i++) {
			if (rand() % 5 == 0)
				tw_region(&w, (uint64_t)(rand() % 4), (uint64_t)rand(), (uint64_t)(rand() % 64),
					  (uint64_t)(rand() % 6), rand() % 2 ? "x" : "",
					  (uint16_t)(rand() & 0x3f), (uint64_t)(rand() % 3 ? ST_ALLOC : rand()));
			else
				tw_access(&w, (uint64_t)(rand() % 30), (uint64_t)(rand() % 5),
					  (uint32_t)(rand() % 5), (uint32_t)(rand() % 3), rand() % 2,
					  (uint64_t)(rand() % 2 ? ST_INC + rand() % 6 : rand()), 2,
					  (uint64_t)(rand() % 6), (uint32_t)(rand() % 4),
					  (uint64_t)(rand() % 6), (uint32_t)(rand() % 4));
		}
		if (round % 2)
			tw_join(&w, 1, (uint32_t)(rand() % 3), (uint32_t)(rand() % 4), (uint32_t)(rand() % 3));
		tw_analyze(&w, &m);
		lh_model_free(&m);
	}
	tap_ok(1, "50 random traces of REGION/ACCESS records analyzed without a crash");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lh-races-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	lh_diag_set_sink(diag_sink, NULL);
	tap_plan(50);
	test_unlocked();
	test_common_lock();
	test_own_locks();
	test_declared();
	test_handoff();
	test_read_sharing();
	test_rwlock();
	test_lifetimes();
	test_dedup();
	test_ids();
	test_reports();
	test_suppress();
	test_corrupt();
	for (int i = 1; i <= ntrace && !getenv("LH_RACES_KEEP"); i++) {
		char path[320];

		snprintf(path, sizeof(path), "%s/lockhound.%d.trace", dir, i);
		unlink(path);
	}
	if (getenv("LH_RACES_KEEP"))
		printf("# traces kept in %s\n", dir);
	else
		rmdir(dir);
	return tap_done();
}
