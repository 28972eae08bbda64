/*
 * pass_races.c - `race` findings from guarded-memory observations (REGION
 * and ACCESS records): the Eraser lockset algorithm, one granule per region
 * (the whole guarded object), with happens-before from create and join.
 *
 * Why this is enough.  The shim records, per region, the first read and the
 * first write of each thread in each lock epoch (between two of its lock
 * operations).  A thread's lockset cannot change inside an epoch, so later
 * accesses of the same kind in that epoch would bring nothing new to the
 * candidate set: the observations are exactly the inputs Eraser needs.
 * `seq` is a process-wide counter taken at the fault, so sorting a region's
 * observations by seq replays them in the order they happened.
 *
 * The state machine, per region (states after an access):
 *
 *   Virgin      first access -> Exclusive(owner = its thread).
 *   Exclusive   the owner again: stay (its last access is remembered).
 *               another thread T whose (tid, seg) the owner's last access
 *               happens before (hb.c): Exclusive(owner = T): initialise,
 *               then pthread_create; pthread_join, then read.
 *               otherwise Shared (a read) or Shared-Modified (a write),
 *               C = lockset(owner's last) ∩ lockset(this).
 *   Shared      C ∩= lockset; a write moves to Shared-Modified.
 *   Shared-Mod. C ∩= lockset.
 *
 * A write's lockset counts only locks held in write mode; a read counts
 * both modes, so rwlock readers under a read lock and writers under the
 * write lock share the lock in C.
 *
 * Reports.  When an access leaves the region Shared-Modified with C empty,
 * it is paired with the most recent access of another thread that does not
 * happen before it, where at least one of the two writes and their
 * locksets have no lock in common (else the most recent concurrent access
 * of another thread at all: three threads can empty C pairwise-protected).
 * An access with no concurrent partner (e.g. after every other thread was
 * joined) is not a race and reports nothing.  One finding per (object,
 * pair of access sites): later pairs of the same sites add to its count.
 *
 * A declared lock (REGION.lock) replaces the state machine: every access
 * that does not hold it (a write: in write mode) is a race at once, alone.
 *
 * ACCESS records naming a region the trace never armed are counted
 * (lh_process.access_unknown), reported once per trace, and ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

enum { RS_VIRGIN, RS_EXCL, RS_SHARED, RS_SHMOD, RS_DECLARED };

static const char *const rs_names[] = {
	[RS_VIRGIN] = "virgin", [RS_EXCL] = "exclusive",
	[RS_SHARED] = "shared", [RS_SHMOD] = "shared-modified",
	[RS_DECLARED] = "declared lock",
};

#define RACE_NONE ((size_t)-1)

/* A lock set as a growable array of lock ids. */
typedef struct race_set {
	uint64_t *ids;
	size_t    n, cap;
} race_set;

/* One remembered step of the history ring. */
typedef struct race_hist {
	size_t   acc;          /* index in p->accesses                          */
	int      state;
	int      has_cand;
	race_set held, cand;
} race_hist;

/* The last access of each thread that touched the region. */
typedef struct race_last {
	uint32_t tid;
	size_t   acc;
} race_last;

/* Findings made for this process, by id. */
typedef struct race_seen {
	char            id[17];
	size_t          at;    /* index in m->findings                          */
	UT_hash_handle  hh;
} race_seen;

/* A region id and the record describing it (the arming one when there is
 * one, else its END record: race_regions). */
typedef struct race_region {
	uint64_t         id;
	const lh_region *rec;
} race_region;

typedef struct race_ctx {
	lh_model     *m;
	lh_process   *p;
	lh_hb        *hb;
	race_seen    *seen;
	/* the region being replayed */
	const lh_region *reg;
	char         *objkey;  /* object part of ids                            */
	int           state;
	uint32_t      owner;
	size_t        owner_last;
	race_set      cand;
	race_set      la, lb;  /* scratch locksets                              */
	race_last    *last;    size_t nlast, caplast;
	race_hist     hist[LH_RACE_HISTORY];
	size_t        nhist, hpos;  /* steps kept, next slot                    */
} race_ctx;

/* ---- lock sets -------------------------------------------------------------- */

static int set_add(race_set *s, uint64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? 2 * s->cap : 8;
		uint64_t *ni = realloc(s->ids, nc * sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		s->ids = ni;
		s->cap = nc;
	}
	s->ids[s->n++] = id;
	return 0;
}

