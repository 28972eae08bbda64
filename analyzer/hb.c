/*
 * hb.c - happens-before between thread segments, from create and join.
 *
 * A thread's life is cut into segments: it moves to the next segment each
 * time it creates or joins a thread.  The order between (thread, segment)
 * pairs is the smallest one with:
 *   (t, s)            before (t, s')            when s < s'
 *   (parent, pseg)    before (child, 0)         THREAD: parent created child
 *   (joined, jseg)    before (joiner, jnseg+1)  JOIN: the child's last
 *                                               segment precedes everything
 *                                               after the join
 * Only two kinds of segment receive an edge from another thread: segment 0
 * (the create) and the segment right after a join.  Call these change
 * points.  The set of segments preceding (t, s) is the same as for the last
 * change point of t at or below s, so a vector clock per change point says
 * everything: clock[u] = 1 + the highest segment of u that precedes it
 * (0: none does).
 *
 * Clocks are computed on demand by walking change points backwards (linear
 * in threads + joins) and cached; the cache is dropped when it holds more
 * than HB_CACHE_CELLS entries, so 10,000 threads cost time, not gigabytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

#define HB_NONE        UINT32_MAX
#define HB_CACHE_CELLS (1u << 24)

typedef struct hb_cp {
	uint32_t seg;
	uint32_t src_t;         /* thread index of the incoming edge, or HB_NONE */
	uint32_t src_s;         /* its segment                                  */
} hb_cp;

typedef struct hb_cached {
	uint32_t        cp;     /* key                                          */
	uint32_t       *clock;
	UT_hash_handle  hh;
} hb_cached;

struct lh_hb {
	size_t     nthreads;
	uint32_t  *tids;        /* sorted                                        */
	size_t    *cpoff;       /* change points of thread i: cps[cpoff[i]..cpoff[i+1]) */
	hb_cp     *cps;
	size_t     ncps;
	uint32_t  *stamp, cur;  /* visited marks for the backward walk           */
	uint32_t  *work;        /* stack of change points to visit               */
	hb_cached *cache;
	size_t     cached_cells;
};

static int hb_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t hb_index(const lh_hb *hb, uint32_t tid)
{
	const uint32_t *p = bsearch(&tid, hb->tids, hb->nthreads, sizeof(tid), hb_cmp_u32);

	return p ? (uint32_t)(p - hb->tids) : HB_NONE;
}

static int hb_cmp_cp(const void *a, const void *b)
{
	const hb_cp *x = a, *y = b;

	return x->seg < y->seg ? -1 : x->seg > y->seg;
}

int hb_build(lh_hb **out, const lh_process *p)
{
	lh_hb *hb = calloc(1, sizeof(*hb));
	size_t n = HASH_COUNT(p->threads), i = 0, *fill = NULL;
	const lh_thread *t;

	*out = NULL;
	if (!hb)
		return -ENOMEM;
	hb->nthreads = n;
	hb->tids = malloc((n ? n : 1) * sizeof(*hb->tids));
	hb->cpoff = calloc(n + 1, sizeof(*hb->cpoff));
	fill = calloc(n + 1, sizeof(*fill));
	if (!hb->tids || !hb->cpoff || !fill)
		goto nomem;
	for (t = p->threads; t; t = t->hh.next)
		hb->tids[i++] = t->tid;
	qsort(hb->tids, n, sizeof(*hb->tids), hb_cmp_u32);

	/* count: one change point at segment 0 per thread, one per join */
	for (i = 0; i < n; i++)
		hb->cpoff[i + 1] = 1;
	for (size_t j = 0; j < p->njoins; j++) {
		uint32_t a = hb_index(hb, p->joins[j].joiner);

		if (a != HB_NONE && hb_index(hb, p->joins[j].joined) != HB_NONE)
			hb->cpoff[a + 1]++;
	}
	for (i = 0; i < n; i++)
		hb->cpoff[i + 1] += hb->cpoff[i];
	hb->ncps = hb->cpoff[n];
	hb->cps = malloc((hb->ncps ? hb->ncps : 1) * sizeof(*hb->cps));
	hb->stamp = calloc(hb->ncps ? hb->ncps : 1, sizeof(*hb->stamp));
	hb->work = malloc((hb->ncps + 1) * sizeof(*hb->work));
	if (!hb->cps || !hb->stamp || !hb->work)
		goto nomem;

	for (t = p->threads; t; t = t->hh.next) {
		uint32_t ti = hb_index(hb, t->tid), pi;
		hb_cp *cp = &hb->cps[hb->cpoff[ti] + fill[ti]++];

		pi = t->parent_tid ? hb_index(hb, t->parent_tid) : HB_NONE;
		cp->seg = 0;
		cp->src_t = pi;
		cp->src_s = t->parent_seg;
	}
	for (size_t j = 0; j < p->njoins; j++) {
		const lh_join *jn = &p->joins[j];
		uint32_t a = hb_index(hb, jn->joiner), b = hb_index(hb, jn->joined);
		hb_cp *cp;

		if (a == HB_NONE || b == HB_NONE)
			continue;
		cp = &hb->cps[hb->cpoff[a] + fill[a]++];
		cp->seg = jn->joiner_seg + 1;
		cp->src_t = b;
		cp->src_s = jn->joined_seg;
	}
	for (i = 0; i < n; i++)
		qsort(&hb->cps[hb->cpoff[i]], hb->cpoff[i + 1] - hb->cpoff[i],
		      sizeof(hb_cp), hb_cmp_cp);
	free(fill);
	*out = hb;
	return 0;
nomem:
	free(fill);
	hb_free(hb);
	return -ENOMEM;
}

