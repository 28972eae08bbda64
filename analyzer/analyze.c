/*
 * analyze.c - lh_analyze: the passes in order, and the small helpers they
 * share to build findings.
 *
 *   names and classes (naming.c)
 *   --levels file     -> lock levels
 *   class order       (fix texts, --suggest-levels)
 *   cycles + precision (pass_cycles.c)     potential-deadlock, lock-order, pruned
 *   online findings   (pass_online.c)      deadlock, misuse, level-violation
 *   a real deadlock subsumes the potential-deadlock of the same locks
 *   offline levels    (pass_levels.c)      level-violation
 *   races             (pass_races.c)       race
 *   ids + dedup       (ids.c)
 *   suppressions      (suppress.c)         f->suppressed
 *   baseline          (baseline.c)         f->known
 *   statistics
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

char *pass_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

int pass_read_lines(const char *path, const char *what,
		    int (*line)(void *ctx, char *text, int lineno), void *ctx)
{
	FILE *fp = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	int lineno = 0, bad = 0, rc = 0;

	if (!fp) {
		rc = errno ? -errno : -EIO;
		lh_diag("%s file %s: %s", what, path, strerror(errno));
		return rc;
	}
	while (getline(&text, &len, fp) >= 0) {
		int r = line(ctx, text, ++lineno);

		if (r == -ENOMEM) {
			rc = r;
			break;
		}
		if (r < 0)
			bad = 1;
	}
	if (!rc && ferror(fp)) {
		lh_diag("%s file %s: read error", what, path);
		rc = -EIO;
	}
	free(text);
	fclose(fp);
	if (!rc && bad)
		rc = -EINVAL;
	return rc;
}

const char *pass_class_key(const lh_lock *l)
{
	if (l->cls && l->cls->key)
		return l->cls->key;
	return l->name ? l->name : "?";
}

const char *pass_kind_word(uint32_t kind, int plural)
{
	switch (kind) {
	case LH_LOCK_MUTEX:  return plural ? "mutexes" : "mutex";
	case LH_LOCK_RWLOCK: return plural ? "rwlocks" : "rwlock";
	case LH_LOCK_SPIN:   return plural ? "spinlocks" : "spinlock";
	case LH_LOCK_MTX:    return plural ? "mtx locks" : "mtx lock";
	default:             return plural ? "locks" : "lock";
	}
}

int pass_grow(void *arrp, size_t n, size_t size)
{
	void **arr = arrp, *na;

	/* capacity is never below the next power of two of n: grow at 0 and
	 * at every power of two, so appends cost amortised O(1) */
	if (n != 0 && (n & (n - 1)) != 0)
		return 0;
	na = realloc(*arr, (n ? 2 * n : 1) * size);
	if (!na)
		return -ENOMEM;
	*arr = na;
	return 0;
}

lh_finding *pass_add_finding(lh_model *m, lh_kind kind, lh_process *p)
{
	lh_finding *nf;

	if (pass_grow(&m->findings, m->nfindings, sizeof(*nf)))
		return NULL;
	nf = m->findings;
	nf = &nf[m->nfindings++];
	memset(nf, 0, sizeof(*nf));
	nf->kind = kind;
	nf->count = 1;
	nf->proc = p;
	return nf;
}

int pass_add_event(lh_finding *f, const char *what, uint32_t tid, lh_lock *l,
		   lh_stack *s, uint32_t mode)
{
	lh_fevent *ne;

	if (pass_grow(&f->events, f->nevents, sizeof(*ne)))
		return -ENOMEM;
	ne = &f->events[f->nevents];
	memset(ne, 0, sizeof(*ne));
	ne->what = strdup(what);
	if (!ne->what)
		return -ENOMEM;
	ne->thread = tid;
	ne->lock = l;
	ne->stack = s;
	ne->mode = mode;
	f->nevents++;
	return 0;
}

int pass_add_lock(lh_finding *f, lh_lock *l)
{
	lh_lock **nl;

	if (!l)
		return 0;
	for (size_t i = 0; i < f->nlocks; i++)
		if (f->locks[i] == l)
			return 0;
	nl = realloc(f->locks, (f->nlocks + 1) * sizeof(lh_lock *));
	if (!nl)
		return -ENOMEM;
	f->locks = nl;
	f->locks[f->nlocks++] = l;
	return 0;
}

int pass_add_thread(lh_finding *f, lh_thread *t)
{
	lh_thread **nt;

	if (!t)
		return 0;
	for (size_t i = 0; i < f->nthreads; i++)
		if (f->threads[i] == t)
			return 0;
	nt = realloc(f->threads, (f->nthreads + 1) * sizeof(lh_thread *));
	if (!nt)
		return -ENOMEM;
	f->threads = nt;
	f->threads[f->nthreads++] = t;
	return 0;
}

static void analyze_stats(lh_model *m, uint64_t nedges)
{
	m->nthreads = m->nlocks = m->nevents = 0;
	for (size_t i = 0; i < m->nprocs; i++) {
		const lh_process *p = m->procs[i];
		const lh_lock *l;

		m->nthreads += HASH_COUNT(p->threads);
		for (l = p->locks; l; l = l->hh.next)
			if (!l->placeholder)
				m->nlocks++;
		m->nevents += p->events;
	}
	m->nedges = nedges;
}

/* 1 when the two findings name the same set of locks. */
static int analyze_same_locks(const lh_finding *a, const lh_finding *b)
{
	if (a->nlocks != b->nlocks || a->proc != b->proc)
		return 0;
	for (size_t i = 0; i < a->nlocks; i++) {
		size_t j;

		for (j = 0; j < b->nlocks && b->locks[j] != a->locks[i]; j++)
			;
		if (j == b->nlocks)
			return 0;
	}
	return 1;
}

/* A cycle that really deadlocked during the run is reported once, as the
 * `deadlock`: the potential-deadlock or lock-order finding of the same
 * locks (same lifetimes, same process) says nothing more. */
static void analyze_subsume(lh_model *m)
{
	size_t out = 0;

	for (size_t i = 0; i < m->nfindings; i++) {
		lh_finding *f = &m->findings[i];
		int drop = 0;

		if (f->kind == LH_KIND_POTENTIAL_DEADLOCK || f->kind == LH_KIND_LOCK_ORDER)
			for (size_t k = 0; k < m->nfindings && !drop; k++)
				drop = m->findings[k].kind == LH_KIND_DEADLOCK &&
				       m->findings[k].nlocks >= 2 &&
				       analyze_same_locks(f, &m->findings[k]);
		if (drop) {
			lh_finding_release(f);
			continue;
		}
		if (out != i)
			m->findings[out] = *f;
		out++;
	}
	m->nfindings = out;
}

int lh_analyze(lh_model *m, const lh_analysis_opts *o)
{
	lh_order *ord = NULL;
	uint64_t nedges = 0;
	int rc;

	rc = lh_model_name_locks(m);
	if (!rc && o && o->levels)
		rc = levels_apply(m, o->levels);
	if (!rc)
		rc = order_build(&ord, m);
	if (!rc)
		rc = pass_cycles(m, o, ord, &nedges);
	if (!rc)
		rc = pass_online(m, ord);
	if (!rc)
		analyze_subsume(m);
	if (!rc)
		rc = pass_levels(m);
	if (!rc)
		rc = pass_races(m);
	if (!rc)
		rc = ids_dedup(m);
	if (!rc && o && o->suppressions)
		rc = suppress_apply(m, o->suppressions);
	if (!rc && o && o->baseline)
		rc = baseline_apply(m, o->baseline);
	order_free(ord);
	analyze_stats(m, nedges);
	return rc;
}
