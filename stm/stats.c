/*
 * stm/stats.c - transaction sites, their counters, the report, configuration.
 *
 * Sites are numbered in order of first use; 0 is the anonymous site of
 * lh_atomically().  Two lh_site structs with the same name share a number.
 * Counters live in each thread (thr->ctr[site]), written only by that thread
 * with relaxed load+store (no atomic read-modify-write on the commit path);
 * readers sum them over the registry plus the totals of exited threads.
 * Conflict tables (which TVar, which other site) are updated on aborts only,
 * under thr->stats_lock, keeping the LH_STM_TOP most frequent keys
 * (space-saving: a new key replaces the smallest count).
 *
 * Options, from the environment, read once:
 *   LOCKHOUND_STM_STATS=1                  print the report on stderr at exit
 *                                          and measure wasted time
 *   LOCKHOUND_STM_IRREVOCABLE_AFTER=K      see lh_stm_set_irrevocable_after()
 * A bad value gets one "lockhound-stm:" warning and is ignored.
 */
#include "stm_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static pthread_mutex_t g_sites_lock = PTHREAD_MUTEX_INITIALIZER;
static const char **g_site_names;       /* by id, under g_sites_lock */
static size_t g_nsites, g_sites_cap;
static _Atomic size_t g_nsites_pub;     /* g_nsites, readable without the lock */
static struct lh_site_ctr *g_retired;   /* totals of exited threads, under lh_g_threads_lock */
static size_t g_nretired;

/* ---- sites ------------------------------------------------------------------ */
static uint32_t site_add_locked(const char *name)
{
	size_t i;

	for (i = 0; i < g_nsites; i++)
		if (strcmp(g_site_names[i], name) == 0)
			return (uint32_t)i;
	if (g_nsites == g_sites_cap)
		g_site_names = lh_grow(g_site_names, &g_sites_cap, sizeof(*g_site_names),
				       g_nsites + 1);
	g_site_names[g_nsites] = name;
	atomic_store(&g_nsites_pub, g_nsites + 1);
	return (uint32_t)g_nsites++;
}

static void sites_init_locked(void)
{
	if (g_nsites == 0)
		(void)site_add_locked("(anonymous)");
}

uint32_t lh_site_resolve(lh_site *site)
{
	int id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
	uint32_t r;

	if (LH_LIKELY(id > 0))
		return (uint32_t)id - 1;
	lh_mutex_lock(&g_sites_lock);
	sites_init_locked();
	r = site_add_locked(site->name ? site->name : "(anonymous)");
	lh_mutex_unlock(&g_sites_lock);
	__atomic_store_n(&site->id, (int)r + 1, __ATOMIC_RELEASE);
	return r;
}

static const char *site_name(uint32_t id)
{
	const char *n = "?";

	lh_mutex_lock(&g_sites_lock);
	if (id < g_nsites)
		n = g_site_names[id];
	lh_mutex_unlock(&g_sites_lock);
	return n;
}

/* Grow a counter array of *n entries to at least need, the new ones zeroed. */
static struct lh_site_ctr *ctr_grow(struct lh_site_ctr *c, size_t *n, size_t need)
{
	size_t cap = *n;

	c = lh_grow(c, &cap, sizeof(*c), need);
	memset(c + *n, 0, (cap - *n) * sizeof(*c));
	*n = cap;
	return c;
}

struct lh_site_ctr *lh_ctr_slow(struct lh_thread *thr, uint32_t id)
{
	lh_mutex_lock(&g_sites_lock);
	sites_init_locked();
	lh_mutex_unlock(&g_sites_lock);
	lh_mutex_lock(&thr->stats_lock);
	thr->ctr = ctr_grow(thr->ctr, &thr->nctr, (size_t)id + 1);
	lh_mutex_unlock(&thr->stats_lock);
	return &thr->ctr[id];
}

/* ---- conflicts ------------------------------------------------------------- */
/*
 * Count n more conflicts on key tv (or site) in a LH_STM_TOP table,
 * space-saving: an unseen key replaces the smallest count.  Under the lock
 * that guards the table (thr->stats_lock, or lh_g_threads_lock for the
 * totals of exited threads).
 */