static void hb_cache_clear(lh_hb *hb)
{
	hb_cached *c, *tmp;

	c = hb->cache;
	HASH_CLEAR(hh, hb->cache);
	for (; c; c = tmp) {
		tmp = c->hh.next;
		free(c->clock);
		free(c);
	}
	hb->cached_cells = 0;
}

void hb_free(lh_hb *hb)
{
	if (!hb)
		return;
	hb_cache_clear(hb);
	free(hb->tids);
	free(hb->cpoff);
	free(hb->cps);
	free(hb->stamp);
	free(hb->work);
	free(hb);
}

/* Index of the last change point of thread ti at or below segment s. */
static uint32_t hb_cp_at(const lh_hb *hb, uint32_t ti, uint32_t s)
{
	size_t lo = hb->cpoff[ti], hi = hb->cpoff[ti + 1];

	/* first cp with seg > s, minus one */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (hb->cps[mid].seg <= s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == hb->cpoff[ti] ? HB_NONE : (uint32_t)(lo - 1);
}

static uint32_t hb_thread_of(const lh_hb *hb, uint32_t cp)
{
	size_t lo = 0, hi = hb->nthreads;

	while (lo + 1 < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (hb->cpoff[mid] <= cp)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* The clock of change point cp (cached).  NULL on allocation failure. */
static const uint32_t *hb_clock(lh_hb *hb, uint32_t cp)
{
	hb_cached *c;
	size_t sp = 0;

	HASH_FIND(hh, hb->cache, &cp, sizeof(cp), c);
	if (c)
		return c->clock;
	if (hb->cached_cells + hb->nthreads > HB_CACHE_CELLS)
		hb_cache_clear(hb);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cp = cp;
	c->clock = calloc(hb->nthreads ? hb->nthreads : 1, sizeof(*c->clock));
	if (!c->clock) {
		free(c);
		return NULL;
	}
	if (++hb->cur == 0) {
		memset(hb->stamp, 0, hb->ncps * sizeof(*hb->stamp));
		hb->cur = 1;
	}
	/* Walk the change points backwards from cp; each one is pushed once,
	 * so the stack never holds more than ncps entries. */
	hb->stamp[cp] = hb->cur;
	hb->work[sp++] = cp;
	while (sp) {
		uint32_t x = hb->work[--sp];
		const hb_cp *k = &hb->cps[x];
		uint32_t xt = hb_thread_of(hb, x);

		/* everything of xt before this segment precedes it */
		if (k->seg > c->clock[xt])
			c->clock[xt] = k->seg;
		if (x > hb->cpoff[xt] && hb->stamp[x - 1] != hb->cur) {
			hb->stamp[x - 1] = hb->cur;
			hb->work[sp++] = x - 1;
		}
		/* the incoming edge: (src_t, src_s) and all that precedes it */
		if (k->src_t != HB_NONE) {
			uint32_t src = hb_cp_at(hb, k->src_t, k->src_s);

			if (k->src_s + 1 > c->clock[k->src_t])
				c->clock[k->src_t] = k->src_s + 1;
			if (src != HB_NONE && hb->stamp[src] != hb->cur) {
				hb->stamp[src] = hb->cur;
				hb->work[sp++] = src;
			}
		}
	}
	HASH_ADD(hh, hb->cache, cp, sizeof(c->cp), c);
	hb->cached_cells += hb->nthreads;
	return c->clock;
}

int hb_before(lh_hb *hb, uint32_t t1, uint32_t s1, uint32_t t2, uint32_t s2)
{
	uint32_t a, b, cp;
	const uint32_t *clock;

	if (t1 == t2)
		return s1 < s2;
	a = hb_index(hb, t1);
	b = hb_index(hb, t2);
	if (a == HB_NONE || b == HB_NONE)
		return 0;
	cp = hb_cp_at(hb, b, s2);
	if (cp == HB_NONE)
		return 0;
	clock = hb_clock(hb, cp);
	return clock && clock[a] > s1;
}
