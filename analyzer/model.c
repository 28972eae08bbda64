/*
 * model.c - life cycle of the analyzer's model (lh_model) and small lookups.
 *
 * Ownership (model.h): every process, thread, lock, stack, dependency and
 * finding hangs off the model and is freed here.  Findings own their
 * strings (what, summary, fix, detail) and their arrays, never the locks,
 * threads or stacks they point to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "analyzer.h"
#include "symbolize.h"

static const char *const kind_names[LH_KIND_COUNT] = {
	[LH_KIND_POTENTIAL_DEADLOCK] = "potential-deadlock",
	[LH_KIND_LOCK_ORDER]         = "lock-order",
	[LH_KIND_DEADLOCK]           = "deadlock",
	[LH_KIND_LEVEL_VIOLATION]    = "level-violation",
	[LH_KIND_RACE]               = "race",
	[LH_KIND_MISUSE]             = "misuse",
};

const char *lh_kind_name(lh_kind k)
{
	if ((unsigned)k >= LH_KIND_COUNT)
		return "unknown";
	return kind_names[k];
}

void lh_model_init(lh_model *m)
{
	memset(m, 0, sizeof(*m));
}

void lh_model_count(const lh_model *m, size_t counts[LH_KIND_COUNT])
{
	for (int k = 0; k < LH_KIND_COUNT; k++)
		counts[k] = 0;
	for (size_t i = 0; i < m->nfindings; i++) {
		const lh_finding *f = &m->findings[i];

		if (!f->suppressed && (unsigned)f->kind < LH_KIND_COUNT)
			counts[f->kind]++;
	}
}

lh_stack *lh_stack_find(const lh_process *p, uint64_t id)
{
	lh_stack *s = NULL;

	if (id == 0)
		return NULL;
	for (; p; p = p->parent) {
		HASH_FIND(hh, p->stacks, &id, sizeof(id), s);
		if (s)
			return s;
	}
	return NULL;
}

lh_lock *lh_lock_find(const lh_process *p, uint64_t id)
{
	lh_lock *l = NULL;

	for (; p; p = p->parent) {
		HASH_FIND(hh, p->locks, &id, sizeof(id), l);
		if (l && !l->placeholder)
			return l;
		/* inherited ids live in the parent, if we have its trace */
		if (!(p->flags & LH_FILE_FORKED) || id >= p->fork_lock_id)
			break;
	}
	return l;
}

lh_thread *lh_thread_find(const lh_process *p, uint32_t tid)
{
	lh_thread *t = NULL;

	HASH_FIND(hh, p->threads, &tid, sizeof(tid), t);
	return t;
}

const char *lh_thread_label(const lh_thread *t, char *buf, size_t n)
{
	if (t && t->name && t->name[0])
		snprintf(buf, n, "%s", t->name);
	else
		snprintf(buf, n, "T%u", t ? t->tid : 0u);
	return buf;
}

void lh_finding_release(lh_finding *f)
{
	free(f->summary);
	free(f->fix);
	free(f->detail);
	free(f->locks);
	free(f->threads);
	for (size_t i = 0; i < f->nevents; i++)
		free(f->events[i].what);
	free(f->events);
	lh_race_free(f->race);
	memset(f, 0, sizeof(*f));
}

static void process_free(lh_process *p)
{
	lh_thread *t = p->threads, *tt;
	lh_lock *l = p->locks, *lt;
	lh_stack *s = p->stacks, *st;
	lh_online *on = p->online;

	lh_symbolize_free(p);
	/* HASH_CLEAR frees each table; the items' next links stay valid */
	HASH_CLEAR(hh, p->threads);
	for (; t; t = tt) {
		tt = t->hh.next;
		free(t->name);
		free(t);
	}
	HASH_CLEAR(hh, p->locks);
	for (; l; l = lt) {
		lt = l->hh.next;
		free(l->name);
		free(l->annotation);
		free(l);
	}
	HASH_CLEAR(hh, p->stacks);
	for (; s; s = st) {
		st = s->hh.next;
		free(s->frames);
		if (s->pcs != (uint64_t *)(s + 1))
			free(s->pcs);       /* built by hand, e.g. in a unit test */
		free(s);
	}
	for (size_t i = 0; i < p->ndeps; i++)
		free(p->deps[i].held);
	free(p->deps);
	for (size_t i = 0; i < p->nonline; i++) {
		free(on[i].parts);
		free(on[i].message);
	}
	free(on);
	for (size_t i = 0; i < p->nmodules; i++)
		free(p->modules[i].path);
	free(p->modules);
	for (size_t i = 0; i < p->nregions; i++)
		free(p->regions[i].name);
	free(p->regions);
	free(p->accesses);
	free(p->joins);
	for (uint32_t i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	free(p->exe);
	free(p->trace_path);
	if (p->map)
		munmap(p->map, p->map_len);
	free(p);
}

void lh_model_free(lh_model *m)
{
	lh_class *c = m->classes, *ct;

	for (size_t i = 0; i < m->nprocs; i++)
		process_free(m->procs[i]);
	free(m->procs);
	HASH_CLEAR(hh, m->classes);
	for (; c; c = ct) {
		ct = c->hh.next;
		free(c->key);
		free(c->name);
		free(c);
	}
	for (size_t i = 0; i < m->nfindings; i++)
		lh_finding_release(&m->findings[i]);
	free(m->findings);
	for (size_t i = 0; i < m->npruned; i++) {
		free(m->pruned[i].reason);
		lh_finding_release(&m->pruned[i].cycle);
	}
	free(m->pruned);
	free(m->title);
	memset(m, 0, sizeof(*m));
}