static int set_has(const race_set *s, uint64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return 1;
	return 0;
}

static int set_copy(race_set *d, const race_set *s)
{
	d->n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (set_add(d, s->ids[i]))
			return -ENOMEM;
	return 0;
}

static void set_intersect(race_set *c, const race_set *l)
{
	size_t out = 0;

	for (size_t i = 0; i < c->n; i++)
		if (set_has(l, c->ids[i]))
			c->ids[out++] = c->ids[i];
	c->n = out;
}

static int set_disjoint(const race_set *a, const race_set *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (set_has(b, a->ids[i]))
			return 0;
	return 1;
}

static void set_free(race_set *s)
{
	free(s->ids);
	memset(s, 0, sizeof(*s));
}

/* The lockset an access counts: a write only locks held in write mode, a
 * read every lock held. */
static int race_lockset(const lh_access *a, race_set *out)
{
	out->n = 0;
	for (uint32_t i = 0; i < a->nlocks; i++) {
		if (a->write && !(a->locks[i].mode & LH_MODE_WRITE))
			continue;
		if (set_add(out, a->locks[i].lock))
			return -ENOMEM;
	}
	return 0;
}

/* ---- finding records ---------------------------------------------------------- */

void lh_race_free(lh_race *r)
{
	if (!r)
		return;
	free(r->object);
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].held);
		free(r->steps[i].cand);
	}
	free(r->steps);
	free(r->held[0]);
	free(r->held[1]);
	free(r);
}

/* Locks of a set resolved (unknown ids are left out). */
static int race_locks(lh_process *p, const race_set *s, lh_lock ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!s->n)
		return 0;
	*out = calloc(s->n, sizeof(lh_lock *));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		lh_lock *l = lh_lock_find(p, s->ids[i]);

		if (l)
			(*out)[(*n)++] = l;
	}
	return 0;
}

/* The locks held at an access, parallel to a->locks (NULL when unknown). */
static int race_held(lh_process *p, const lh_access *a, lh_lock ***out, size_t *n)
{
	*out = NULL;
	*n = a->nlocks;
	if (!a->nlocks)
		return 0;
	*out = calloc(a->nlocks, sizeof(lh_lock *));
	if (!*out)
		return -ENOMEM;
	for (uint32_t i = 0; i < a->nlocks; i++)
		(*out)[i] = lh_lock_find(p, a->locks[i].lock);
	return 0;
}

static const char *race_source(const lh_region *g)
{
	if (g->flags & LH_REGION_HEAP)
		return "heap";
	if (g->flags & LH_REGION_SYMBOL)
		return "global";
	return "annotated";
}

/* "counter", or "heap object of 8 bytes allocated at main (x.c:3)". */
static char *race_object_name(lh_process *p, const lh_region *g)
{
	lh_stack *s = lh_stack_find(p, g->alloc_stack);
	char where[1200];

	if (g->name[0])
		return strdup(g->name);
	if (s)
		ids_func_where(p, s, where, sizeof(where));
	if (g->flags & LH_REGION_HEAP)
		return s ? pass_printf("heap object of %llu bytes allocated at %s",
				       (unsigned long long)g->len, where)
			 : pass_printf("heap object of %llu bytes (allocation stack not recorded)",
				       (unsigned long long)g->len);
	return s ? pass_printf("region of %llu bytes guarded at %s", (unsigned long long)g->len, where)
		 : pass_printf("region of %llu bytes", (unsigned long long)g->len);
}

/* The object part of ids: its name, else where it was allocated/guarded. */
static char *race_object_key(lh_process *p, const lh_region *g)
{
	char site[1200];

	if (g->name[0])
		return pass_printf("obj:%s", g->name);
	ids_site(p, lh_stack_find(p, g->alloc_stack), site, sizeof(site));
	return pass_printf("%s@%s", (g->flags & LH_REGION_HEAP) ? "heap" : "region", site);
}

/* "m, rw (read)" or "no lock". */
char *lh_race_held_text(const lh_access *a, lh_lock *const *held)
{
	char *s;

	if (!a->nlocks)
		return strdup("no lock");
	s = strdup("");
	for (uint32_t i = 0; i < a->nlocks && s; i++) {
		char idbuf[40], *n;
		const char *name = held[i] ? held[i]->name : NULL;

		if (!name) {
			snprintf(idbuf, sizeof(idbuf), "lock #%llu", (unsigned long long)a->locks[i].lock);
			name = idbuf;
		}
		n = pass_printf("%s%s%s%s", s, i ? ", " : "", name,
				(a->locks[i].mode & LH_MODE_WRITE) ? "" : " (read)");
		free(s);
		s = n;
	}
	return s;
}

