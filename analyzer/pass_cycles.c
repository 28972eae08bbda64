/*
 * pass_cycles.c - the lock-order graph of each process, its cycles, and the
 * precision rules that decide what a cycle means.
 *
 * Graph.  Nodes are lock lifetimes (lh_lock: a lock destroyed and re-created
 * is a new node, so no cycle spans two lifetimes).  Every DEP record "thread
 * T in segment S acquired L while holding H[0..n)" adds the edges H[i] -> L,
 * unless the acquisition was a successful trylock (it could not block, so
 * it closes no cycle; the lock, once held, is still the source of later
 * edges through the held sets of later DEPs).  Each edge keeps every DEP
 * that produced it (a "ref": the DEP and the index of the held entry).
 *
 * Meaning of a cycle L0 -> L1 -> ... -> Ln-1 -> L0 (iGoodLock).  Choose one
 * ref d_i per edge.  The choice describes a deadlock some schedule can
 * produce when:
 *   distinct    the threads of d_0..d_n-1 are pairwise different;
 *   concurrent  no two of them are ordered by create/join (hb.c);
 *   disjoint    their held sets share no lock (a common lock G serialises
 *               them: the "gate lock").  Two read-mode holds of one rwlock
 *               do not conflict (both readers can be inside at once);
 *   blocking    each acquisition can block on the next thread's hold: a
 *               read request of an rwlock held in read mode does not block
 *               when the rwlock prefers readers (the glibc default).  For a
 *               writer-preferring rwlock (LH_ATTR_PREFER_WRITER) a read
 *               request queues behind any waiting writer, so a third thread
 *               asking for write turns read-read into a real wait: those
 *               edges are treated as blocking.
 * Classification, first rule that has a satisfying choice wins:
 *   distinct + concurrent + disjoint + blocking  -> potential-deadlock
 *   distinct + disjoint + blocking               -> lock-order (threads
 *                                                   ordered by create/join)
 *   one thread + disjoint + blocking             -> lock-order (single thread)
 *   otherwise                                    -> pruned, with the reason:
 *     a lock held on every edge (gate), a non-blocking read-read edge, or a
 *     chain no thread held at once (a lock released before the next edge:
 *     T1: A, B, unlock A, C and T2: C, A give A->B->C->A, but the two T1
 *     edges cannot both be "held" by one waiting thread).
 * The choice is searched by backtracking, one edge after the other, with
 * each constraint checked against the refs chosen so far; the search is
 * iterative (cycles of any length) and bounded by SEARCH_BUDGET refs tried.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

#define SEARCH_BUDGET  (1u << 18)
#define MAX_CYCLES_DEF 64u

enum {
	C_DISTINCT   = 1u << 0,
	C_SINGLE     = 1u << 1,
	C_CONCURRENT = 1u << 2,
	C_DISJOINT   = 1u << 3,
	C_BLOCKING   = 1u << 4,
};

typedef struct cyc_ref {
	const lh_dep *dep;
	uint32_t      hi;       /* index of the held entry that is the source */
} cyc_ref;

typedef struct cyc_edge {
	uint32_t  from, to;
	cyc_ref  *refs;
	size_t    nrefs, cap;
	size_t    maxheld;      /* largest held set among the refs             */
} cyc_edge;

typedef struct cyc_node {
	const lh_lock  *lock;   /* key */
	uint32_t        idx;
	UT_hash_handle  hh;
} cyc_node;

typedef struct cyc_emap {
	uint64_t        key;    /* from << 32 | to */
	uint32_t        idx;
	UT_hash_handle  hh;
} cyc_emap;

/* Open-addressing multiset of locks held by the refs chosen so far. */
typedef struct cyc_slot {
	const lh_lock *lock;
	uint32_t       nwrite, nread;
} cyc_slot;

typedef struct cyc_ctx {
	lh_model         *m;
	lh_process       *p;
	const lh_order   *ord;
	lh_hb            *hb;
	lh_lock         **nodes;
	size_t            nnodes, capnodes;
	cyc_node         *nmap;
	cyc_edge         *edges;
	size_t            nedges, capedges;
	cyc_emap         *emap;
	/* one cycle under evaluation */
	const uint32_t   *eids;
	size_t            n;
	size_t           *next;     /* per position: next ref to try           */
	const cyc_ref   **choice;
	size_t            cap;      /* capacity of next/choice                 */
	cyc_slot         *slots;
	size_t            nslots;   /* power of two                            */
	size_t            budget;
} cyc_ctx;

