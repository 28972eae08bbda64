/*
 * naming.c - lock names and lock classes.
 *
 * Name, best first: the annotation (LOCK tail or LOCK_NAME), the global
 * data symbol containing the lock ("bank_lock", "accounts+64"), the init
 * or first-use site ("mutex at bank.c:42 (account_init)"), the id.
 *
 * Class key (what stable ids hash, so no addresses and no line-independent
 * junk):
 *   name:<annotation>           annotated locks
 *   sym:<symbol>                a lock that is a whole global object
 *   site:<fn>@<file>:<line>     init site, innermost frame of user code
 *   site:<fn>@<file>:<line><<caller>@<file>:<line>
 *                               the same when <fn> looks like a wrapper that
 *                               initialises locks for many callers ("init",
 *                               "create", "new" in its name) and its caller
 *                               is in the same module: each call site of
 *                               the wrapper is its own class
 *   id:<pid>:<id>               nothing better known (no stack)
 * Frames in libc, libpthread, libstdc++, libgcc, the dynamic loader and the
 * shim are never "user code".  Files are basenames, so a class is the same
 * whichever directory the program was built in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer.h"
#include "symbolize.h"

static const char *naming_kind(uint32_t kind)
{
	switch (kind) {
	case LH_LOCK_MUTEX:  return "mutex";
	case LH_LOCK_RWLOCK: return "rwlock";
	case LH_LOCK_SPIN:   return "spinlock";
	case LH_LOCK_MTX:    return "mtx";
	default:             return "lock";
	}
}

static int naming_system_module(const char *mod)
{
	static const char *const sys[] = {
		"libc.so", "libc-", "libpthread", "libstdc++", "libgcc_s", "ld-linux",
		"ld64.so", "liblockhound.so", "libdl.so",
	};

	for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (strncmp(mod, sys[i], strlen(sys[i])) == 0)
			return 1;
	return 0;
}

static const char *naming_base(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* Index of the innermost user frame at or after `from`, or -1. */
static int naming_user_frame(const lh_stack *s, uint32_t from)
{
	for (uint32_t i = from; i < s->depth; i++)
		if (!naming_system_module(s->frames[i].module))
			return (int)i;
	return -1;
}

static int naming_wrapper_like(const char *fn)
{
	return strcasestr(fn, "init") || strcasestr(fn, "create") || strcasestr(fn, "new");
}

static void naming_site(char *buf, size_t n, const lh_frame *f)
{
	if (f->function[0] && f->file[0])
		snprintf(buf, n, "%s@%s:%d", f->function, naming_base(f->file), f->line);
	else if (f->function[0])
		snprintf(buf, n, "%s@%s", f->function, f->module[0] ? f->module : "?");
	else
		snprintf(buf, n, "%s+0x%llx", f->module[0] ? f->module : "?", (unsigned long long)f->pc);
}

/* Human form of a frame: "bank.c:42 (account_init)". */
static void naming_where(char *buf, size_t n, const lh_frame *f)
{
	if (f->file[0])
		snprintf(buf, n, "%s:%d (%s)", naming_base(f->file), f->line,
			 f->function[0] ? f->function : "??");
	else if (f->function[0])
		snprintf(buf, n, "%s (%s)", f->function, f->module[0] ? f->module : "??");
	else
		snprintf(buf, n, "%s+0x%llx", f->module[0] ? f->module : "??", (unsigned long long)f->pc);
}

static lh_class *naming_class(lh_model *m, const char *key, const char *name)
{
	lh_class *c = NULL;

	HASH_FIND_STR(m->classes, key, c);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = strdup(key);
	c->name = strdup(name);
	c->level = LH_NO_LEVEL;
	if (!c->key || !c->name) {
		free(c->key);
		free(c->name);
		free(c);
		return NULL;
	}
	HASH_ADD_KEYPTR(hh, m->classes, c->key, strlen(c->key), c);
	return c;
}

static int naming_lock(lh_model *m, lh_process *p, lh_lock *l)
{
	char name[1024], key[1200], cname[1024];
	const char *sym = NULL;
	lh_stack *s;
	char *nn;

	name[0] = key[0] = cname[0] = '\0';
	s = lh_stack_find(p, l->init_stack);
	if (s && lh_symbolize_stack(p, s))
		return -ENOMEM;
	if (!l->annotation && !l->placeholder)
		sym = lh_symbol_for_data(p, l->addr);

	if (l->annotation) {
		snprintf(name, sizeof(name), "%s", l->annotation);
		snprintf(key, sizeof(key), "name:%s", l->annotation);
		snprintf(cname, sizeof(cname), "%s", l->annotation);
	} else if (sym) {
		snprintf(name, sizeof(name), "%s", sym);
		if (!strchr(sym, '+')) {
			snprintf(key, sizeof(key), "sym:%s", sym);
			snprintf(cname, sizeof(cname), "%s", sym);
		}
	}
	if (!key[0] && s && s->frames) {
		int u = naming_user_frame(s, 0);

		if (u >= 0) {
			const lh_frame *f = &s->frames[u];
			char site[512], where[512];
			int c = naming_user_frame(s, (uint32_t)u + 1);

			naming_site(site, sizeof(site), f);
			naming_where(where, sizeof(where), f);
			if (!name[0])
				snprintf(name, sizeof(name), "%s at %s", naming_kind(l->kind), where);
			if (c >= 0 && f->function[0] && naming_wrapper_like(f->function) &&
			    strcmp(s->frames[c].module, f->module) == 0) {
				char csite[512], cwhere[512];

				naming_site(csite, sizeof(csite), &s->frames[c]);
				naming_where(cwhere, sizeof(cwhere), &s->frames[c]);
				snprintf(key, sizeof(key), "site:%s<%s", site, csite);
				snprintf(cname, sizeof(cname), "%s created at %s via %s",
					 naming_kind(l->kind), cwhere, f->function);
			} else {
				snprintf(key, sizeof(key), "site:%s", site);
				snprintf(cname, sizeof(cname), "%s at %s", naming_kind(l->kind), where);
			}
		}
	}
	if (!name[0]) {
		if (l->placeholder)
			snprintf(name, sizeof(name), "%s #%llu (inherited from pid %llu)",
				 naming_kind(l->kind), (unsigned long long)l->id,
				 (unsigned long long)p->ppid);
		else
			snprintf(name, sizeof(name), "%s 0x%llx", naming_kind(l->kind),
				 (unsigned long long)l->addr);
	}
	if (!key[0]) {
		snprintf(key, sizeof(key), "id:%llu:%llu", (unsigned long long)p->pid,
			 (unsigned long long)l->id);
		snprintf(cname, sizeof(cname), "%s", name);
	}
	nn = strdup(name);
	if (!nn)
		return -ENOMEM;
	free(l->name);
	l->name = nn;
	l->cls = naming_class(m, key, cname);
	if (!l->cls)
		return -ENOMEM;
	if (l->level != LH_NO_LEVEL && l->cls->level == LH_NO_LEVEL)
		l->cls->level = l->level;
	return 0;
}

int lh_model_name_locks(lh_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		lh_process *p = m->procs[i];
		for (lh_lock *l = p->locks; l; l = l->hh.next) {
			int rc = naming_lock(m, p, l);

			if (rc)
				return rc;
		}
	}
	return 0;
}
