/*
 * fix.c - the class order and the fix texts that use it.
 *
 * The order.  Lock classes are nodes; every DEP (except successful
 * trylocks, which cannot block) adds class(held) -> class(acquired),
 * weighted by the number of DEPs.  A level assignment "higher level is taken
 * first" that no observed order violates is a topological order of this
 * graph.  Where the graph has cycles no such order exists, and the fewest
 * code sites to change is a minimum feedback arc set (NP-hard), so each
 * strongly connected component is ordered with the greedy heuristic of
 * Eades, Lin and Smyth: peel off sinks (to the end) and sources (to the
 * front); when neither exists, move the class with the largest
 * out-weight minus in-weight to the front.  Edges that point backwards in
 * the result are the places to change.  Components themselves follow in
 * topological order.  Classes are numbered in key order first, so the
 * result does not depend on the order the traces listed them in.
 *
 * Two locks of one class taken together (bank accounts) cannot be ordered
 * by levels; those arcs (from == to) are kept so the texts can say "order
 * them by address or use lh_lock_many()".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

typedef struct ord_key {
	const char     *key;
	uint32_t        idx;
	UT_hash_handle  hh;
} ord_key;

typedef struct ord_amap {
	uint64_t        key;
	uint32_t        idx;
	UT_hash_handle  hh;
} ord_amap;

static int ord_cmp_class(const void *a, const void *b)
{
	return strcmp(((const lh_order_class *)a)->key, ((const lh_order_class *)b)->key);
}

static int ord_cmp_str(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const lh_order_class *)elem)->key);
}

long order_rank(const lh_order *o, const char *class_key)
{
	const lh_order_class *c;

	if (!o || !o->n)
		return -1;
	c = bsearch(class_key, o->classes, o->n, sizeof(*c), ord_cmp_str);
	return c ? c->rank : -1;
}

long order_level(const lh_order *o, long rank)
{
	return 10 * ((long)o->n - rank);
}

static uint32_t ord_index(const lh_order *o, const lh_lock *l)
{
	const lh_order_class *c = bsearch(pass_class_key(l), o->classes, o->n,
					  sizeof(*c), ord_cmp_str);

	return (uint32_t)(c - o->classes);
}

void order_free(lh_order *o)
{
	if (!o)
		return;
	free(o->classes);
	free(o->by_rank);
	free(o->arcs);
	free(o);
}

static int ord_add_class(lh_order *o, ord_key **map, size_t *cap, const lh_lock *l)
{
	const char *key = pass_class_key(l);
	ord_key *k;

	HASH_FIND_STR(*map, key, k);
	if (k)
		return 0;
	if (o->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		lh_order_class *cl = realloc(o->classes, nc * sizeof(*cl));

		if (!cl)
			return -ENOMEM;
		o->classes = cl;
		*cap = nc;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->key = key;
	k->idx = (uint32_t)o->n;
	HASH_ADD_KEYPTR(hh, *map, k->key, strlen(k->key), k);
	o->classes[o->n].key = key;
	o->classes[o->n].sample = l;
	o->classes[o->n].rank = -1;
	o->n++;
	return 0;
}

static int ord_collect_classes(lh_order *o, lh_model *m)
{
	ord_key *map = NULL, *k, *t;
	size_t cap = 0;
	int rc = 0;

	for (size_t i = 0; i < m->nprocs && !rc; i++) {
		const lh_process *p = m->procs[i];

		for (size_t j = 0; j < p->ndeps && !rc; j++) {
			const lh_dep *d = &p->deps[j];

			if (d->lock)
				rc = ord_add_class(o, &map, &cap, d->lock);
			for (uint32_t h = 0; h < d->nheld && !rc; h++)
				if (d->held[h].lock)
					rc = ord_add_class(o, &map, &cap, d->held[h].lock);
		}
	}
	k = map;
	HASH_CLEAR(hh, map);
	for (; k; k = t) {
		t = k->hh.next;
		free(k);
	}
	if (!rc && o->n)
		qsort(o->classes, o->n, sizeof(*o->classes), ord_cmp_class);
	return rc;
}

static int ord_collect_arcs(lh_order *o, lh_model *m)
{
	ord_amap *map = NULL, *a, *t;
	size_t cap = 0;
	int rc = 0;

	for (size_t i = 0; i < m->nprocs && !rc; i++) {
		lh_process *p = m->procs[i];

		for (size_t j = 0; j < p->ndeps && !rc; j++) {
			const lh_dep *d = &p->deps[j];
			uint32_t to;

			if (!d->lock || (d->mode & LH_MODE_TRY))
				continue;
			to = ord_index(o, d->lock);
			for (uint32_t h = 0; h < d->nheld; h++) {
				const lh_lock *hl = d->held[h].lock;
				uint64_t key;
				uint32_t from;

				if (!hl || hl == d->lock)
					continue;
				from = ord_index(o, hl);
				key = (uint64_t)from << 32 | to;
				HASH_FIND(hh, map, &key, sizeof(key), a);
				if (a) {
					o->arcs[a->idx].weight++;
					continue;
				}
				if (o->narcs == cap) {
					size_t nc = cap ? 2 * cap : 64;
					lh_order_arc *na = realloc(o->arcs, nc * sizeof(*na));

					if (!na) {
						rc = -ENOMEM;
						break;
					}
					o->arcs = na;
					cap = nc;
				}
				a = calloc(1, sizeof(*a));
				if (!a) {
					rc = -ENOMEM;
					break;
				}
				a->key = key;
				a->idx = (uint32_t)o->narcs;
				HASH_ADD(hh, map, key, sizeof(a->key), a);
				o->arcs[o->narcs++] = (lh_order_arc){
					.from = from, .to = to, .weight = 1, .dep = d,
					.hi = h, .proc = p, .feedback = 0,
				};
			}
		}
	}
	a = map;
	HASH_CLEAR(hh, map);
	for (; a; a = t) {
		t = a->hh.next;
		free(a);
	}
	return rc;
}

typedef struct ord_local {
	uint32_t a, b;           /* local node numbers */
	uint64_t w;
} ord_local;