/* "written by thread 2 in worker() holding no lock" */
static char *race_side_text(lh_process *p, const lh_access *a, lh_lock *const *held)
{
	char fn[1024], who[64];
	lh_thread *t = lh_thread_find(p, a->tid);
	char *h = lh_race_held_text(a, held), *s;

	ids_function(p, lh_stack_find(p, a->stack), fn, sizeof(fn));
	if (t && t->name && t->name[0])
		snprintf(who, sizeof(who), "%u (%s)", a->tid, t->name);
	else
		snprintf(who, sizeof(who), "%u", a->tid);
	s = h ? pass_printf("%s by thread %s%s in %s holding %s", a->write ? "written" : "read",
			    who, (a->flags & LH_ACCESS_KERNEL) ? " (a system call's buffer)" : "",
			    fn, h) : NULL;
	free(h);
	return s;
}

static char *race_summary(lh_process *p, const lh_race *r, const lh_access *a,
			  const lh_access *b)
{
	const lh_region *g = r->region;
	char *sa = NULL, *sb = NULL, *obj, *s = NULL;

	if (g->name[0])
		obj = pass_printf("'%s' (%s, %llu bytes at 0x%llx)", r->object, r->source,
				  (unsigned long long)g->len, (unsigned long long)g->addr);
	else {
		lh_stack *st = lh_stack_find(p, g->alloc_stack);
		char where[1200];

		if (st)
			ids_func_where(p, st, where, sizeof(where));
		obj = pass_printf("a %s of %llu bytes at 0x%llx%s%s",
				  (g->flags & LH_REGION_HEAP) ? "heap object" : "guarded region",
				  (unsigned long long)g->len, (unsigned long long)g->addr,
				  st ? ((g->flags & LH_REGION_HEAP) ? ", allocated at " : ", guarded at ") : "",
				  st ? where : "");
	}
	sa = race_side_text(p, a, r->held[0]);
	if (b)
		sb = race_side_text(p, b, r->held[1]);
	if (!obj || !sa || (b && !sb))
		goto out;
	if (b)
		s = pass_printf("race on %s: %s, and %s", obj, sa, sb);
	else
		s = pass_printf("race on %s: %s, without %s%s, the lock declared to protect it",
				obj, sa, r->declared ? r->declared->name : "its lock",
				a->write && r->declared && r->declared->kind == LH_LOCK_RWLOCK ?
				" in write mode" : "");
out:
	free(obj);
	free(sa);
	free(sb);
	return s;
}

/* Copies the history ring (oldest first) into r->steps. */
static int race_history(race_ctx *c, lh_race *r)
{
	r->steps = calloc(c->nhist ? c->nhist : 1, sizeof(*r->steps));
	if (!r->steps)
		return -ENOMEM;
	for (size_t k = 0; k < c->nhist; k++) {
		size_t slot = (c->hpos + LH_RACE_HISTORY - c->nhist + k) % LH_RACE_HISTORY;
		const race_hist *h = &c->hist[slot];
		const lh_access *a = &c->p->accesses[h->acc];
		lh_race_step *st = &r->steps[r->nsteps++];

		st->seq = a->seq;
		st->tid = a->tid;
		st->write = a->write;
		st->state = rs_names[h->state];
		st->has_cand = h->has_cand;
		if (race_locks(c->p, &h->held, &st->held, &st->nheld) ||
		    race_locks(c->p, &h->cand, &st->cand, &st->ncand))
			return -ENOMEM;
	}
	return 0;
}

static int race_event(lh_finding *f, lh_process *p, const lh_access *a, lh_lock *const *held)
{
	lh_fevent *e;
	int rc = pass_add_event(f, "access", a->tid, NULL, lh_stack_find(p, a->stack),
				a->write ? LH_MODE_WRITE : 0);

	if (rc)
		return rc;
	e = &f->events[f->nevents - 1];
	e->access = a;
	e->held = held;
	e->nheld = a->nlocks;
	for (uint32_t i = 0; i < a->nlocks && !rc; i++)
		rc = pass_add_lock(f, held[i]);
	if (!rc)
		rc = pass_add_thread(f, lh_thread_find(p, a->tid));
	return rc;
}

