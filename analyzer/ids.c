/*
 * ids.c - stable finding ids and deduplication.
 *
 * An id must be the same for the same finding in another run, another
 * build directory, with other heap addresses and after unrelated edits
 * that move code by a few lines.  So it hashes (FNV-1a, 64 bits):
 *   the kind name,
 *   the class key of every lock, in the finding's order (cycles are
 *   rotated to a canonical start by pass_cycles.c before this runs),
 *   for every event: what it is and its code site, "function@file" with
 *   the file reduced to its basename; a stack without symbols falls back
 *   to "module+0xoffset" (the pc minus the module's load bias).
 * A cycle that repeats one pattern (n locks of one class, every edge taken
 * at the same two sites) hashes one period of it, so the 2-, 3- and
 * 8-account cycles of a bank transfer are one finding with a count.
 * A race hashes the object (its name, or its allocation site) and its two
 * access sites, sorted (ids_race).
 * Never addresses, line numbers, thread ids or counts.
 *
 * The site of a stack is its innermost frame of user code: frames in libc,
 * libpthread, libstdc++, the loader or the shim, and C++ standard library
 * wrappers (std::mutex::lock, __gthread_mutex_lock) are skipped, so a
 * std::mutex cycle hashes the user's functions, not the header's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static uint64_t ids_fnv(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= FNV_PRIME;
	}
	h ^= 0;                 /* the terminator separates fields */
	h *= FNV_PRIME;
	return h;
}

static const char *ids_base(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static int ids_system_frame(const lh_frame *f)
{
	static const char *const mods[] = {
		"libc.so", "libc-", "libpthread", "libstdc++", "libgcc_s", "ld-linux",
		"ld64.so", "liblockhound.so", "libdl.so",
	};
	static const char *const fns[] = {
		"__gthread", "std::", "_ZNSt", "_ZSt", "__gnu_cxx::",
	};
	const char *mod = ids_base(f->module);

	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		if (strncmp(mod, mods[i], strlen(mods[i])) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strncmp(f->function, fns[i], strlen(fns[i])) == 0)
			return 1;
	return 0;
}

/* Index of the frame that names the site of s, or -1. */
static int ids_frame(const lh_process *p, lh_stack *s)
{
	if (!s || !s->depth)
		return -1;
	if (!s->frames)
		lh_symbolize_stack((lh_process *)p, s);
	if (!s->frames)
		return -1;
	for (uint32_t i = 0; i < s->depth; i++)
		if (s->frames[i].function[0] && !ids_system_frame(&s->frames[i]))
			return (int)i;
	for (uint32_t i = 0; i < s->depth; i++)
		if (s->frames[i].function[0])
			return (int)i;
	return -1;
}

static const lh_module *ids_module(const lh_process *p, uint64_t pc)
{
	for (; p; p = p->parent)
		for (size_t i = p->nmodules; i-- > 0;)
			if (pc >= p->modules[i].lo && pc < p->modules[i].hi)
				return &p->modules[i];
	return NULL;
}

static void ids_raw(const lh_process *p, const lh_stack *s, char *buf, size_t len)
{
	const lh_module *m = ids_module(p, s->pcs[0]);

	if (m)
		snprintf(buf, len, "%s+0x%llx", ids_base(m->path),
			 (unsigned long long)(s->pcs[0] - m->base));
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)s->pcs[0]);
}

void ids_site(const lh_process *p, lh_stack *s, char *buf, size_t len)
{
	int i = ids_frame(p, s);

	if (i >= 0) {
		const lh_frame *f = &s->frames[i];

		snprintf(buf, len, "%s@%s", f->function, ids_base(f->file));
	} else if (s && s->depth) {
		ids_raw(p, s, buf, len);
	} else {
		snprintf(buf, len, "-");
	}
}

