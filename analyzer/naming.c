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
#include "passes.h"
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

/* "bank.c:57 in main", the init site for an instance name. */
static void naming_init_site(char *buf, size_t n, const lh_frame *f)
{
	if (f->file[0])
		snprintf(buf, n, "%s:%d in %s", naming_base(f->file), f->line,
			 f->function[0] ? f->function : "??");
	else
		naming_where(buf, n, f);
}

/* Names one lock.  *init gets the init-site text ("bank.c:57 in main",
 * malloc'ed) when the name is only that site, so that instances of one
 * class can be told apart later (naming_instances); NULL otherwise. */
static int naming_lock(lh_model *m, lh_process *p, lh_lock *l, char **init)
{
	char name[1024], key[1200], cname[1024], isite[1100];
	const char *sym = NULL;
	lh_stack *s;
	char *nn;

	name[0] = key[0] = cname[0] = isite[0] = '\0';
	*init = NULL;
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
			if (!name[0]) {
				snprintf(name, sizeof(name), "%s at %s", naming_kind(l->kind), where);
				naming_init_site(isite, sizeof(isite), f);
			}
			if (c >= 0 && f->function[0] && naming_wrapper_like(f->function) &&
			    strcmp(s->frames[c].module, f->module) == 0) {
				char csite[512], cwhere[512];

				naming_site(csite, sizeof(csite), &s->frames[c]);
				naming_where(cwhere, sizeof(cwhere), &s->frames[c]);
				snprintf(key, sizeof(key), "site:%s<%s", site, csite);
				snprintf(cname, sizeof(cname), "%s created at %s via %s",
					 naming_kind(l->kind), cwhere, f->function);
				if (isite[0]) {
					char cinit[512];

					naming_init_site(cinit, sizeof(cinit), &s->frames[c]);
					snprintf(isite, sizeof(isite), "%s via %s", cinit, f->function);
				}
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
	if (isite[0]) {
		*init = strdup(isite);
		if (!*init)
			return -ENOMEM;
	}
	return 0;
}

/* A lock named only by its init site, waiting for naming_instances. */
typedef struct naming_inst {
	lh_lock *lock;
	char    *init;                 /* "bank.c:57 in main"                    */
} naming_inst;

/* Per class: how many site-named instances, and the low hex digits of the
 * address that tell them apart. */
typedef struct naming_count {
	const lh_class *cls;           /* key */
	size_t          n;
	uint64_t       *addrs;
	int             digits;
	UT_hash_handle  hh;
} naming_count;

static int naming_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts a[0..n) and returns the fewest low hex digits (at least 4) that
 * keep its distinct addresses distinct; 16 when only the whole address
 * does. */
static int naming_digits(uint64_t *a, size_t n)
{
	uint64_t *t = malloc((n ? n : 1) * sizeof(*t));
	int d;

	qsort(a, n, sizeof(*a), naming_u64_cmp);
	if (!t)
		return 16;
	for (d = 4; d < 16; d++) {
		uint64_t mask = (1ULL << (4 * d)) - 1;
		size_t u = 0;
		int ok = 1;

		/* the distinct addresses, cut to d digits */
		for (size_t i = 0; i < n; i++)
			if (i == 0 || a[i] != a[i - 1])
				t[u++] = a[i] & mask;
		qsort(t, u, sizeof(*t), naming_u64_cmp);
		for (size_t i = 1; i < u && ok; i++)
			ok = t[i] != t[i - 1];
		if (ok)
			break;
	}
	free(t);
	return d;
}

static int naming_count_add(naming_count **set, const lh_class *cls, uint64_t addr)
{
	naming_count *c = NULL;

	HASH_FIND_PTR(*set, &cls, c);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->cls = cls;
		HASH_ADD_PTR(*set, cls, c);
	}
	if (pass_grow(&c->addrs, c->n, sizeof(*c->addrs)))
		return -ENOMEM;
	c->addrs[c->n++] = addr;
	return 0;
}

/* c->digits for the class's addresses (sorted by the way); negative when
 * some instances share an address. */
static void naming_count_digits(naming_count *c)
{
	size_t distinct = 1;

	c->digits = naming_digits(c->addrs, c->n);
	for (size_t i = 1; i < c->n; i++)
		distinct += c->addrs[i] != c->addrs[i - 1];
	if (distinct < c->n)
		c->digits = -c->digits;
}

/* Several instances of one class named by the same init site would all
 * read "mutex at bank.c:57 (main)", and a cycle through two of them as
 * "X -> X".  Name each by its address instead, shortened to the low digits
 * that tell the class's instances apart:
 * "mutex 0x…6cd0 (init bank.c:57 in main)".  Instances at the same address
 * (a lock re-created in place, or forked processes) add "#<id>". */
static int naming_instances(naming_inst *in, size_t n)
{
	naming_count *set = NULL, *c, *tmp;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = naming_count_add(&set, in[i].lock->cls, in[i].lock->addr);
	for (size_t i = 0; i < n && !rc; i++) {
		lh_lock *l = in[i].lock;
		const lh_class *cls = l->cls;
		char addr[48], id[32], *nn;
		int digits, same = 0;

		HASH_FIND_PTR(set, &cls, c);
		if (!c || c->n < 2)
			continue;
		if (!c->digits)
			naming_count_digits(c);
		digits = c->digits < 0 ? -c->digits : c->digits;
		if (digits < 16 && (l->addr >> (4 * digits)) != 0)
			snprintf(addr, sizeof(addr), "0x\u2026%0*llx", digits,
				 (unsigned long long)(l->addr & ((1ULL << (4 * digits)) - 1)));
		else
			snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)l->addr);
		if (c->digits < 0) {
			uint64_t *hit = bsearch(&l->addr, c->addrs, c->n, sizeof(*c->addrs),
						naming_u64_cmp);
			size_t k = (size_t)(hit - c->addrs);

			same = (k > 0 && c->addrs[k - 1] == l->addr) ||
			       (k + 1 < c->n && c->addrs[k + 1] == l->addr);
		}
		id[0] = '\0';
		if (same)
			snprintf(id, sizeof(id), " #%llu", (unsigned long long)l->id);
		nn = pass_printf("%s %s%s (init %s)", naming_kind(l->kind), addr, id, in[i].init);
		if (!nn) {
			rc = -ENOMEM;
			break;
		}
		free(l->name);
		l->name = nn;
	}
	/* HASH_CLEAR frees the table; the items' next links stay valid */
	c = set;
	HASH_CLEAR(hh, set);
	for (; c; c = tmp) {
		tmp = c->hh.next;
		free(c->addrs);
		free(c);
	}
	return rc;
}

int lh_model_name_locks(lh_model *m)
{
	naming_inst *in = NULL;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < m->nprocs && !rc; i++) {
		lh_process *p = m->procs[i];
		for (lh_lock *l = p->locks; l && !rc; l = l->hh.next) {
			char *init = NULL;

			rc = naming_lock(m, p, l, &init);
			if (rc || !init)
				continue;
			if (pass_grow(&in, n, sizeof(*in))) {
				free(init);
				rc = -ENOMEM;
				break;
			}
			in[n].lock = l;
			in[n++].init = init;
		}
	}
	if (!rc)
		rc = naming_instances(in, n);
	for (size_t i = 0; i < n; i++)
		free(in[i].init);
	free(in);
	return rc;
}