/* A new finding for access a (and b, its partner, NULL for a declared
 * lock), with id already computed. */
static int race_new(race_ctx *c, const char *id, const lh_access *a, const lh_access *b)
{
	lh_process *p = c->p;
	const lh_access *first = b ? b : a, *second = b ? a : NULL;
	lh_finding *f;
	lh_race *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	r->region = c->reg;
	r->source = race_source(c->reg);
	r->declared = c->reg->lock ? lh_lock_find(p, c->reg->lock) : NULL;
	r->object = race_object_name(p, c->reg);
	if (!r->object || race_held(p, first, &r->held[0], &r->nheld[0]) ||
	    (second && race_held(p, second, &r->held[1], &r->nheld[1])) || race_history(c, r)) {
		lh_race_free(r);
		return -ENOMEM;
	}
	f = pass_add_finding(c->m, LH_KIND_RACE, p);
	if (!f) {
		lh_race_free(r);
		return -ENOMEM;
	}
	f->race = r;
	memcpy(f->id, id, sizeof(f->id));
	rc = race_event(f, p, first, r->held[0]);
	if (!rc && second)
		rc = race_event(f, p, second, r->held[1]);
	if (!rc && (c->reg->flags & LH_REGION_HEAP) && c->reg->alloc_stack)
		rc = pass_add_event(f, "alloc", c->reg->tid, NULL,
				    lh_stack_find(p, c->reg->alloc_stack), 0);
	if (!rc)
		rc = pass_add_lock(f, r->declared);
	if (rc)
		return rc;
	f->summary = race_summary(p, r, first, second);
	f->fix = fix_race(f);
	return f->summary && f->fix ? 0 : -ENOMEM;
}

/* Reports the pair (b, a), b earlier, or a alone (declared lock). */
static int race_report(race_ctx *c, size_t ai, size_t bi)
{
	const lh_access *a = &c->p->accesses[ai];
	const lh_access *b = bi == RACE_NONE ? NULL : &c->p->accesses[bi];
	char id[17], sa[1200], sb[1200];
	race_seen *s;
	int rc;

	ids_site(c->p, lh_stack_find(c->p, a->stack), sa, sizeof(sa));
	if (b)
		ids_site(c->p, lh_stack_find(c->p, b->stack), sb, sizeof(sb));
	else
		snprintf(sb, sizeof(sb), "declared");
	ids_race(id, c->objkey, sa, sb);
	HASH_FIND_STR(c->seen, id, s);
	if (s) {
		c->m->findings[s->at].count++;
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s->id, id, sizeof(s->id));
	s->at = c->m->nfindings;
	HASH_ADD_STR(c->seen, id, s);
	rc = race_new(c, id, a, b);
	return rc;
}

/* "{m, rw}" or "{}" */
static char *race_names(lh_lock *const *l, size_t n)
{
	char *s = strdup("{");

	for (size_t i = 0; i < n && s; i++) {
		char *x = pass_printf("%s%s%s", s, i ? ", " : "", l[i]->name);

		free(s);
		s = x;
	}
	if (s) {
		char *x = pass_printf("%s}", s);

		free(s);
		s = x;
	}
	return s;
}

char *lh_race_step_text(const lh_race_step *st)
{
	char *held = race_names(st->held, st->nheld);
	char *cand = st->has_cand ? race_names(st->cand, st->ncand) : strdup("-");
	char *s = NULL;

	if (held && cand)
		s = pass_printf("#%llu T%u %s holding %s: %s, C = %s",
				(unsigned long long)st->seq, st->tid, st->write ? "write" : "read ",
				held, st->state, cand);
	free(held);
	free(cand);
	return s;
}

/* ---- the engine ------------------------------------------------------------------ */

