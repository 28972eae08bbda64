/*
 * guard_sym.c - guard=SYMBOL[@LOCKSYMBOL],... : global variables of an
 * unmodified program, watched for unlocked accesses.
 *
 * At shim start (after the module list is written) each SYMBOL is looked up
 * as a defined object symbol in the .symtab and .dynsym of the executable
 * and of every loaded library (levels_sym_find: the same ELF walk as the
 * levels file, so static globals of a binary that is not stripped are found
 * too, and a PIE's load bias is added).  Its address and st_size become a
 * region (guard_add, LH_REGION_SYMBOL) with the optional LOCKSYMBOL as its
 * declared lock.  Everything here runs once, inside shim_init, with
 * lh_in_shim set: nothing is intercepted, nothing is malloc'd.
 *
 * The sensor watches whole pages, so every other variable on the symbol's
 * page(s) costs faults too: we name up to NEIGH_SHOWN of them in one warning
 * so the user can move the variable to a page of its own
 * (LH_GUARDED_GLOBAL).  A lock on the page is the sensor's business (it
 * disarms the region), not ours.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "guard.h"
#include "shim.h"

#define NEIGH_SHOWN 5u

/* one other object symbol on the page(s) */
struct gs_sym {
	char *name;
	uintptr_t dist;           /* distance from the guarded symbol           */
};

/* distinct names of the other object symbols on [lo, hi) */
struct gs_neigh {
	const char *self;
	uintptr_t self_addr;
	uintptr_t lo, hi;
	struct gs_sym *syms;
	size_t n, cap;
};

static int gs_neigh_cb(const char *name, uintptr_t addr, size_t size, int global, void *data)
{
	struct gs_neigh *g = data;
	uintptr_t end = addr + (size ? size : 1);
	size_t i, len;

	(void)global;
	/* names starting with '_' are the C runtime's (__dso_handle, ...);
	 * names with a '.' the compiler's (completed.0, counter.1) */
	if (end <= g->lo || addr >= g->hi || !*name || *name == '_' || strchr(name, '.'))
		return 0;
	if (addr == g->self_addr && !strcmp(name, g->self))
		return 0;
	for (i = 0; i < g->n; i++)
		if (!strcmp(g->syms[i].name, name))
			return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		struct gs_sym *nn = arena_alloc(cap * sizeof(*nn));

		if (!nn)
			return 1;
		if (g->syms)
			memcpy(nn, g->syms, g->n * sizeof(*nn));
		arena_free(g->syms, g->cap * sizeof(*nn));
		g->syms = nn;
		g->cap = cap;
	}
	len = strlen(name);
	g->syms[g->n].name = arena_alloc(len + 1);
	if (!g->syms[g->n].name)
		return 1;
	memcpy(g->syms[g->n].name, name, len);
	g->syms[g->n].dist = addr > g->self_addr ? addr - g->self_addr : g->self_addr - addr;
	g->n++;
	return 0;
}

static void gs_neigh_free(struct gs_neigh *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		arena_free(g->syms[i].name, strlen(g->syms[i].name) + 1);
	arena_free(g->syms, g->cap * sizeof(*g->syms));
}

/* One warning naming the variables that share the symbol's page(s). */
static void gs_warn_neighbours(const char *sym, uintptr_t addr, size_t size)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	struct gs_neigh g;
	char num[24], *list;
	size_t i, j, pos = 0, bytes = 1;
	int more;

	memset(&g, 0, sizeof(g));
	g.self = sym;
	g.self_addr = addr;
	g.lo = addr & ~(pg - 1);
	g.hi = (addr + size + pg - 1) & ~(pg - 1);
	levels_sym_each(gs_neigh_cb, &g);
	if (g.n == 0) {
		gs_neigh_free(&g);
		return;
	}
	/* the nearest NEIGH_SHOWN first (a partial selection sort) */
	for (i = 0; i < g.n && i < NEIGH_SHOWN; i++) {
		struct gs_sym tmp;

		for (j = i + 1; j < g.n; j++)
			if (g.syms[j].dist < g.syms[i].dist) {
				tmp = g.syms[i];
				g.syms[i] = g.syms[j];
				g.syms[j] = tmp;
			}
		bytes += strlen(g.syms[i].name) + 2;
	}
	list = arena_alloc(bytes);
	if (list) {
		for (i = 0; i < g.n && i < NEIGH_SHOWN; i++) {
			size_t l = strlen(g.syms[i].name);

			if (i) {
				memcpy(list + pos, ", ", 2);
				pos += 2;
			}
			memcpy(list + pos, g.syms[i].name, l);
			pos += l;
		}
		list[pos] = 0;
	}
	more = g.n > NEIGH_SHOWN;
	lh_say("guard=", sym, " shares its page with ", list ? list : "other variables",
			more ? " and " : "", more ? fmt_u64(num, g.n - NEIGH_SHOWN) : "", more ? " more" : "",
			": their accesses are watched too (slower); give it a page of its own (LH_GUARDED_GLOBAL)",
			LH_END);
	arena_free(list, bytes);
	gs_neigh_free(&g);
}

/* One guard= item: "SYMBOL" or "SYMBOL@LOCKSYMBOL" (len bytes, trimmed). */
static void gs_item(struct lh_thread *t, const char *item, size_t len)
{
	char *sym = arena_alloc(len + 1), *at;
	uintptr_t addr = 0, lock = 0;
	size_t size = 0;
	int64_t r;

	if (!sym)
		return;
	memcpy(sym, item, len);
	at = strchr(sym, '@');
	if (at)
		*at++ = 0;
	if (!*sym) {
		lh_say("guard=@", at ? at : "", ": no symbol name before '@'; ignored", LH_END);
		goto out;
	}
	if (levels_sym_find(sym, &addr, &size)) {
		lh_say("guard=", sym, ": unknown symbol (no object symbol of that name in the program or its "
				"libraries; stripped binary?); ignored", LH_END);
		goto out;
	}
	if (at && *at && levels_sym_find(at, &lock, NULL)) {
		lh_say("guard=", sym, "@", at, ": unknown lock symbol '", at,
				"'; guarded without a declared lock", LH_END);
		lock = 0;
	}
	if (size == 0)
		size = 1;
	r = guard_add(t, addr, size, (const void *)lock, sym, 0, LH_REGION_SYMBOL);
	if (r < 0) {
		lh_say("guard=", sym, ": cannot guard it: ", strerror((int)-r), LH_END);
		goto out;
	}
	gs_warn_neighbours(sym, addr, size);
out:
	arena_free(sym, len + 1);
}

void guard_sym_init(struct lh_thread *t)
{
	const char *s = lh_opt.guard;
	int saved = lh_in_shim;

	if (!s || !*s)
		return;
	lh_in_shim = 1;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		const char *b = s, *f = s + len;

		while (b < f && (*b == ' ' || *b == '\t'))
			b++;
		while (f > b && (f[-1] == ' ' || f[-1] == '\t'))
			f--;
		if (f > b)
			gs_item(t, b, (size_t)(f - b));
		s += len;
		if (*s == ',')
			s++;
	}
	lh_in_shim = saved;
}