/* ---- building the graph ------------------------------------------------- */

static int cyc_node_of(cyc_ctx *c, const lh_lock *l, uint32_t *idx)
{
	cyc_node *n;

	HASH_FIND_PTR(c->nmap, &l, n);
	if (n) {
		*idx = n->idx;
		return 0;
	}
	if (c->nnodes == c->capnodes) {
		size_t cap = c->capnodes ? 2 * c->capnodes : 64;
		lh_lock **nn = realloc(c->nodes, cap * sizeof(lh_lock *));

		if (!nn)
			return -ENOMEM;
		c->nodes = nn;
		c->capnodes = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->lock = l;
	n->idx = (uint32_t)c->nnodes;
	c->nodes[c->nnodes++] = (lh_lock *)l;
	HASH_ADD_PTR(c->nmap, lock, n);
	*idx = n->idx;
	return 0;
}

static int cyc_add_ref(cyc_ctx *c, uint32_t from, uint32_t to, const lh_dep *d, uint32_t hi)
{
	uint64_t key = (uint64_t)from << 32 | to;
	cyc_emap *em;
	cyc_edge *e;

	HASH_FIND(hh, c->emap, &key, sizeof(key), em);
	if (!em) {
		if (c->nedges == c->capedges) {
			size_t cap = c->capedges ? 2 * c->capedges : 64;
			cyc_edge *ne = realloc(c->edges, cap * sizeof(*ne));

			if (!ne)
				return -ENOMEM;
			c->edges = ne;
			c->capedges = cap;
		}
		em = calloc(1, sizeof(*em));
		if (!em)
			return -ENOMEM;
		em->key = key;
		em->idx = (uint32_t)c->nedges;
		HASH_ADD(hh, c->emap, key, sizeof(em->key), em);
		e = &c->edges[c->nedges++];
		memset(e, 0, sizeof(*e));
		e->from = from;
		e->to = to;
	}
	e = &c->edges[em->idx];
	/* a lock held twice (recursive) gives one ref per DEP */
	if (e->nrefs && e->refs[e->nrefs - 1].dep == d)
		return 0;
	if (e->nrefs == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 2;
		cyc_ref *nr = realloc(e->refs, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		e->refs = nr;
		e->cap = cap;
	}
	e->refs[e->nrefs].dep = d;
	e->refs[e->nrefs].hi = hi;
	e->nrefs++;
	if (d->nheld > e->maxheld)
		e->maxheld = d->nheld;
	return 0;
}

static int cyc_build(cyc_ctx *c)
{
	const lh_process *p = c->p;

	for (size_t i = 0; i < p->ndeps; i++) {
		const lh_dep *d = &p->deps[i];
		uint32_t to;
		int rc;

		if (!d->lock || (d->mode & LH_MODE_TRY) || d->nheld == 0)
			continue;
		rc = cyc_node_of(c, d->lock, &to);
		if (rc)
			return rc;
		for (uint32_t h = 0; h < d->nheld; h++) {
			uint32_t from;

			if (!d->held[h].lock || d->held[h].lock == d->lock)
				continue;
			rc = cyc_node_of(c, d->held[h].lock, &from);
			if (!rc)
				rc = cyc_add_ref(c, from, to, d, h);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static void cyc_free(cyc_ctx *c)
{
	cyc_node *n, *nt;
	cyc_emap *e, *et;

	n = c->nmap;
	HASH_CLEAR(hh, c->nmap);
	for (; n; n = nt) {
		nt = n->hh.next;
		free(n);
	}
	e = c->emap;
	HASH_CLEAR(hh, c->emap);
	for (; e; e = et) {
		et = e->hh.next;
		free(e);
	}
	for (size_t i = 0; i < c->nedges; i++)
		free(c->edges[i].refs);
	free(c->edges);
	free(c->nodes);
	free(c->next);
	free(c->choice);
	free(c->slots);
	hb_free(c->hb);
}

/* ---- the choice search --------------------------------------------------- */

static cyc_slot *cyc_slot_of(cyc_ctx *c, const lh_lock *l, int insert)
{
	size_t mask = c->nslots - 1;
	size_t i = (size_t)(((uintptr_t)l >> 4) * 0x9e3779b97f4a7c15ull) & mask;

	for (;; i = (i + 1) & mask) {
		cyc_slot *s = &c->slots[i];

		if (s->lock == l)
			return s;
		if (!s->lock) {
			if (!insert)
				return NULL;
			s->lock = l;
			return s;
		}
	}
}

/* Does the acquisition in mode acq of lock l block on a hold in mode hold? */
static int cyc_blocks(const lh_lock *l, uint32_t acq, uint32_t hold)
{
	if (l->kind == LH_LOCK_RWLOCK && (acq & LH_MODE_READ) && (hold & LH_MODE_READ) &&
	    !(l->attrs & LH_ATTR_PREFER_WRITER))
		return 0;
	return 1;
}

static const cyc_edge *cyc_edge_at(const cyc_ctx *c, size_t i)
{
	return &c->edges[c->eids[i]];
}

/* May ref r be chosen for position i, given choice[0..i)? */
static int cyc_ok(cyc_ctx *c, size_t i, const cyc_ref *r, unsigned rules)
{
	const lh_dep *d = r->dep;

	for (size_t j = 0; j < i; j++) {
		const lh_dep *o = c->choice[j]->dep;

		if ((rules & C_DISTINCT) && o->tid == d->tid)
			return 0;
		if ((rules & C_SINGLE) && o->tid != d->tid)
			return 0;
		if ((rules & C_CONCURRENT) && o->tid != d->tid &&
		    (hb_before(c->hb, o->tid, o->seg, d->tid, d->seg) ||
		     hb_before(c->hb, d->tid, d->seg, o->tid, o->seg)))
			return 0;
	}
	if (rules & C_DISJOINT) {
		for (uint32_t h = 0; h < d->nheld; h++) {
			const cyc_slot *s = cyc_slot_of(c, d->held[h].lock, 0);

			if (s && (s->nwrite || (s->nread && !(d->held[h].mode & LH_MODE_READ))))
				return 0;
		}
	}
	if (rules & C_BLOCKING) {
		/* edge i-1 acquires this edge's source, which d holds */
		if (i > 0) {
			const lh_dep *prev = c->choice[i - 1]->dep;

			if (!cyc_blocks(d->held[r->hi].lock, prev->mode, d->held[r->hi].mode))
				return 0;
		}
		if (i + 1 == c->n) {
			const cyc_ref *first = c->choice[0];
			const lh_held *h = &first->dep->held[first->hi];

			if (!cyc_blocks(h->lock, d->mode, h->mode))
				return 0;
		}
	}
	return 1;
}

static void cyc_hold(cyc_ctx *c, const lh_dep *d, int add)
{
	for (uint32_t h = 0; h < d->nheld; h++) {
		cyc_slot *s = cyc_slot_of(c, d->held[h].lock, 1);

		if (d->held[h].mode & LH_MODE_READ)
			s->nread += add ? 1u : (uint32_t)-1;
		else
			s->nwrite += add ? 1u : (uint32_t)-1;
	}
}

/* Searches a choice satisfying rules; 1 found (c->choice), 0 none. */
static int cyc_search(cyc_ctx *c, unsigned rules)
{
	size_t i = 0;

	if (rules & C_DISJOINT)
		memset(c->slots, 0, c->nslots * sizeof(*c->slots));
	c->budget = SEARCH_BUDGET;
	c->next[0] = 0;
	for (;;) {
		const cyc_edge *e;
		const cyc_ref *r;

		if (i == c->n)
			return 1;
		e = cyc_edge_at(c, i);
		if (c->next[i] >= e->nrefs || c->budget == 0) {
			if (i == 0 || c->budget == 0)
				return 0;
			i--;
			if (rules & C_DISJOINT)
				cyc_hold(c, c->choice[i]->dep, 0);
			continue;
		}
		r = &e->refs[c->next[i]++];
		c->budget--;
		/* choice[i] is read by the closing check at i == n-1 */
		if (!cyc_ok(c, i, r, rules))
			continue;
		c->choice[i] = r;
		if (rules & C_DISJOINT)
			cyc_hold(c, r->dep, 1);
		i++;
		if (i < c->n)
			c->next[i] = 0;
	}
}

/* ---- turning a choice into a finding ----------------------------------------- */

/* Lexicographically least rotation of a[0..n) (Booth's algorithm, O(n)). */
static size_t cyc_least_rotation(const uint32_t *a, size_t n, long *f)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	for (size_t j = 0; j < 2 * n; j++)
		f[j] = -1;
	for (size_t j = 1; j < 2 * n; j++) {
		uint32_t sj = a[j % n];
		long i = f[j - k - 1];

		while (i != -1 && sj != a[(k + (size_t)i + 1) % n]) {
			if (sj < a[(k + (size_t)i + 1) % n])
				k = j - (size_t)i - 1;
			i = f[i];
		}
		if (sj != a[(k + (size_t)i + 1) % n]) {  /* here i == -1 */
			if (sj < a[k % n])
				k = j;
			f[j - k] = -1;
		} else {
			f[j - k] = i + 1;
		}
	}
	return k % n;
}

typedef struct cyc_key {
	char   *s;
	size_t  pos;
} cyc_key;

static int cyc_key_cmp(const void *a, const void *b)
{
	return strcmp(((const cyc_key *)a)->s, ((const cyc_key *)b)->s);
}

/* Position the cycle starts from in reports and ids: the least rotation of
 * (class, holding site, acquiring site) per edge, so the same cycle found
 * in another run, from another start, reads and hashes the same. */
static int cyc_canonical_start(cyc_ctx *c, size_t *start)
{
	size_t n = c->n;
	cyc_key *keys = calloc(n + 1, sizeof(*keys));
	uint32_t *rank = malloc((n + 1) * sizeof(*rank));
	long *f = malloc((2 * n + 1) * sizeof(*f));
	int rc = 0;

	*start = 0;
	if (!keys || !rank || !f) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const cyc_ref *r = c->choice[i];
		char hs[512], as[512];

		ids_site(c->p, lh_stack_find(c->p, r->dep->held[r->hi].stack), hs, sizeof(hs));
		ids_site(c->p, lh_stack_find(c->p, r->dep->stack), as, sizeof(as));
		keys[i].s = pass_printf("%s\x1f%s\x1f%s", pass_class_key(r->dep->held[r->hi].lock),
					hs, as);
		keys[i].pos = i;
		if (!keys[i].s) {
			rc = -ENOMEM;
			goto out;
		}
	}
	qsort(keys, n, sizeof(*keys), cyc_key_cmp);
	for (size_t i = 0, r = 0; i < n; i++) {
		if (i && strcmp(keys[i].s, keys[i - 1].s) != 0)
			r++;
		rank[keys[i].pos] = (uint32_t)r;
	}
	*start = cyc_least_rotation(rank, n, f);
out:
	if (keys)
		for (size_t i = 0; i < n; i++)
			free(keys[i].s);
	free(keys);
	free(rank);
	free(f);
	return rc;
}

/* Fills f (locks, events, threads) from c->choice, starting at `start`. */
static int cyc_fill(cyc_ctx *c, lh_finding *f, size_t start)
{
	for (size_t k = 0; k < c->n; k++) {
		const cyc_ref *r = c->choice[(start + k) % c->n];
		const lh_dep *d = r->dep;
		const lh_held *h = &d->held[r->hi];
		lh_thread *t = lh_thread_find(c->p, d->tid);
		int rc;

		rc = pass_add_lock(f, h->lock);
		if (!rc)
			rc = pass_add_event(f, "hold", d->tid, h->lock,
					    lh_stack_find(c->p, h->stack), h->mode);
		if (!rc)
			rc = pass_add_event(f, "acquire", d->tid, d->lock,
					    lh_stack_find(c->p, d->stack), d->mode);
		if (!rc && t)
			rc = pass_add_thread(f, t);
		if (rc)
			return rc;
	}
	return 0;
}

/* "mutexes", "rwlocks", "locks" before the names; "" when every name
 * already starts with its kind ("mutex 0x…d0 (init bank.c:57 in main)"),
 * so the summary does not read "mutexes mutex …". */
static const char *cyc_kind_words(const lh_finding *f)
{
	uint32_t kind = f->nlocks ? f->locks[0]->kind : 0;
	int named_by_kind = 1;

	for (size_t i = 0; i < f->nlocks; i++) {
		const char *w = pass_kind_word(f->locks[i]->kind, 0);
		size_t n = strcspn(w, " ");          /* "mtx lock" names read "mtx …" */

		if (strncmp(f->locks[i]->name, w, n) != 0 || f->locks[i]->name[n] != ' ')
			named_by_kind = 0;
	}
	if (named_by_kind)
		return "";
	for (size_t i = 1; i < f->nlocks; i++)
		if (f->locks[i]->kind != kind)
			return "locks";
	return pass_kind_word(kind, 1);
}

/* "A and B", "A, B and C", "A, B, C, D and 26 more" */
static char *cyc_lock_list(const lh_finding *f)
{
	size_t n = f->nlocks, shown = n > 5 ? 4 : n;
	size_t len = 64;
	char *s, *p;

	for (size_t i = 0; i < shown; i++)
		len += strlen(f->locks[i]->name) + 2;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	*p = '\0';
	for (size_t i = 0; i < shown; i++) {
		const char *sep = i == 0 ? "" : (i + 1 == shown && shown == n) ? " and " : ", ";

		p += sprintf(p, "%s%s", sep, f->locks[i]->name);
	}
	if (shown < n)
		sprintf(p, " and %zu more", n - shown);
	return s;
}

static int cyc_same_class(const lh_finding *f)
{
	for (size_t i = 1; i < f->nlocks; i++)
		if (strcmp(pass_class_key(f->locks[i]), pass_class_key(f->locks[0])) != 0)
			return 0;
	return f->nlocks > 1;
}

static char *cyc_summary(const lh_finding *f, int single)
{
	char *list = cyc_lock_list(f), *s;
	const char *words = cyc_kind_words(f);

	if (!list)
		return NULL;
	if (f->kind == LH_KIND_POTENTIAL_DEADLOCK) {
		if (f->nlocks == 2)
			s = pass_printf("potential deadlock: %zu threads take %s%s%s in opposite orders",
					f->nthreads, words, *words ? " " : "", list);
		else
			s = pass_printf("potential deadlock: %zu threads take %s%s%s in a cycle",
					f->nthreads, words, *words ? " " : "", list);
	} else if (f->kind == LH_KIND_LOCK_ORDER) {
		s = pass_printf("lock order inversion %s %s (%s)",
				f->nlocks == 2 ? "between" : "among", list,
				single ? "single thread" : "threads ordered by create/join");
	} else {
		s = pass_printf("cycle %s %s", f->nlocks == 2 ? "between" : "among", list);
	}
	free(list);
	if (s && cyc_same_class(f) && f->locks[0]->cls) {
		char *t = pass_printf("%s; all of class %s", s, f->locks[0]->cls->name);

		free(s);
		s = t;
	}
	return s;
}

static int cyc_emit(cyc_ctx *c, lh_kind kind, int single)
{
	lh_finding *f;
	size_t start;
	int rc = cyc_canonical_start(c, &start);

	if (rc)
		return rc;
	f = pass_add_finding(c->m, kind, c->p);
	if (!f)
		return -ENOMEM;
	rc = cyc_fill(c, f, start);
	if (rc)
		return rc;
	f->summary = cyc_summary(f, single);
	f->fix = fix_cycle(f, c->ord);
	if (!f->summary || !f->fix)
		return -ENOMEM;
	return 0;
}

/* A pruned cycle: the reason, and the cycle shown with c->choice. */
static int cyc_prune(cyc_ctx *c, char *reason)
{
	lh_pruned *np;
	size_t start;
	int rc;

	if (!reason)
		return -ENOMEM;
	rc = cyc_canonical_start(c, &start);
	if (rc) {
		free(reason);
		return rc;
	}
	if (pass_grow(&c->m->pruned, c->m->npruned, sizeof(*np))) {
		free(reason);
		return -ENOMEM;
	}
	np = &c->m->pruned[c->m->npruned++];
	memset(np, 0, sizeof(*np));
	np->reason = reason;
	np->cycle.kind = LH_KIND_POTENTIAL_DEADLOCK;
	np->cycle.count = 1;
	np->cycle.proc = c->p;
	rc = cyc_fill(c, &np->cycle, start);
	if (!rc)
		np->cycle.summary = cyc_summary(&np->cycle, 0);
	if (!rc && !np->cycle.summary)
		rc = -ENOMEM;
	if (!rc)
		rc = ids_compute(&np->cycle);
	return rc;
}

/* A lock every chosen ref holds (conflicting), or NULL. */
static const lh_lock *cyc_gate(const cyc_ctx *c)
{
	const lh_dep *d0 = c->choice[0]->dep;

	for (uint32_t h = 0; h < d0->nheld; h++) {
		const lh_lock *g = d0->held[h].lock;
		size_t i;

		for (i = 1; i < c->n; i++) {
			const lh_dep *d = c->choice[i]->dep;
			uint32_t k;

			for (k = 0; k < d->nheld && d->held[k].lock != g; k++)
				;
			if (k == d->nheld)
				break;
		}
		if (i == c->n)
			return g;
	}
	return NULL;
}

/* A lock held by two chosen refs (for the reason text). */
static const lh_lock *cyc_overlap(const cyc_ctx *c)
{
	for (size_t i = 0; i < c->n; i++)
		for (size_t j = i + 1; j < c->n; j++) {
			const lh_dep *a = c->choice[i]->dep, *b = c->choice[j]->dep;

			for (uint32_t x = 0; x < a->nheld; x++)
				for (uint32_t y = 0; y < b->nheld; y++)
					if (a->held[x].lock == b->held[y].lock)
						return a->held[x].lock;
		}
	return NULL;
}

/* The rwlock of a non-blocking edge of the current choice, or NULL. */
static const lh_lock *cyc_readread(const cyc_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const lh_dep *d = c->choice[i]->dep;
		const cyc_ref *nx = c->choice[(i + 1) % c->n];
		const lh_held *h = &nx->dep->held[nx->hi];

		if (!cyc_blocks(h->lock, d->mode, h->mode))
			return h->lock;
	}
	return NULL;
}

static int cyc_cmp_tid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct threads among all refs of the cycle's edges (0 if no memory:
 * the number is only for the reason text). */
static size_t cyc_nthreads(const cyc_ctx *c)
{
	size_t total = 0, n = 0, k = 0;
	uint32_t *tids;

	for (size_t i = 0; i < c->n; i++)
		total += cyc_edge_at(c, i)->nrefs;
	tids = malloc((total + 1) * sizeof(*tids));
	if (!tids)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		const cyc_edge *e = cyc_edge_at(c, i);

		for (size_t r = 0; r < e->nrefs; r++)
			tids[k++] = e->refs[r].dep->tid;
	}
	qsort(tids, k, sizeof(*tids), cyc_cmp_tid);
	for (size_t i = 0; i < k; i++)
		if (i == 0 || tids[i] != tids[i - 1])
			n++;
	free(tids);
	return n;
}

