/*
 * pass_levels.c - the lock hierarchy checked offline, and --suggest-levels.
 *
 * The rule (Nim's lock levels, FreeBSD WITNESS's declared order): a thread
 * holding a lock of level M may only acquire locks of level N < M.  Locks
 * of one level may be held together only when one multi-lock call
 * (lh_lock_many, LH_MODE_MULTI on both) took them.  A leaf lock
 * (LH_ATTR_LEAF) may not be held while acquiring any other lock.  Locks
 * without a level are not checked against levels.
 *
 * Offline, every DEP is checked against the lowest level it holds (the
 * latest-taken lock of that level: the one the acquisition actually
 * passes).  Successful trylocks are not checked: they cannot block, so they
 * cannot take part in a deadlock.  A violation the shim already reported
 * online for the same pair of sites has the same id and is not added twice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

static void lv_level_text(char *buf, size_t n, int64_t level)
{
	if (level == LH_NO_LEVEL)
		snprintf(buf, n, "no level");
	else
		snprintf(buf, n, "level %lld", (long long)level);
}

static lh_finding *lv_make(lh_model *m, lh_process *p, const lh_level_pair *lp)
{
	lh_finding *f = pass_add_finding(m, LH_KIND_LEVEL_VIOLATION, p);
	char hl[48], al[48], where[1024];
	const char *hn = lp->held ? lp->held->name : "?", *an = lp->acq ? lp->acq->name : "?";
	int leaf = lp->held && (lp->held->attrs & LH_ATTR_LEAF) &&
		   (lp->hlevel == LH_NO_LEVEL || lp->alevel == LH_NO_LEVEL ||
		    lp->alevel < lp->hlevel);
	int rc;

	if (!f)
		return NULL;
	rc = pass_add_event(f, "hold", lp->tid, lp->held, lp->hstack, lp->hmode);
	if (!rc)
		rc = pass_add_event(f, "acquire", lp->tid, lp->acq, lp->astack, lp->amode);
	if (!rc)
		rc = pass_add_lock(f, lp->held);
	if (!rc)
		rc = pass_add_lock(f, lp->acq);
	if (!rc)
		rc = pass_add_thread(f, lh_thread_find(p, lp->tid));
	if (rc)
		return NULL;
	lv_level_text(hl, sizeof(hl), lp->hlevel);
	lv_level_text(al, sizeof(al), lp->alevel);
	ids_where(p, lp->astack, where, sizeof(where));
	if (leaf) {
		f->summary = pass_printf("level violation: acquiring %s while holding leaf lock %s",
					 an, hn);
		f->fix = pass_printf("%s is declared a leaf: nothing may be locked while it is "
				     "held. Release %s before taking %s at %s, or drop the leaf "
				     "declaration.", hn, hn, an, where);
	} else {
		f->summary = pass_printf("level violation: acquiring %s (%s) while holding %s (%s)",
					 an, al, hn, hl);
		if (lp->alevel == lp->hlevel)
			f->fix = pass_printf(
				"%s and %s have the same level %lld: locks of one level may only "
				"be held together when one lh_lock_many() call takes them (it "
				"orders them by address). Use lh_lock_many() at %s, or give them "
				"different levels.", hn, an, (long long)lp->hlevel, where);
		else
			f->fix = pass_printf(
				"A thread holding a lock of level M may only acquire locks of "
				"lower levels. Take %s before %s, release %s before %s, or, if the "
				"order at %s is the intended one, give %s a level lower than %s's.",
				an, hn, hn, where, where, an, hn);
	}
	f->detail = pass_printf("%s%srule: holding level M, only levels N < M may be "
				"acquired; same-level locks only through lh_lock_many()",
				lp->message ? lp->message : "", lp->message ? "; " : "");
	if (!f->summary || !f->fix || !f->detail)
		return NULL;
	ids_compute(f);
	return f;
}

int pass_level_finding(lh_model *m, lh_process *p, const lh_level_pair *lp)
{
	return lv_make(m, p, lp) ? 0 : -ENOMEM;
}

typedef struct lv_id {
	char            id[17];
	UT_hash_handle  hh;
} lv_id;

static int lv_check(lh_model *m, lh_process *p, const lh_dep *d, lv_id **online)
{
	const lh_held *low = NULL, *leaf = NULL;
	int64_t n = d->lock->level;
	lh_level_pair lp;
	lh_finding *f;
	lv_id *seen;

	for (uint32_t h = 0; h < d->nheld; h++) {
		const lh_held *hd = &d->held[h];

		if (!hd->lock || hd->lock == d->lock)
			continue;
		if ((hd->lock->attrs & LH_ATTR_LEAF) && !leaf)
			leaf = hd;
		if (hd->lock->level != LH_NO_LEVEL &&
		    (!low || hd->lock->level <= low->lock->level))
			low = hd;
	}
	if (low && n != LH_NO_LEVEL &&
	    (n < low->lock->level ||
	     (n == low->lock->level && (low->mode & LH_MODE_MULTI) && (d->mode & LH_MODE_MULTI))))
		low = NULL;             /* legal */
	if (low && n == LH_NO_LEVEL)
		low = NULL;
	if (!low)
		low = leaf;
	if (!low)
		return 0;
	lp = (lh_level_pair){
		.tid = d->tid,
		.held = low->lock, .hstack = lh_stack_find(p, low->stack),
		.hmode = low->mode, .hlevel = low->lock->level,
		.acq = d->lock, .astack = lh_stack_find(p, d->stack),
		.amode = d->mode, .alevel = n, .message = NULL,
	};
	f = lv_make(m, p, &lp);
	if (!f)
		return -ENOMEM;
	HASH_FIND_STR(*online, f->id, seen);
	if (seen) {             /* the shim saw this one: keep its finding */
		lh_finding_release(f);
		m->nfindings--;
	}
	return 0;
}