static void top_add_tvar(struct lh_site_ctr *c, const void *tv, uint64_t n)
{
	int i, min;

	for (i = 0, min = 0; i < LH_STM_TOP; i++) {
		if (c->ctv[i].tvar == tv && atomic_load(&c->ctv[i].count))
			break;
		if (atomic_load(&c->ctv[i].count) < atomic_load(&c->ctv[min].count))
			min = i;
	}
	if (i == LH_STM_TOP) {
		i = min;
		c->ctv[i].tvar = tv;
	}
	atomic_fetch_add(&c->ctv[i].count, n);
}

static void top_add_site(struct lh_site_ctr *c, uint32_t site, uint64_t n)
{
	int i, min;

	for (i = 0, min = 0; i < LH_STM_TOP; i++) {
		if (c->csite[i].site == site && atomic_load(&c->csite[i].count))
			break;
		if (atomic_load(&c->csite[i].count) < atomic_load(&c->csite[min].count))
			min = i;
	}
	if (i == LH_STM_TOP) {
		i = min;
		c->csite[i].site = site;
	}
	atomic_fetch_add(&c->csite[i].count, n);
}

void lh_stats_conflict(struct lh_thread *thr, struct lh_site_ctr *c,
		       const struct lh_tvar *tv, uint32_t other_site)
{
	lh_mutex_lock(&thr->stats_lock);
	top_add_tvar(c, tv, 1);
	top_add_site(c, other_site, 1);
	lh_mutex_unlock(&thr->stats_lock);
}

/* ---- summing ---------------------------------------------------------------- */
struct agg {
	lh_stm_site_stats s;
	const void *tv[4 * LH_STM_TOP * 8];
	uint64_t tvn[4 * LH_STM_TOP * 8];
	uint32_t st[4 * LH_STM_TOP * 8];
	uint64_t stn[4 * LH_STM_TOP * 8];
	int ntv, nst;
};

#define AGG_KEYS ((int)(sizeof(((struct agg *)0)->tv) / sizeof(void *)))

static void agg_add(struct agg *a, const struct lh_site_ctr *c)
{
	int i, j;

	a->s.commits += atomic_load_explicit(&c->commits, memory_order_relaxed);
	a->s.commits_read_only += atomic_load_explicit(&c->commits_ro, memory_order_relaxed);
	for (i = 0; i < LH_ABORT_NREASONS; i++) {
		uint64_t n = atomic_load_explicit(&c->aborts[i], memory_order_relaxed);

		a->s.aborts_by_reason[i] += n;
		a->s.aborts += n;
	}
	a->s.retries += atomic_load_explicit(&c->retries, memory_order_relaxed);
	a->s.timeouts += atomic_load_explicit(&c->timeouts, memory_order_relaxed);
	a->s.irrevocable += atomic_load_explicit(&c->irrevocable, memory_order_relaxed);
	a->s.wasted_ns += atomic_load_explicit(&c->wasted_ns, memory_order_relaxed);
	a->s.parked_ns += atomic_load_explicit(&c->parked_ns, memory_order_relaxed);
	if (atomic_load_explicit(&c->max_streak, memory_order_relaxed) > a->s.max_abort_streak)
		a->s.max_abort_streak = atomic_load_explicit(&c->max_streak, memory_order_relaxed);
	for (i = 0; i < LH_STM_TOP; i++) {
		uint64_t n = atomic_load(&c->ctv[i].count);

		if (!n)
			continue;
		for (j = 0; j < a->ntv && a->tv[j] != c->ctv[i].tvar; j++)
			;
		if (j == a->ntv) {
			if (a->ntv == AGG_KEYS)
				continue;
			a->tv[a->ntv] = c->ctv[i].tvar;
			a->tvn[a->ntv++] = 0;
		}
		a->tvn[j] += n;
	}
	for (i = 0; i < LH_STM_TOP; i++) {
		uint64_t n = atomic_load(&c->csite[i].count);

		if (!n)
			continue;
		for (j = 0; j < a->nst && a->st[j] != c->csite[i].site; j++)
			;
		if (j == a->nst) {
			if (a->nst == AGG_KEYS)
				continue;
			a->st[a->nst] = c->csite[i].site;
			a->stn[a->nst++] = 0;
		}
		a->stn[j] += n;
	}
}