/* Eades-Lin-Smyth on one component: members[0..k), edges e[0..ne) in local
 * numbers; writes the order (local numbers) to seq. */
static int ord_els(const ord_local *e, size_t ne, size_t k, uint32_t *seq)
{
	int64_t *outw = calloc(k + 1, sizeof(*outw)), *inw = calloc(k + 1, sizeof(*inw));
	uint8_t *gone = calloc(k + 1, 1);
	size_t front = 0, back = k, left = k;

	if (!outw || !inw || !gone) {
		free(outw); free(inw); free(gone);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ne; i++) {
		outw[e[i].a] += (int64_t)e[i].w;
		inw[e[i].b] += (int64_t)e[i].w;
	}
	while (left) {
		int changed = 1;
		uint32_t pick = UINT32_MAX;
		int64_t best = INT64_MIN;

		while (changed && left) {
			changed = 0;
			for (uint32_t u = 0; u < k; u++) {
				int sink, source;

				if (gone[u])
					continue;
				sink = outw[u] == 0;
				source = !sink && inw[u] == 0;
				if (!sink && !source)
					continue;
				if (sink)
					seq[--back] = u;
				else
					seq[front++] = u;
				gone[u] = 1;
				left--;
				changed = 1;
				for (size_t i = 0; i < ne; i++) {
					if (e[i].a == u && !gone[e[i].b])
						inw[e[i].b] -= (int64_t)e[i].w;
					if (e[i].b == u && !gone[e[i].a])
						outw[e[i].a] -= (int64_t)e[i].w;
				}
			}
		}
		if (!left)
			break;
		for (uint32_t u = 0; u < k; u++)
			if (!gone[u] && outw[u] - inw[u] > best) {
				best = outw[u] - inw[u];
				pick = u;
			}
		seq[front++] = pick;
		gone[pick] = 1;
		left--;
		for (size_t i = 0; i < ne; i++) {
			if (e[i].a == pick && !gone[e[i].b])
				inw[e[i].b] -= (int64_t)e[i].w;
			if (e[i].b == pick && !gone[e[i].a])
				outw[e[i].a] -= (int64_t)e[i].w;
		}
	}
	free(outw); free(inw); free(gone);
	return 0;
}