void ids_where(const lh_process *p, lh_stack *s, char *buf, size_t len)
{
	int i = ids_frame(p, s);

	if (i >= 0) {
		const lh_frame *f = &s->frames[i];

		if (f->file[0] && f->line)
			snprintf(buf, len, "%s:%d (%s)", ids_base(f->file), f->line, f->function);
		else if (f->file[0])
			snprintf(buf, len, "%s (%s)", ids_base(f->file), f->function);
		else
			snprintf(buf, len, "%s", f->function);
	} else if (s && s->depth) {
		ids_raw(p, s, buf, len);
	} else {
		snprintf(buf, len, "an unknown place (no stack)");
	}
}

void ids_function(const lh_process *p, lh_stack *s, char *buf, size_t len)
{
	int i = ids_frame(p, s);

	if (i >= 0)
		snprintf(buf, len, "%s()", s->frames[i].function);
	else if (s && s->depth)
		ids_raw(p, s, buf, len);
	else
		snprintf(buf, len, "an unknown place (no stack)");
}

void ids_func_where(const lh_process *p, lh_stack *s, char *buf, size_t len)
{
	int i = ids_frame(p, s);

	if (i >= 0) {
		const lh_frame *f = &s->frames[i];

		if (f->file[0] && f->line)
			snprintf(buf, len, "%s (%s:%d)", f->function, ids_base(f->file), f->line);
		else if (f->file[0])
			snprintf(buf, len, "%s (%s)", f->function, ids_base(f->file));
		else
			snprintf(buf, len, "%s", f->function);
	} else if (s && s->depth) {
		ids_raw(p, s, buf, len);
	} else {
		snprintf(buf, len, "an unknown place (no stack)");
	}
}

/* Races: the object and the two code sites, in sorted order so the id does
 * not depend on which thread came first. */
void ids_race(char id[17], const char *object, const char *site_a, const char *site_b)
{
	uint64_t h = ids_fnv(FNV_OFFSET, lh_kind_name(LH_KIND_RACE));
	int swap = strcmp(site_a, site_b) > 0;

	h = ids_fnv(h, object);
	h = ids_fnv(h, swap ? site_b : site_a);
	h = ids_fnv(h, swap ? site_a : site_b);
	snprintf(id, 17, "%016llx", (unsigned long long)h);
}

/* Key of edge i of a cycle finding (lock i, its two events). */
static char *ids_edge_key(const lh_finding *f, size_t i)
{
	char hs[1024], as[1024];

	ids_site(f->proc, f->events[2 * i].stack, hs, sizeof(hs));
	ids_site(f->proc, f->events[2 * i + 1].stack, as, sizeof(as));
	return pass_printf("%s\x1f%s\x1f%s\x1f%s\x1f%s", pass_class_key(f->locks[i]),
			   f->events[2 * i].what, hs, f->events[2 * i + 1].what, as);
}

/* The number of edges that describe a cycle finding: its smallest period.
 * Two accounts locked (from, to) in both directions and three accounts in
 * a ring are the same pattern: one class, the same two sites on every
 * edge, so they hash alike and merge. */