/* Pick the top LH_STM_TOP keys of each table into the public struct. */
static void agg_finish(struct agg *a)
{
	int k, j;

	for (k = 0; k < LH_STM_TOP; k++) {
		int best = -1;

		for (j = 0; j < a->ntv; j++)
			if (a->tvn[j] && (best < 0 || a->tvn[j] > a->tvn[best]))
				best = j;
		if (best >= 0) {
			a->s.conflict_tvars[k].tvar = a->tv[best];
			a->s.conflict_tvars[k].count = a->tvn[best];
			a->tvn[best] = 0;
		}
		best = -1;
		for (j = 0; j < a->nst; j++)
			if (a->stn[j] && (best < 0 || a->stn[j] > a->stn[best]))
				best = j;
		if (best >= 0) {
			a->s.conflict_sites[k].site = site_name(a->st[best]);
			a->s.conflict_sites[k].count = a->stn[best];
			a->stn[best] = 0;
		}
	}
}

int lh_stm_site_count(void)
{
	size_t n = atomic_load(&g_nsites_pub);

	return n ? (int)n : 1;
}

int lh_stm_stats_at(int index, lh_stm_site_stats *out)
{
	struct agg *a;
	const struct lh_thread *t;

	if (index < 0 || index >= lh_stm_site_count() || !out)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	lh_mutex_lock(&lh_g_threads_lock);
	if ((size_t)index < g_nretired)
		agg_add(a, &g_retired[index]);
	for (t = lh_g_threads; t; t = t->next) {
		lh_mutex_lock((pthread_mutex_t *)&t->stats_lock);
		if ((size_t)index < t->nctr)
			agg_add(a, &t->ctr[index]);
		lh_mutex_unlock((pthread_mutex_t *)&t->stats_lock);
	}
	lh_mutex_unlock(&lh_g_threads_lock);
	agg_finish(a);
	a->s.name = index == 0 && atomic_load(&g_nsites_pub) == 0 ? "(anonymous)"
								     : site_name((uint32_t)index);
	*out = a->s;
	free(a);
	return 0;
}

int lh_stm_stats_get(const char *name, lh_stm_site_stats *out)
{
	int i, n = lh_stm_site_count();

	for (i = 0; i < n; i++)
		if (strcmp(i == 0 ? "(anonymous)" : site_name((uint32_t)i), name) == 0)
			return lh_stm_stats_at(i, out);
	return -ENOENT;
}

static void ctr_zero(struct lh_site_ctr *c)
{
	int i;

	atomic_store(&c->commits, 0);
	atomic_store(&c->commits_ro, 0);
	for (i = 0; i < LH_ABORT_NREASONS; i++)
		atomic_store(&c->aborts[i], 0);
	atomic_store(&c->retries, 0);
	atomic_store(&c->timeouts, 0);
	atomic_store(&c->irrevocable, 0);
	atomic_store(&c->max_streak, 0);
	atomic_store(&c->wasted_ns, 0);
	atomic_store(&c->parked_ns, 0);
	for (i = 0; i < LH_STM_TOP; i++) {
		atomic_store(&c->ctv[i].count, 0);
		atomic_store(&c->csite[i].count, 0);
	}
}

void lh_stm_stats_reset(void)
{
	struct lh_thread *t;
	size_t i;

	lh_mutex_lock(&lh_g_threads_lock);
	for (i = 0; i < g_nretired; i++)
		ctr_zero(&g_retired[i]);
	for (t = lh_g_threads; t; t = t->next) {
		lh_mutex_lock(&t->stats_lock);
		for (i = 0; i < t->nctr; i++)
			ctr_zero(&t->ctr[i]);
		lh_mutex_unlock(&t->stats_lock);
	}
	lh_mutex_unlock(&lh_g_threads_lock);
}

/* At thread exit, with lh_g_threads_lock held. */
void lh_stats_fold(struct lh_thread *thr)
{
	size_t i;
	int k;

	if (thr->nctr > g_nretired)
		g_retired = ctr_grow(g_retired, &g_nretired, thr->nctr);
	lh_mutex_lock(&thr->stats_lock);
	for (i = 0; i < thr->nctr; i++) {
		const struct lh_site_ctr *c = &thr->ctr[i];
		struct lh_site_ctr *g = &g_retired[i];

		lh_inc(&g->commits, atomic_load(&c->commits));
		lh_inc(&g->commits_ro, atomic_load(&c->commits_ro));
		for (k = 0; k < LH_ABORT_NREASONS; k++)
			lh_inc(&g->aborts[k], atomic_load(&c->aborts[k]));
		lh_inc(&g->retries, atomic_load(&c->retries));
		lh_inc(&g->timeouts, atomic_load(&c->timeouts));
		lh_inc(&g->irrevocable, atomic_load(&c->irrevocable));
		lh_inc(&g->wasted_ns, atomic_load(&c->wasted_ns));
		lh_inc(&g->parked_ns, atomic_load(&c->parked_ns));
		if (atomic_load(&c->max_streak) > atomic_load(&g->max_streak))
			atomic_store(&g->max_streak, atomic_load(&c->max_streak));
		/* Conflict keys: merge into the retired table, space-saving. */
		for (k = 0; k < LH_STM_TOP; k++) {
			uint64_t n = atomic_load(&c->ctv[k].count);

			if (n)
				top_add_tvar(g, c->ctv[k].tvar, n);
			n = atomic_load(&c->csite[k].count);
			if (n)
				top_add_site(g, c->csite[k].site, n);
		}
	}
	lh_mutex_unlock(&thr->stats_lock);
}