static void cyc_first_choice(cyc_ctx *c)
{
	for (size_t i = 0; i < c->n; i++)
		c->choice[i] = &cyc_edge_at(c, i)->refs[0];
}

static int cyc_classify(cyc_ctx *c)
{
	const unsigned all = C_DISJOINT | C_BLOCKING;
	const lh_lock *l;

	if (cyc_search(c, C_DISTINCT | C_CONCURRENT | all))
		return cyc_emit(c, LH_KIND_POTENTIAL_DEADLOCK, 0);
	if (cyc_search(c, C_DISTINCT | all))
		return cyc_emit(c, LH_KIND_LOCK_ORDER, 0);
	if (cyc_search(c, C_SINGLE | all))
		return cyc_emit(c, LH_KIND_LOCK_ORDER, 1);

	/* pruned: find out which rule removed it */
	if (cyc_search(c, C_DISTINCT | C_BLOCKING) || cyc_search(c, C_SINGLE | C_BLOCKING)) {
		l = cyc_gate(c);
		if (l)
			return cyc_prune(c, pass_printf("gate lock %s held on every edge", l->name));
		l = cyc_overlap(c);
		return cyc_prune(c, pass_printf("lock %s is held on two edges of the cycle at once",
						l ? l->name : "?"));
	}
	if (cyc_search(c, C_DISTINCT | C_DISJOINT) || cyc_search(c, C_SINGLE | C_DISJOINT)) {
		l = cyc_readread(c);
		return cyc_prune(c, pass_printf("read-read on reader-preferring rwlock %s",
						l ? l->name : "?"));
	}
	cyc_first_choice(c);
	return cyc_prune(c, pass_printf(
		"chain broken: the %zu edges come from %zu threads and no thread holds its "
		"part of the chain at once (a lock is released before the next one is taken)",
		c->n, cyc_nthreads(c)));
}