static size_t ids_period(const lh_finding *f)
{
	size_t n = f->nlocks, period = n;
	char **keys;

	if (n < 2 || f->nevents != 2 * n ||
	    (f->kind != LH_KIND_POTENTIAL_DEADLOCK && f->kind != LH_KIND_LOCK_ORDER))
		return n;
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return n;
	for (size_t i = 0; i < n; i++)
		if (!(keys[i] = ids_edge_key(f, i)))
			goto out;
	for (size_t p = 1; p < n; p++) {
		size_t i;

		if (n % p)
			continue;
		for (i = p; i < n && !strcmp(keys[i], keys[i - p]); i++)
			;
		if (i == n) {
			period = p;
			break;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return period;
}

int ids_compute_salted(lh_finding *f, const char *salt)
{
	uint64_t h = ids_fnv(FNV_OFFSET, lh_kind_name(f->kind));
	size_t period = ids_period(f), nlocks = f->nlocks, nevents = f->nevents;
	char site[1024];

	if (period < nlocks) {
		nlocks = period;
		nevents = 2 * period;
	}
	if (salt)
		h = ids_fnv(h, salt);
	for (size_t i = 0; i < nlocks; i++)
		h = ids_fnv(h, pass_class_key(f->locks[i]));
	h = ids_fnv(h, "\x01");
	for (size_t i = 0; i < nevents; i++) {
		const lh_fevent *e = &f->events[i];

		ids_site(f->proc, e->stack, site, sizeof(site));
		h = ids_fnv(h, e->what);
		h = ids_fnv(h, e->lock ? pass_class_key(e->lock) : "");
		h = ids_fnv(h, site);
	}
	snprintf(f->id, sizeof(f->id), "%016llx", (unsigned long long)h);
	return 0;
}

int ids_compute(lh_finding *f)
{
	return ids_compute_salted(f, NULL);
}

typedef struct ids_seen {
	char            id[17];
	size_t          at;      /* index of the kept finding */
	UT_hash_handle  hh;
} ids_seen;

static void ids_seen_free(ids_seen *seen)
{
	ids_seen *s, *tmp;

	s = seen;
	HASH_CLEAR(hh, seen);
	for (; s; s = tmp) {
		tmp = s->hh.next;
		free(s);
	}
}

/* Remembers id -> at; 1 when the id was new, 0 when seen (*at is the
 * earlier one), negative errno. */
static int ids_note(ids_seen **seen, const char *id, size_t *at)
{
	ids_seen *s;

	HASH_FIND_STR(*seen, id, s);
	if (s) {
		*at = s->at;
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s->id, id, sizeof(s->id));
	s->at = *at;
	HASH_ADD_STR(*seen, id, s);
	return 1;
}

static int ids_dedup_findings(lh_model *m)
{
	ids_seen *seen = NULL;
	size_t out = 0, i;
	int rc = 0;

	for (i = 0; i < m->nfindings; i++) {
		lh_finding *f = &m->findings[i];
		size_t at = out;

		if (!f->id[0])
			ids_compute(f);
		rc = ids_note(&seen, f->id, &at);
		if (rc < 0)
			break;
		if (rc == 0) {
			m->findings[at].count += f->count;
			lh_finding_release(f);
			continue;
		}
		if (out != i)
			m->findings[out] = *f;
		out++;
	}
	if (rc < 0) {           /* out of memory: keep the rest unmerged */
		memmove(&m->findings[out], &m->findings[i],
			(m->nfindings - i) * sizeof(*m->findings));
		out += m->nfindings - i;
	}
	m->nfindings = out;
	ids_seen_free(seen);
	return rc < 0 ? rc : 0;
}

static int ids_dedup_pruned(lh_model *m)
{
	ids_seen *seen = NULL;
	size_t out = 0, i;
	int rc = 0;

	for (i = 0; i < m->npruned; i++) {
		lh_pruned *pr = &m->pruned[i];
		size_t at = out;

		if (!pr->cycle.id[0])
			ids_compute(&pr->cycle);
		rc = ids_note(&seen, pr->cycle.id, &at);
		if (rc < 0)
			break;
		if (rc == 0) {
			m->pruned[at].cycle.count += pr->cycle.count;
			free(pr->reason);
			lh_finding_release(&pr->cycle);
			continue;
		}
		if (out != i)
			m->pruned[out] = *pr;
		out++;
	}
	if (rc < 0) {
		memmove(&m->pruned[out], &m->pruned[i], (m->npruned - i) * sizeof(*m->pruned));
		out += m->npruned - i;
	}
	m->npruned = out;
	ids_seen_free(seen);
	return rc < 0 ? rc : 0;
}

int ids_dedup(lh_model *m)
{
	int rc = ids_dedup_findings(m);

	if (!rc)
		rc = ids_dedup_pruned(m);
	return rc;
}