/* ---- the report --------------------------------------------------------------- */
void lh_stm_stats_print(int fd)
{
	int i, k, n = lh_stm_site_count(), any = 0;
	lh_stm_site_stats s;

	for (i = 0; i < n; i++) {
		if (lh_stm_stats_at(i, &s) != 0)
			continue;
		if (s.commits == 0 && s.aborts == 0 && s.retries == 0 && s.timeouts == 0)
			continue;
		any = 1;
		dprintf(fd,
			"lockhound-stm: site \"%s\": %" PRIu64 " commits (%" PRIu64 " read-only),"
			" %" PRIu64 " aborts (read %" PRIu64 ", commit %" PRIu64
			", retry-stale %" PRIu64 "), longest abort streak %" PRIu64
			", %" PRIu64 " irrevocable\n",
			s.name, s.commits, s.commits_read_only, s.aborts,
			s.aborts_by_reason[LH_ABORT_READ], s.aborts_by_reason[LH_ABORT_COMMIT],
			s.aborts_by_reason[LH_ABORT_RETRY_STALE], s.max_abort_streak, s.irrevocable);
		dprintf(fd,
			"lockhound-stm:   %" PRIu64 " retries parked %.3f ms, %" PRIu64
			" timeouts, %.3f ms wasted in aborted attempts%s\n",
			s.retries, (double)s.parked_ns / 1e6, s.timeouts, (double)s.wasted_ns / 1e6,
			(atomic_load(&lh_g_begin) & LH_BEGIN_TIMING) ? "" : " (timing off)");
		for (k = 0; k < LH_STM_TOP; k++)
			if (s.conflict_tvars[k].count)
				dprintf(fd, "lockhound-stm:   conflicts on TVar %p: %" PRIu64 "\n",
					s.conflict_tvars[k].tvar, s.conflict_tvars[k].count);
		for (k = 0; k < LH_STM_TOP; k++)
			if (s.conflict_sites[k].count)
				dprintf(fd, "lockhound-stm:   conflicts with site \"%s\": %" PRIu64 "\n",
					s.conflict_sites[k].site, s.conflict_sites[k].count);
	}
	if (!any)
		dprintf(fd, "lockhound-stm: no transactions\n");
}

int lh_stm_stats_timing(int on)
{
	unsigned prev = on ? atomic_fetch_or(&lh_g_begin, LH_BEGIN_TIMING)
			   : atomic_fetch_and(&lh_g_begin, ~LH_BEGIN_TIMING);

	return (prev & LH_BEGIN_TIMING) != 0;
}

/* ---- configuration -------------------------------------------------------------- */
static void print_at_exit(void)
{
	lh_stm_stats_print(2);
}

static int parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 1000000)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

void lh_config_init(void)
{
	const char *s = getenv("LOCKHOUND_STM_STATS");
	unsigned v;

	if (s && *s) {
		if (parse_uint(s, &v) != 0 || v > 1)
			dprintf(2, "lockhound-stm: ignoring LOCKHOUND_STM_STATS=\"%s\" (want 0 or 1)\n", s);
		else if (v == 1) {
			atomic_fetch_or(&lh_g_begin, LH_BEGIN_TIMING);
			atexit(print_at_exit);
		}
	}
	s = getenv("LOCKHOUND_STM_IRREVOCABLE_AFTER");
	if (s && *s) {
		if (parse_uint(s, &v) != 0)
			dprintf(2, "lockhound-stm: ignoring LOCKHOUND_STM_IRREVOCABLE_AFTER=\"%s\""
				   " (want a number)\n", s);
		else
			atomic_store(&lh_g_irrevocable_after, v);
	}
}