static int cyc_on_cycle(void *ctx, const uint32_t *eids, size_t n)
{
	cyc_ctx *c = ctx;
	size_t slots = 16;

	if (n > c->cap) {
		size_t cap = n > 2 * c->cap ? n : 2 * c->cap;
		size_t *nx = realloc(c->next, cap * sizeof(*nx));
		const cyc_ref **ch;

		if (!nx)
			return -ENOMEM;
		c->next = nx;
		ch = realloc(c->choice, cap * sizeof(const cyc_ref *));
		if (!ch)
			return -ENOMEM;
		c->choice = ch;
		c->cap = cap;
	}
	c->eids = eids;
	c->n = n;
	for (size_t i = 0; i < n; i++)
		slots += 2 * c->edges[eids[i]].maxheld;
	if (slots > c->nslots) {
		size_t ns = c->nslots ? c->nslots : 64;
		cyc_slot *s;

		while (ns < slots)
			ns *= 2;
		s = realloc(c->slots, ns * sizeof(*s));
		if (!s)
			return -ENOMEM;
		c->slots = s;
		c->nslots = ns;
	}
	return cyc_classify(c);
}

static int cyc_process(lh_model *m, lh_process *p, const lh_analysis_opts *o,
		       const lh_order *ord, uint64_t *nedges)
{
	cyc_ctx c;
	lh_digraph g;
	lh_cycle_walk *w = NULL;
	uint32_t *src = NULL, *dst = NULL, *comp = NULL, *members = NULL;
	size_t *cstart = NULL, ncomp = 0;
	unsigned max_more = o && o->max_cycles ? o->max_cycles : MAX_CYCLES_DEF;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&g, 0, sizeof(g));
	c.m = m;
	c.p = p;
	c.ord = ord;
	rc = cyc_build(&c);
	if (rc)
		goto out;
	*nedges += c.nedges;
	if (c.nedges == 0)
		goto out;
	rc = hb_build(&c.hb, p);
	if (rc)
		goto out;
	src = malloc(c.nedges * sizeof(*src));
	dst = malloc(c.nedges * sizeof(*dst));
	comp = malloc(c.nnodes * sizeof(*comp));
	members = malloc(c.nnodes * sizeof(*members));
	if (!src || !dst || !comp || !members) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c.nedges; i++) {
		src[i] = c.edges[i].from;
		dst[i] = c.edges[i].to;
	}
	rc = graph_build(&g, c.nnodes, src, dst, c.nedges);
	if (!rc)
		rc = graph_scc(&g, comp, &ncomp);
	if (rc)
		goto out;
	/* members grouped by component (counting sort) */
	cstart = calloc(ncomp + 1, sizeof(*cstart));
	if (!cstart) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t v = 0; v < c.nnodes; v++)
		cstart[comp[v] + 1]++;
	for (size_t k = 0; k < ncomp; k++)
		cstart[k + 1] += cstart[k];
	{
		size_t *fill = calloc(ncomp ? ncomp : 1, sizeof(*fill));

		if (!fill) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t v = 0; v < c.nnodes; v++)
			members[cstart[comp[v]] + fill[comp[v]]++] = (uint32_t)v;
		free(fill);
	}
	rc = graph_walk_new(&w, &g, comp);
	if (rc)
		goto out;
	/* components in topological order (Tarjan numbers them in reverse) */
	for (size_t k = ncomp; k-- > 0 && !rc;) {
		size_t n = cstart[k + 1] - cstart[k];

		if (n >= 2)
			rc = graph_component_cycles(w, (uint32_t)k, &members[cstart[k]], n,
						    max_more, cyc_on_cycle, &c);
	}
out:
	graph_walk_free(w);
	graph_free(&g);
	free(src);
	free(dst);
	free(comp);
	free(members);
	free(cstart);
	cyc_free(&c);
	return rc;
}

int pass_cycles(lh_model *m, const lh_analysis_opts *o, const lh_order *ord, uint64_t *nedges)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		int rc = cyc_process(m, m->procs[i], o, ord, nedges);

		if (rc)
			return rc;
	}
	return 0;
}