static int ord_rank_all(lh_order *o)
{
	size_t n = o->n, ne = 0, ncomp = 0, next = 0;
	uint32_t *src = malloc((o->narcs + 1) * sizeof(*src));
	uint32_t *dst = malloc((o->narcs + 1) * sizeof(*dst));
	uint32_t *comp = malloc((n + 1) * sizeof(*comp));
	uint32_t *members = malloc((n + 1) * sizeof(*members));
	uint32_t *local = malloc((n + 1) * sizeof(*local));
	uint32_t *seq = malloc((n + 1) * sizeof(*seq));
	size_t *cstart = NULL, *estart = NULL, *fill = NULL;
	ord_local *le = malloc((o->narcs + 1) * sizeof(*le));
	lh_digraph g;
	int rc = -ENOMEM;

	memset(&g, 0, sizeof(g));
	if (!src || !dst || !comp || !members || !local || !seq || !le)
		goto out;
	for (size_t i = 0; i < o->narcs; i++)
		if (o->arcs[i].from != o->arcs[i].to) {
			src[ne] = o->arcs[i].from;
			dst[ne] = o->arcs[i].to;
			ne++;
		}
	rc = graph_build(&g, n, src, dst, ne);
	if (!rc)
		rc = graph_scc(&g, comp, &ncomp);
	if (rc)
		goto out;
	rc = -ENOMEM;
	cstart = calloc(ncomp + 1, sizeof(*cstart));
	estart = calloc(ncomp + 1, sizeof(*estart));
	fill = calloc(ncomp + 1, sizeof(*fill));
	if (!cstart || !estart || !fill)
		goto out;
	for (size_t v = 0; v < n; v++)
		cstart[comp[v] + 1]++;
	for (size_t i = 0; i < o->narcs; i++) {
		const lh_order_arc *a = &o->arcs[i];

		if (a->from != a->to && comp[a->from] == comp[a->to])
			estart[comp[a->from] + 1]++;
	}
	for (size_t k = 0; k < ncomp; k++) {
		cstart[k + 1] += cstart[k];
		estart[k + 1] += estart[k];
	}
	for (size_t v = 0; v < n; v++) {
		members[cstart[comp[v]] + fill[comp[v]]] = (uint32_t)v;
		local[v] = (uint32_t)fill[comp[v]]++;
	}
	memset(fill, 0, (ncomp + 1) * sizeof(*fill));
	for (size_t i = 0; i < o->narcs; i++) {
		const lh_order_arc *a = &o->arcs[i];

		if (a->from != a->to && comp[a->from] == comp[a->to]) {
			uint32_t c = comp[a->from];

			le[estart[c] + fill[c]++] = (ord_local){ local[a->from], local[a->to], a->weight };
		}
	}
	rc = 0;
	for (size_t k = ncomp; k-- > 0 && !rc;) {
		size_t cnt = cstart[k + 1] - cstart[k];

		if (cnt == 1) {
			o->classes[members[cstart[k]]].rank = (long)next++;
			continue;
		}
		rc = ord_els(&le[estart[k]], estart[k + 1] - estart[k], cnt, seq);
		for (size_t i = 0; i < cnt && !rc; i++)
			o->classes[members[cstart[k] + seq[i]]].rank = (long)next++;
	}
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++)
		o->by_rank[o->classes[i].rank] = i;
	for (size_t i = 0; i < o->narcs; i++) {
		lh_order_arc *a = &o->arcs[i];

		a->feedback = a->from != a->to &&
			o->classes[a->from].rank > o->classes[a->to].rank;
	}
out:
	graph_free(&g);
	free(src); free(dst); free(comp); free(members); free(local); free(seq);
	free(cstart); free(estart); free(fill); free(le);
	return rc;
}

int order_build(lh_order **out, lh_model *m)
{
	lh_order *o = calloc(1, sizeof(*o));
	int rc;

	*out = NULL;
	if (!o)
		return -ENOMEM;
	rc = ord_collect_classes(o, m);
	if (!rc)
		rc = ord_collect_arcs(o, m);
	if (!rc) {
		o->by_rank = calloc(o->n + 1, sizeof(*o->by_rank));
		rc = o->by_rank ? ord_rank_all(o) : -ENOMEM;
	}
	if (rc) {
		order_free(o);
		return rc;
	}
	*out = o;
	return 0;
}

/* ---- fix texts ------------------------------------------------------------- */

static const char *fix_class_name(const lh_lock *l)
{
	return l->cls && l->cls->name ? l->cls->name : l->name;
}

static const char stm_hint[] =
	" Or rewrite the critical sections as STM transactions with lh_atomically() "
	"(lockhound's transactional memory): transactions compose without any lock order.";

/* Appends to a growing string; on failure frees it and returns NULL. */
static char *fix_cat(char *s, char *add)
{
	char *r;

	if (!s || !add) {
		free(s);
		free(add);
		return NULL;
	}
	r = pass_printf("%s%s", s, add);
	free(s);
	free(add);
	return r;
}

