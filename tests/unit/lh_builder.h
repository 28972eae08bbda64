/*
 * lh_builder.h - build an lh_model by hand for the analysis-pass unit tests
 * (test_cycles.c, test_graph.c, test_suppress.c).  Everything is allocated
 * the way lh_model_free() frees it; stacks get hand-made frames so no
 * symbolizer is involved, and locks get an annotation, so their name and
 * class are "NAME" and "name:NAME" whatever their address.
 *
 *   lh_model m; lh_model_init(&m);
 *   lh_process *p = b_proc(&m);
 *   b_thread(p, 1, 0, 0); b_thread(p, 2, 1, 0);
 *   lh_lock *a = b_lock(p, 1, "A"), *b = b_lock(p, 2, "B");
 *   b_dep(p, 1, 0, b, b_stack(p, 11, "t1", "x.c"), LH_MODE_WRITE,
 *         1, a, b_stack(p, 10, "t1", "x.c"), LH_MODE_WRITE);
 */
#ifndef LH_BUILDER_H
#define LH_BUILDER_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyzer/passes.h"

static inline void *b_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		abort();
	return p;
}

static inline char *b_strdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static inline lh_process *b_proc(lh_model *m)
{
	lh_process *p = b_alloc(sizeof(*p));
	lh_process **np = realloc(m->procs, (m->nprocs + 1) * sizeof(*np));

	if (!np)
		abort();
	m->procs = np;
	m->procs[m->nprocs++] = p;
	p->pid = 1000 + m->nprocs;
	return p;
}

static inline lh_thread *b_thread(lh_process *p, uint32_t tid, uint32_t parent, uint32_t pseg)
{
	lh_thread *t = b_alloc(sizeof(*t));

	t->tid = tid;
	t->parent_tid = parent;
	t->parent_seg = pseg;
	t->name = b_strdup("");
	HASH_ADD(hh, p->threads, tid, sizeof(t->tid), t);
	return t;
}

static inline lh_lock *b_lock_kind(lh_process *p, uint64_t id, const char *name, uint32_t kind,
			    uint32_t attrs)
{
	lh_lock *l = b_alloc(sizeof(*l));

	l->id = id;
	l->addr = 0x10000 + id * 64;
	l->kind = kind;
	l->attrs = attrs;
	l->name = b_strdup(name);
	l->annotation = b_strdup(name);
	l->level = LH_NO_LEVEL;
	l->proc = p;
	HASH_ADD(hh, p->locks, id, sizeof(l->id), l);
	return l;
}

static inline lh_lock *b_lock(lh_process *p, uint64_t id, const char *name)
{
	return b_lock_kind(p, id, name, LH_LOCK_MUTEX, 0);
}

/* A one-frame stack at function fn in file (module "prog"); the same id
 * returns the same stack. */
static inline lh_stack *b_stack(lh_process *p, uint64_t id, const char *fn, const char *file)
{
	lh_stack *s;

	HASH_FIND(hh, p->stacks, &id, sizeof(id), s);
	if (s)
		return s;
	s = b_alloc(sizeof(*s));
	s->id = id;
	s->depth = 1;
	s->pcs = b_alloc(sizeof(*s->pcs));
	s->pcs[0] = 0x400000 + id * 16;
	s->frames = b_alloc(sizeof(*s->frames));
	s->frames[0].pc = s->pcs[0];
	s->frames[0].function = fn;
	s->frames[0].file = file;
	s->frames[0].module = "prog";
	s->frames[0].line = (int)id;
	HASH_ADD(hh, p->stacks, id, sizeof(s->id), s);
	return s;
}

/* b_dep(p, tid, seg, lock, stack, mode, nheld, {lock, stack, mode}...) */
static inline lh_dep *b_dep(lh_process *p, uint32_t tid, uint32_t seg, lh_lock *l, lh_stack *s,
		     uint32_t mode, uint32_t nheld, ...)
{
	lh_dep *nd;
	va_list ap;

	if (pass_grow(&p->deps, p->ndeps, sizeof(*nd)))
		abort();
	nd = &p->deps[p->ndeps++];
	memset(nd, 0, sizeof(*nd));
	nd->tid = tid;
	nd->seg = seg;
	nd->lock = l;
	nd->stack = s ? s->id : 0;
	nd->mode = mode;
	nd->nheld = nheld;
	nd->held = b_alloc(nheld * sizeof(*nd->held));
	va_start(ap, nheld);
	for (uint32_t i = 0; i < nheld; i++) {
		lh_stack *hs;

		nd->held[i].lock = va_arg(ap, lh_lock *);
		hs = va_arg(ap, lh_stack *);
		nd->held[i].stack = hs ? hs->id : 0;
		nd->held[i].mode = va_arg(ap, uint32_t);
	}
	va_end(ap);
	return nd;
}

static inline void b_join(lh_process *p, uint32_t joiner, uint32_t jseg, uint32_t joined, uint32_t dseg)
{
	lh_join *nj = realloc(p->joins, (p->njoins + 1) * sizeof(*nj));

	if (!nj)
		abort();
	p->joins = nj;
	nj[p->njoins++] = (lh_join){ joiner, jseg, joined, dseg, 0 };
}

/* Findings of one kind that are not suppressed. */
static inline size_t b_count(const lh_model *m, lh_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nfindings; i++)
		if (m->findings[i].kind == k && !m->findings[i].suppressed)
			n++;
	return n;
}

static inline const lh_finding *b_first(const lh_model *m, lh_kind k)
{
	for (size_t i = 0; i < m->nfindings; i++)
		if (m->findings[i].kind == k)
			return &m->findings[i];
	return NULL;
}

static inline int b_analyze(lh_model *m)
{
	lh_analysis_opts o = { 0 };

	return lh_analyze(m, &o);
}

#endif