static int race_note_last(race_ctx *c, size_t ai)
{
	const lh_access *a = &c->p->accesses[ai];

	for (size_t i = 0; i < c->nlast; i++)
		if (c->last[i].tid == a->tid) {
			c->last[i].acc = ai;
			return 0;
		}
	if (c->nlast == c->caplast) {
		size_t nc = c->caplast ? 2 * c->caplast : 8;
		race_last *nl = realloc(c->last, nc * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		c->last = nl;
		c->caplast = nc;
	}
	c->last[c->nlast].tid = a->tid;
	c->last[c->nlast++].acc = ai;
	return 0;
}

static int race_push_hist(race_ctx *c, size_t ai, const race_set *held)
{
	race_hist *h = &c->hist[c->hpos];

	h->acc = ai;
	h->state = c->state;
	h->has_cand = c->state == RS_SHARED || c->state == RS_SHMOD;
	if (set_copy(&h->held, held) || set_copy(&h->cand, &c->cand))
		return -ENOMEM;
	c->hpos = (c->hpos + 1) % LH_RACE_HISTORY;
	if (c->nhist < LH_RACE_HISTORY)
		c->nhist++;
	return 0;
}

/* The partner of access a for a report (see the top comment), or RACE_NONE.
 * fallback: a concurrent access that shares a lock with a will do (only
 * for the access that emptied C). */
static size_t race_partner(race_ctx *c, size_t ai, const race_set *la, int fallback)
{
	const lh_access *a = &c->p->accesses[ai];
	size_t best = RACE_NONE, any = RACE_NONE;

	for (size_t i = 0; i < c->nlast; i++) {
		const lh_access *b = &c->p->accesses[c->last[i].acc];

		if (b->tid == a->tid || hb_before(c->hb, b->tid, b->seg, a->tid, a->seg))
			continue;
		if (any == RACE_NONE || b->seq > c->p->accesses[any].seq)
			any = c->last[i].acc;
		if (!a->write && !b->write)
			continue;
		if (race_lockset(b, &c->lb))
			return RACE_NONE;
		if (!set_disjoint(la, &c->lb))
			continue;
		if (best == RACE_NONE || b->seq > c->p->accesses[best].seq)
			best = c->last[i].acc;
	}
	return best != RACE_NONE ? best : fallback ? any : RACE_NONE;
}

static int race_declared_holds(const lh_access *a, uint64_t lock)
{
	for (uint32_t i = 0; i < a->nlocks; i++)
		if (a->locks[i].lock == lock && (!a->write || (a->locks[i].mode & LH_MODE_WRITE)))
			return 1;
	return 0;
}

/* One access of the current region, in seq order. */
static int race_step(race_ctx *c, size_t ai)
{
	const lh_access *a = &c->p->accesses[ai];
	int was_empty = c->state == RS_SHMOD && c->cand.n == 0;
	int rc = race_lockset(a, &c->la);

	if (rc)
		return rc;
	if (c->reg->lock) {
		c->state = RS_DECLARED;
		rc = race_push_hist(c, ai, &c->la);
		if (!rc && !race_declared_holds(a, c->reg->lock))
			rc = race_report(c, ai, RACE_NONE);
		return rc;
	}
	switch (c->state) {
	case RS_VIRGIN:
		c->state = RS_EXCL;
		c->owner = a->tid;
		c->owner_last = ai;
		break;
	case RS_EXCL: {
		const lh_access *o = &c->p->accesses[c->owner_last];

		if (a->tid == c->owner || hb_before(c->hb, o->tid, o->seg, a->tid, a->seg)) {
			c->owner = a->tid;
			c->owner_last = ai;
			break;
		}
		rc = race_lockset(o, &c->cand);
		if (rc)
			return rc;
		set_intersect(&c->cand, &c->la);
		c->state = a->write ? RS_SHMOD : RS_SHARED;
		break;
	}
	case RS_SHARED:
		set_intersect(&c->cand, &c->la);
		if (a->write)
			c->state = RS_SHMOD;
		break;
	default:
		set_intersect(&c->cand, &c->la);
		break;
	}
	rc = race_push_hist(c, ai, &c->la);
	if (!rc && c->state == RS_SHMOD && c->cand.n == 0) {
		size_t bi = race_partner(c, ai, &c->la, !was_empty);

		if (bi != RACE_NONE)
			rc = race_report(c, ai, bi);
	}
	if (!rc)
		rc = race_note_last(c, ai);
	return rc;
}

static void race_reset(race_ctx *c, const lh_region *reg)
{
	c->reg = reg;
	c->state = RS_VIRGIN;
	c->owner = 0;
	c->owner_last = RACE_NONE;
	c->cand.n = 0;
	c->nlast = 0;
	c->nhist = 0;
	c->hpos = 0;
	free(c->objkey);
	c->objkey = NULL;
}

/* ---- per process -------------------------------------------------------------------- */

static int race_cmp_region(const void *x, const void *y)
{
	const race_region *a = x, *b = y;

	return (a->id > b->id) - (a->id < b->id);
}

static int race_cmp_access(const void *x, const void *y, void *arg)
{
	const lh_access *base = arg;
	const lh_access *a = &base[*(const size_t *)x];
	const lh_access *b = &base[*(const size_t *)y];

	if (a->region != b->region)
		return a->region < b->region ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return (*(const size_t *)x > *(const size_t *)y) - (*(const size_t *)x < *(const size_t *)y);
}

/* One entry per region id: the first non-END record, else the END one. */
static int race_regions(const lh_process *p, race_region **out, size_t *n)
{
	race_region *r = calloc(p->nregions ? p->nregions : 1, sizeof(*r));
	size_t k = 0;

	*out = r;
	*n = 0;
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < p->nregions; i++) {
		r[i].id = p->regions[i].id;
		r[i].rec = &p->regions[i];
	}
	/* stable by construction: ties broken below by keeping the arming one */
	qsort(r, p->nregions, sizeof(*r), race_cmp_region);
	for (size_t i = 0; i < p->nregions; i++) {
		if (r[i].id == 0)
			continue;           /* ids start at 1: corrupt */
		if (k && r[k - 1].id == r[i].id) {
			if ((r[k - 1].rec->flags & LH_REGION_END) && !(r[i].rec->flags & LH_REGION_END))
				r[k - 1].rec = r[i].rec;
			continue;
		}
		r[k++] = r[i];
	}
	*n = k;
	return 0;
}