char *fix_cycle(const lh_finding *f, const lh_order *ord)
{
	const lh_lock **cls = calloc(f->nlocks + 1, sizeof(const lh_lock *));
	size_t ncls = 0;
	char *s;
	int ranked = 1;

	if (!cls)
		return NULL;
	/* one lock per class, sorted by the suggested order */
	for (size_t i = 0; i < f->nlocks; i++) {
		size_t j;

		for (j = 0; j < ncls; j++)
			if (!strcmp(pass_class_key(cls[j]), pass_class_key(f->locks[i])))
				break;
		if (j == ncls)
			cls[ncls++] = f->locks[i];
		if (order_rank(ord, pass_class_key(f->locks[i])) < 0)
			ranked = 0;
	}
	if (ncls < 2) {
		s = pass_printf(
			"The locks are instances of one class (%s) taken in a data-dependent "
			"order, like two accounts locked as (from, to) by transfers in both "
			"directions. Impose one global order on the instances: lock the one "
			"at the lower address first, or take them together with lh_lock_many(), "
			"which does exactly that.%s",
			f->nlocks ? fix_class_name(f->locks[0]) : "?", stm_hint);
		free(cls);
		return s;
	}
	if (ranked) {
		for (size_t i = 1; i < ncls; i++)        /* insertion sort by rank */
			for (size_t j = i; j > 0 &&
			     order_rank(ord, pass_class_key(cls[j - 1])) >
			     order_rank(ord, pass_class_key(cls[j])); j--) {
				const lh_lock *t = cls[j];

				cls[j] = cls[j - 1];
				cls[j - 1] = t;
			}
	}
	s = pass_printf("Adopt one lock order and keep to it: always take ");
	for (size_t i = 0; i < ncls && s; i++)
		s = fix_cat(s, pass_printf("%s%s", i ? " before " : "", cls[i]->name));
	if (ranked && s) {
		s = fix_cat(s, pass_printf(" (levels from --suggest-levels:"));
		for (size_t i = 0; i < ncls && s; i++) {
			long r = order_rank(ord, pass_class_key(cls[i]));

			s = fix_cat(s, pass_printf("%s %s %ld", i ? "," : "", cls[i]->name,
						   order_level(ord, r)));
		}
		s = fix_cat(s, pass_printf(")"));
	}
	s = fix_cat(s, pass_printf("."));
	/* the acquisitions that go against that order */
	for (size_t i = 0; i < f->nevents && s; i++) {
		const lh_fevent *acq = &f->events[i];

		if (!acq->lock || (strcmp(acq->what, "acquire") != 0 && strcmp(acq->what, "wait") != 0))
			continue;
		for (size_t j = 0; j < f->nevents && s; j++) {
			const lh_fevent *h = &f->events[j];
			long rh, ra;
			char where[1024];

			if (!h->lock || strcmp(h->what, "hold") != 0 || h->thread != acq->thread ||
			    h->lock == acq->lock)
				continue;
			rh = ranked ? order_rank(ord, pass_class_key(h->lock)) : -1;
			ra = ranked ? order_rank(ord, pass_class_key(acq->lock)) : -1;
			if (ranked ? rh <= ra : 1)
				continue;
			ids_where(f->proc, acq->stack, where, sizeof(where));
			s = fix_cat(s, pass_printf(
				" Change %s, which takes %s while holding %s: release %s first, "
				"or take %s before %s.", where, acq->lock->name, h->lock->name,
				h->lock->name, acq->lock->name, h->lock->name));
		}
	}
	s = fix_cat(s, pass_printf(" Where one path needs several of these locks at once, "
				   "take them together with lh_lock_many().%s", stm_hint));
	free(cls);
	return s;
}

/* Races: one lock at every access, naming the ones seen, or the STM. */
char *fix_race(const lh_finding *f)
{
	const lh_race *r = f->race;
	const char *obj = r && r->object ? r->object : "the object";
	char *s, *names = NULL;

	if (r && r->declared)
		return pass_printf(
			"%s is declared to be protected by %s: take %s around every access "
			"(in write mode for writes, if it is an rwlock), including the one "
			"reported here, or declare the lock that the code really uses. Or make "
			"it a TVar read and updated only inside lh_atomically() (lockhound's "
			"transactional memory), which needs no lock at all.",
			obj, r->declared->name, r->declared->name);
	for (size_t i = 0; i < f->nlocks; i++) {
		char *n = pass_printf("%s%s%s", names ? names : "",
				      !names ? "" : i + 1 == f->nlocks ? " or " : ", ",
				      f->locks[i]->name);

		free(names);
		names = n;
		if (!names)
			return NULL;
	}
	if (names)
		s = pass_printf(
			"Protect %s with one lock and hold it at every access: the accesses "
			"above held %s, but no lock was common to all of them. Pick one (for "
			"an rwlock, hold it in write mode to write) and take it at each access "
			"site, or declare it with lh_guard() so that any access without it is "
			"reported at once. Or make %s a TVar read and updated only inside "
			"lh_atomically() (lockhound's transactional memory): transactions need "
			"no lock and compose.", obj, names, obj);
	else
		s = pass_printf(
			"Protect %s with one lock and hold it at every access: the accesses "
			"above held no lock at all. Add a mutex next to it, take it at each "
			"access site (for an rwlock: write mode to write) and declare it with "
			"lh_guard() so that any access without it is reported at once. Or make "
			"%s a TVar read and updated only inside lh_atomically() (lockhound's "
			"transactional memory): transactions need no lock and compose.", obj, obj);
	free(names);
	return s;
}