int pass_levels(lh_model *m)
{
	lv_id *online = NULL, *e, *t;
	int rc = 0;

	for (size_t i = 0; i < m->nfindings && !rc; i++) {
		const lh_finding *f = &m->findings[i];

		if (f->kind != LH_KIND_LEVEL_VIOLATION || !f->id[0])
			continue;
		HASH_FIND_STR(online, f->id, e);
		if (e)
			continue;
		e = calloc(1, sizeof(*e));
		if (!e) {
			rc = -ENOMEM;
			break;
		}
		memcpy(e->id, f->id, sizeof(e->id));
		HASH_ADD_STR(online, id, e);
	}
	for (size_t i = 0; i < m->nprocs && !rc; i++) {
		lh_process *p = m->procs[i];

		for (size_t j = 0; j < p->ndeps && !rc; j++) {
			const lh_dep *d = &p->deps[j];

			if (d->lock && !(d->mode & LH_MODE_TRY) && d->nheld)
				rc = lv_check(m, p, d, &online);
		}
	}
	e = online;
	HASH_CLEAR(hh, online);
	for (; e; e = t) {
		t = e->hh.next;
		free(e);
	}
	return rc;
}

/* ---- --suggest-levels -------------------------------------------------------- */

/* The name a levels file can use for a class, or NULL (init-site classes
 * have none: their level must be set with the API). */
static const char *lv_file_name(const lh_order_class *c)
{
	const char *k = c->key, *n = NULL;

	if (!strncmp(k, "sym:", 4))
		n = k + 4;
	else if (!strncmp(k, "name:", 5))
		n = k + 5;
	if (!n || !*n || strpbrk(n, " \t#\r\n"))
		return NULL;
	return n;
}

static const char *lv_class_name(const lh_order_class *c)
{
	const lh_lock *l = c->sample;

	return l->cls && l->cls->name ? l->cls->name : l->name;
}

static int lv_named(const lh_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		const lh_lock *l;

		for (l = m->procs[i]->locks; l; l = l->hh.next)
			if (!l->cls || !l->name)
				return 0;
	}
	return 1;
}

int lh_suggest_levels(lh_model *m, FILE *out)
{
	lh_order *o = NULL;
	int rc = 0;
	size_t nfb = 0;

	if (!lv_named(m))
		rc = lh_model_name_locks(m);
	if (!rc)
		rc = order_build(&o, m);
	if (rc)
		return rc;
	fprintf(out, "# lockhound --suggest-levels: a levels file (LOCKNAME LEVEL a line)\n"
		     "# consistent with the lock orders observed; where they form a cycle,\n"
		     "# the acquisitions to change are listed at the end.  A thread holding\n"
		     "# a lock of level M may only acquire locks of lower levels: the lock\n"
		     "# taken first has the highest level.  Levels step by 10 to leave room.\n");
	if (o->n == 0)
		fprintf(out, "# no lock was taken while holding another: nothing to order\n");
	for (size_t r = 0; r < o->n; r++) {
		const lh_order_class *c = &o->classes[o->by_rank[r]];
		const char *name = lv_file_name(c);
		long level = order_level(o, (long)r);

		if (name)
			fprintf(out, "%s %ld\n", name, level);
		else
			fprintf(out, "# %s %ld   (no global name: set this level with "
				"lh_lock_level() where the lock is initialised)\n",
				lv_class_name(c), level);
	}
	for (size_t i = 0; i < o->narcs; i++) {
		const lh_order_arc *a = &o->arcs[i];
		char where[1024];

		if (!a->feedback && a->from != a->to)
			continue;
		ids_where(a->proc, lh_stack_find(a->proc, a->dep->stack), where, sizeof(where));
		if (a->feedback) {
			if (nfb++ == 0)
				fprintf(out, "# The observed orders form a cycle; these acquisitions "
					     "go against the\n# order above and are the places to "
					     "change:\n");
			fprintf(out, "# change: %s is taken before %s at %s\n",
				lv_class_name(&o->classes[a->from]),
				lv_class_name(&o->classes[a->to]), where);
		} else {
			fprintf(out, "# same level: two locks of class %s are held together at "
				"%s: take them with lh_lock_many() (address order)\n",
				lv_class_name(&o->classes[a->from]), where);
		}
	}
	order_free(o);
	return ferror(out) ? -EIO : 0;
}