static const race_region *race_find_region(const race_region *r, size_t n, uint64_t id)
{
	race_region key = { .id = id };

	return n ? bsearch(&key, r, n, sizeof(*r), race_cmp_region) : NULL;
}

static void race_ctx_free(race_ctx *c)
{
	race_seen *s = c->seen, *tmp;

	/* HASH_CLEAR frees the table; the items' next links stay valid */
	HASH_CLEAR(hh, c->seen);
	for (; s; s = tmp) {
		tmp = s->hh.next;
		free(s);
	}
	for (size_t i = 0; i < LH_RACE_HISTORY; i++) {
		set_free(&c->hist[i].held);
		set_free(&c->hist[i].cand);
	}
	set_free(&c->cand);
	set_free(&c->la);
	set_free(&c->lb);
	free(c->last);
	free(c->objkey);
	hb_free(c->hb);
}

static int race_process(lh_model *m, lh_process *p)
{
	race_ctx c = { .m = m, .p = p };
	race_region *regs = NULL;
	size_t nregs = 0, *order = NULL, n = 0;
	int rc;

	if (!p->naccesses)
		return 0;
	rc = race_regions(p, &regs, &nregs);
	order = malloc(p->naccesses * sizeof(*order));
	if (rc || !order)
		goto nomem;
	p->access_unknown = 0;
	for (size_t i = 0; i < p->naccesses; i++) {
		if (race_find_region(regs, nregs, p->accesses[i].region))
			order[n++] = i;
		else
			p->access_unknown++;
	}
	if (p->access_unknown)
		lh_diag("%s: %llu ACCESS record%s name%s no guarded region: ignored",
			p->trace_path ? p->trace_path : "trace",
			(unsigned long long)p->access_unknown, p->access_unknown == 1 ? "" : "s",
			p->access_unknown == 1 ? "s" : "");
	qsort_r(order, n, sizeof(*order), race_cmp_access, p->accesses);
	rc = hb_build(&c.hb, p);
	for (size_t i = 0; i < n && !rc; i++) {
		const lh_access *a = &p->accesses[order[i]];

		if (i == 0 || a->region != p->accesses[order[i - 1]].region) {
			race_reset(&c, race_find_region(regs, nregs, a->region)->rec);
			c.objkey = race_object_key(p, c.reg);
			if (!c.objkey)
				rc = -ENOMEM;
		}
		if (!rc)
			rc = race_step(&c, order[i]);
	}
	race_ctx_free(&c);
	free(regs);
	free(order);
	return rc;
nomem:
	free(regs);
	free(order);
	return -ENOMEM;
}

int pass_races(lh_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		int rc = race_process(m, m->procs[i]);

		if (rc)
			return rc;
	}
	return 0;
}
