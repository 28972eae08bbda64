/*
 * trace_reader.c - trace files (common/trace_format.h) into the model.
 *
 * The file is mapped read-only and walked once:
 *
 *   file header   magic, version, header_size: anything else is a foreign
 *                 file or another format version and nothing is read.
 *   blocks        magic, payload_len (multiple of 8, inside the file) and
 *                 CRC-32C of the payload are checked before any record of
 *                 the block is used.
 *   records       size >= 8, multiple of 8, inside the block, at least the
 *                 fixed part of its type; unknown types are skipped.
 *
 * The first damage stops the walk: everything before it is kept, the
 * message says "FILE: byte OFFSET: what" (OFFSET of the damaged block or
 * record) and the result is -EBADMSG.
 *
 * References are resolved only after the whole file is read, because the
 * records a thread writes land in its own buffer: a STACK or LOCK record
 * can follow, in file order, a DEP that uses it.  The walk therefore keeps
 * DEP and FINDING records as pointers into the mapping (which lives as long
 * as the model) and builds lh_dep / lh_online afterwards.  EVENT records
 * (trace_mode=full, millions of them) are only counted: no allocation per
 * record anywhere on the hot path.
 *
 * Forked children: lock ids below PROCESS.fork_lock_id belong to the
 * parent.  When the parent's trace was read too (in any order), the
 * child's references are re-pointed to the parent's lh_lock; otherwise they
 * stay placeholders (lh_lock.placeholder) named by naming.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer.h"

typedef struct reader {
	lh_model          *m;
	lh_process        *p;
	const char        *path;
	const uint8_t     *base;
	size_t             len;
	const lh_rec_dep **raw_deps;   size_t nraw_deps, cap_raw_deps;
	const lh_rec_finding **raw_find; size_t nraw_find, cap_raw_find;
	const lh_rec_finding_count **raw_fcount; size_t nraw_fcount, cap_raw_fcount;
	size_t             cap_modules, cap_joins, cap_regions, cap_accesses;
} reader;

/* Grows *arr (elements of size sz) so that index n fits. */
static int reader_grow(void *arr, size_t *cap, size_t n, size_t sz)
{
	void **a = arr;
	size_t nc;
	void *na;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	while (nc <= n)
		nc *= 2;
	na = realloc(*a, nc * sz);
	if (!na)
		return -ENOMEM;
	*a = na;
	*cap = nc;
	return 0;
}

/* A NUL-terminated string of at most n bytes at s (a record tail); the
 * copy stops at the first NUL or at n.  *used gets the bytes consumed. */
static char *reader_strdup(const char *s, size_t n, size_t *used)
{
	size_t l = strnlen(s, n);
	char *c = malloc(l + 1);

	if (c) {
		memcpy(c, s, l);
		c[l] = '\0';
	}
	if (used)
		*used = l < n ? l + 1 : n;
	return c;
}

static lh_thread *reader_thread(lh_process *p, uint32_t tid)
{
	lh_thread *t = lh_thread_find(p, tid);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	t->name = strdup("");
	if (!t->name) {
		free(t);
		return NULL;
	}
	HASH_ADD(hh, p->threads, tid, sizeof(t->tid), t);
	return t;
}

static void reader_seen_seg(lh_process *p, uint32_t tid, uint32_t seg)
{
	lh_thread *t = reader_thread(p, tid);

	if (t && seg > t->last_seg)
		t->last_seg = seg;
}

/* The lock with this id in p itself, created as a placeholder if new. */
static lh_lock *reader_lock(lh_process *p, uint64_t id)
{
	lh_lock *l = NULL;

	HASH_FIND(hh, p->locks, &id, sizeof(id), l);
	if (l)
		return l;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->id = id;
	l->level = LH_NO_LEVEL;
	l->proc = p;
	l->placeholder = 1;
	HASH_ADD(hh, p->locks, id, sizeof(l->id), l);
	return l;
}

/* Resolves a lock reference of p: its own lock, the parent's for inherited
 * ids, else a placeholder in p. */
static lh_lock *reader_ref(lh_process *p, uint64_t id)
{
	lh_lock *l = lh_lock_find(p, id);

	return (l && !l->placeholder) ? l : reader_lock(p, id);
}

static int reader_fail(reader *r, size_t off, const char *what)
{
	lh_diag("%s: byte %zu: %s", r->path, off, what);
	return -EBADMSG;
}

/* ---- one record ------------------------------------------------------- */

#define NEED(type) do { if (size < sizeof(type)) return reader_fail(r, off, "record too short for its type"); } while (0)

static int rec_process(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_process *pr = (const void *)rec;
	lh_process *p = r->p;
	const char *s = (const char *)(pr + 1);
	size_t left, used;
	uint32_t argc;

	NEED(lh_rec_process);
	left = size - sizeof(*pr);
	p->pid = pr->pid;
	p->ppid = pr->ppid;
	p->fork_lock_id = pr->fork_lock_id;
	free(p->exe);
	p->exe = reader_strdup(s, left, &used);
	if (!p->exe)
		return -ENOMEM;
	s += used;
	left -= used;
	for (uint32_t i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	p->argc = 0;
	/* every string takes at least one byte of the tail: a corrupt argc
	 * near UINT32_MAX must not size the array */
	argc = pr->argc < left ? pr->argc : (uint32_t)left;
	p->argv = calloc((size_t)argc + 1, sizeof(char *));
	if (!p->argv)
		return -ENOMEM;
	for (uint32_t i = 0; i < argc && left > 0; i++) {
		p->argv[i] = reader_strdup(s, left, &used);
		if (!p->argv[i])
			return -ENOMEM;
		p->argc++;
		s += used;
		left -= used;
	}
	return 0;
}

static int rec_module(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_module *mr = (const void *)rec;
	lh_process *p = r->p;
	lh_module *mod;
	char *path;

	NEED(lh_rec_module);
	path = reader_strdup((const char *)(mr + 1), size - sizeof(*mr), NULL);
	if (!path)
		return -ENOMEM;
	if (mr->h.flags & LH_MOD_UNLOAD) {
		for (size_t i = p->nmodules; i-- > 0;) {
			if (p->modules[i].base == mr->base && !p->modules[i].unloaded) {
				p->modules[i].unloaded = 1;
				break;
			}
		}
		free(path);
		return 0;
	}
	if (reader_grow(&p->modules, &r->cap_modules, p->nmodules, sizeof(*mod))) {
		free(path);
		return -ENOMEM;
	}
	mod = &p->modules[p->nmodules++];
	mod->base = mr->base;
	mod->lo = mr->lo;
	mod->hi = mr->hi;
	mod->path = path;
	mod->is_main = !!(mr->h.flags & LH_MOD_MAIN);
	mod->unloaded = 0;
	return 0;
}

static int rec_stack(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_stack *sr = (const void *)rec;
	lh_stack *s = NULL;

	NEED(lh_rec_stack);
	if ((size - sizeof(*sr)) / sizeof(uint64_t) < sr->depth)
		return reader_fail(r, off, "STACK record shorter than its depth");
	HASH_FIND(hh, r->p->stacks, &sr->id, sizeof(sr->id), s);
	if (s || sr->id == 0)
		return 0;
	s = calloc(1, sizeof(*s) + (size_t)sr->depth * sizeof(uint64_t));
	if (!s)
		return -ENOMEM;
	s->id = sr->id;
	s->depth = sr->depth;
	s->pcs = (uint64_t *)(s + 1);
	memcpy(s->pcs, sr + 1, (size_t)sr->depth * sizeof(uint64_t));
	HASH_ADD(hh, r->p->stacks, id, sizeof(s->id), s);
	return 0;
}

static int rec_thread(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_thread *tr = (const void *)rec;
	lh_thread *t;
	char *name;

	NEED(lh_rec_thread);
	t = reader_thread(r->p, tr->tid);
	if (!t)
		return -ENOMEM;
	t->parent_tid = tr->parent_tid;
	t->parent_seg = tr->parent_seg;
	t->os_tid = tr->os_tid;
	t->create_stack = tr->create_stack;
	if (tr->parent_tid)
		reader_seen_seg(r->p, tr->parent_tid, tr->parent_seg + 1);
	if (size > sizeof(*tr) && rec[sizeof(*tr)]) {
		name = reader_strdup((const char *)(tr + 1), size - sizeof(*tr), NULL);
		if (!name)
			return -ENOMEM;
		free(t->name);
		t->name = name;
	}
	return 0;
}

static int rec_thread_name(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_thread_name *tr = (const void *)rec;
	lh_thread *t;
	char *name;

	NEED(lh_rec_thread_name);
	t = reader_thread(r->p, tr->tid);
	name = reader_strdup((const char *)(tr + 1), size - sizeof(*tr), NULL);
	if (!t || !name) {
		free(name);
		return -ENOMEM;
	}
	free(t->name);
	t->name = name;
	return 0;
}

static int rec_join(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_join *jr = (const void *)rec;
	lh_process *p = r->p;
	lh_join *j;

	NEED(lh_rec_join);
	if (reader_grow(&p->joins, &r->cap_joins, p->njoins, sizeof(*j)))
		return -ENOMEM;
	j = &p->joins[p->njoins++];
	j->joiner = jr->joiner;
	j->joiner_seg = jr->joiner_seg;
	j->joined = jr->joined;
	j->joined_seg = jr->joined_seg;
	j->stack = jr->stack;
	reader_seen_seg(p, jr->joiner, jr->joiner_seg + 1);
	reader_seen_seg(p, jr->joined, jr->joined_seg);
	return 0;
}

static int rec_thread_exit(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_thread_exit *er = (const void *)rec;
	lh_thread *t;

	NEED(lh_rec_thread_exit);
	t = reader_thread(r->p, er->tid);
	if (!t)
		return -ENOMEM;
	t->exited = 1;
	t->exit_seg = er->seg;
	t->held_at_exit = er->held;
	if (er->seg > t->last_seg)
		t->last_seg = er->seg;
	return 0;
}

static int lock_annotate(lh_lock *l, const char *s, size_t n)
{
	char *a;

	if (n == 0 || s[0] == '\0')
		return 0;
	a = reader_strdup(s, n, NULL);
	if (!a)
		return -ENOMEM;
	free(l->annotation);
	l->annotation = a;
	return 0;
}

static int rec_lock(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_lock *lr = (const void *)rec;
	lh_lock *l;

	NEED(lh_rec_lock);
	l = reader_lock(r->p, lr->id);
	if (!l)
		return -ENOMEM;
	l->addr = lr->addr;
	l->init_stack = lr->init_stack;
	l->kind = lr->kind;
	l->attrs = lr->attrs;
	l->placeholder = 0;
	return lock_annotate(l, (const char *)(lr + 1), size - sizeof(*lr));
}

static int rec_lock_name(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_lock_name *nr = (const void *)rec;
	lh_lock *l;

	NEED(lh_rec_lock_name);
	l = reader_lock(r->p, nr->id);
	if (!l)
		return -ENOMEM;
	return lock_annotate(l, (const char *)(nr + 1), size - sizeof(*nr));
}

static int rec_lock_level(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_lock_level *lr = (const void *)rec;
	lh_lock *l;

	NEED(lh_rec_lock_level);
	l = reader_lock(r->p, lr->id);
	if (!l)
		return -ENOMEM;
	l->level = lr->level;
	return 0;
}

static int rec_lock_free(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_lock_free *fr = (const void *)rec;
	lh_lock *l;

	NEED(lh_rec_lock_free);
	l = reader_lock(r->p, fr->id);
	if (!l)
		return -ENOMEM;
	l->freed = 1;
	l->free_stack = fr->stack;
	return 0;
}

static int rec_dep(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_dep *dr = (const void *)rec;

	NEED(lh_rec_dep);
	if ((size - sizeof(*dr)) / sizeof(lh_dep_held) < dr->nheld)
		return reader_fail(r, off, "DEP record shorter than its held set");
	if (reader_grow(&r->raw_deps, &r->cap_raw_deps, r->nraw_deps, sizeof(const lh_rec_dep *)))
		return -ENOMEM;
	r->raw_deps[r->nraw_deps++] = dr;
	reader_seen_seg(r->p, dr->tid, dr->seg);
	return 0;
}

static int rec_finding(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_finding *fr = (const void *)rec;

	NEED(lh_rec_finding);
	if ((size - sizeof(*fr)) / sizeof(lh_finding_part) < fr->nparts)
		return reader_fail(r, off, "FINDING record shorter than its parts");
	if (reader_grow(&r->raw_find, &r->cap_raw_find, r->nraw_find, sizeof(const lh_rec_finding *)))
		return -ENOMEM;
	r->raw_find[r->nraw_find++] = fr;
	return 0;
}

static int rec_finding_count(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	NEED(lh_rec_finding_count);
	if (reader_grow(&r->raw_fcount, &r->cap_raw_fcount, r->nraw_fcount,
			sizeof(const lh_rec_finding_count *)))
		return -ENOMEM;
	r->raw_fcount[r->nraw_fcount++] = (const void *)rec;
	return 0;
}

static int rec_stats(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	NEED(lh_rec_stats);
	memcpy(&r->p->stats, rec, sizeof(lh_rec_stats));
	r->p->has_stats = 1;
	return 0;
}

/* REGION: the arming record and the END record are kept as two entries
 * (pass_races.c merges them by id). */
static int rec_region(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_region *rr = (const void *)rec;
	lh_process *p = r->p;
	lh_region *g;
	char *name;

	NEED(lh_rec_region);
	name = reader_strdup((const char *)(rr + 1), size - sizeof(*rr), NULL);
	if (!name || reader_grow(&p->regions, &r->cap_regions, p->nregions, sizeof(*g))) {
		free(name);
		return -ENOMEM;
	}
	g = &p->regions[p->nregions++];
	g->id = rr->id;
	g->addr = rr->addr;
	g->len = rr->len;
	g->lock = rr->lock;
	g->alloc_stack = rr->alloc_stack;
	g->name = name;
	g->flags = rr->h.flags;
	g->tid = rr->tid;
	g->seg = rr->seg;
	g->traps = rr->traps;
	if (rr->tid)
		reader_seen_seg(p, rr->tid, rr->seg);
	return 0;
}

/* ACCESS: kept as is; its lock tail points into the mapping.  References to
 * unknown regions are left to pass_races.c (counted and ignored there). */
static int rec_access(reader *r, const uint8_t *rec, uint32_t size, size_t off)
{
	const lh_rec_access *ar = (const void *)rec;
	lh_process *p = r->p;
	lh_access *a;

	NEED(lh_rec_access);
	if ((size - sizeof(*ar)) / sizeof(lh_access_lock) < ar->nlocks)
		return reader_fail(r, off, "ACCESS record shorter than its lockset");
	if (reader_grow(&p->accesses, &r->cap_accesses, p->naccesses, sizeof(*a)))
		return -ENOMEM;
	a = &p->accesses[p->naccesses++];
	a->seq = ar->seq;
	a->region = ar->region;
	a->addr = ar->addr;
	a->stack = ar->stack;
	a->tid = ar->tid;
	a->seg = ar->seg;
	a->flags = ar->h.flags;
	a->write = !!(ar->h.flags & LH_ACCESS_WRITE);
	a->nlocks = ar->nlocks;
	a->locks = (const lh_access_lock *)(ar + 1);
	reader_seen_seg(p, ar->tid, ar->seg);
	return 0;
}

typedef int (*rec_fn)(reader *, const uint8_t *, uint32_t, size_t);

static const rec_fn rec_table[LH_REC_TYPE_MAX] = {
	[LH_REC_PROCESS]     = rec_process,
	[LH_REC_MODULE]      = rec_module,
	[LH_REC_STACK]       = rec_stack,
	[LH_REC_THREAD]      = rec_thread,
	[LH_REC_THREAD_NAME] = rec_thread_name,
	[LH_REC_JOIN]        = rec_join,
	[LH_REC_THREAD_EXIT] = rec_thread_exit,
	[LH_REC_LOCK]        = rec_lock,
	[LH_REC_LOCK_NAME]   = rec_lock_name,
	[LH_REC_LOCK_LEVEL]  = rec_lock_level,
	[LH_REC_LOCK_FREE]   = rec_lock_free,
	[LH_REC_DEP]         = rec_dep,
	[LH_REC_FINDING]     = rec_finding,
	[LH_REC_STATS]       = rec_stats,
	[LH_REC_ACCESS]      = rec_access,
	[LH_REC_REGION]      = rec_region,
	[LH_REC_FINDING_COUNT] = rec_finding_count,
};

/* ---- blocks ------------------------------------------------------------ */

static int reader_block(reader *r, size_t boff, const uint8_t *pl, uint32_t len)
{
	size_t o = 0;

	while (o < len) {
		const lh_rec_header *h = (const void *)(pl + o);
		size_t roff = boff + sizeof(lh_block_header) + o;
		int rc;

		if (len - o < sizeof(*h))
			return reader_fail(r, roff, "record header cut by the end of its block");
		if (h->size < sizeof(*h) || h->size % LH_TRACE_ALIGN || h->size > len - o)
			return reader_fail(r, roff, "bad record size");
		/* the hot path: full-mode EVENT records are only counted */
		if (h->type == LH_REC_EVENT) {
			if (h->size < sizeof(lh_rec_event))
				return reader_fail(r, roff, "record too short for its type");
			r->p->event_records++;
		} else if (h->type < LH_REC_TYPE_MAX && rec_table[h->type]) {
			rc = rec_table[h->type](r, pl + o, h->size, roff);
			if (rc)
				return rc;
		}
		o += h->size;
	}
	return 0;
}

/* 0 when the file header is ours, else the diagnosed -EBADMSG. */
static int reader_header(reader *r)
{
	const lh_file_header *fh = (const void *)r->base;
	char msg[160];

	if (!fh || r->len < sizeof(*fh) || memcmp(fh->magic, LH_TRACE_MAGIC, 8) != 0)
		return reader_fail(r, 0, "not a lockhound trace (bad file magic)");
	if (fh->version != LH_TRACE_VERSION) {
		snprintf(msg, sizeof(msg), "trace format version %u, this lockhound reads version %u",
			 fh->version, LH_TRACE_VERSION);
		return reader_fail(r, 8, msg);
	}
	if (fh->header_size < sizeof(*fh) || fh->header_size > r->len || fh->header_size % LH_TRACE_ALIGN)
		return reader_fail(r, 12, "bad file header size");
	return 0;
}

static int reader_walk(reader *r)
{
	const lh_file_header *fh = (const void *)r->base;
	size_t off;
	char msg[160];

	off = fh->header_size;
	while (off < r->len) {
		const lh_block_header *bh = (const void *)(r->base + off);
		const uint8_t *pl;
		int rc;

		if (r->len - off < sizeof(*bh))
			return reader_fail(r, off, "truncated block header");
		if (bh->magic != LH_BLOCK_MAGIC)
			return reader_fail(r, off, "bad block magic");
		if (bh->payload_len % LH_TRACE_ALIGN)
			return reader_fail(r, off, "block length not a multiple of 8");
		if (bh->payload_len > r->len - off - sizeof(*bh)) {
			snprintf(msg, sizeof(msg), "truncated block (%u payload bytes, %zu present)",
				 bh->payload_len, r->len - off - sizeof(*bh));
			return reader_fail(r, off, msg);
		}
		pl = r->base + off + sizeof(*bh);
		if (lh_crc32c(0, pl, bh->payload_len) != bh->crc32c)
			return reader_fail(r, off, "block checksum mismatch");
		rc = reader_block(r, off, pl, bh->payload_len);
		if (rc)
			return rc;
		off += sizeof(*bh) + bh->payload_len;
	}
	return 0;
}

/* ---- resolution ---------------------------------------------------------- */

static int reader_resolve_deps(reader *r)
{
	lh_process *p = r->p;

	if (!r->nraw_deps)
		return 0;
	p->deps = calloc(r->nraw_deps, sizeof(*p->deps));
	if (!p->deps)
		return -ENOMEM;
	for (size_t i = 0; i < r->nraw_deps; i++) {
		const lh_rec_dep *dr = r->raw_deps[i];
		const lh_dep_held *hr = (const void *)(dr + 1);
		lh_dep *d = &p->deps[p->ndeps];

		d->tid = dr->tid;
		d->seg = dr->seg;
		d->stack = dr->stack;
		d->mode = dr->mode;
		d->lock = reader_ref(p, dr->lock);
		if (!d->lock)
			return -ENOMEM;
		if (dr->nheld) {
			d->held = calloc(dr->nheld, sizeof(*d->held));
			if (!d->held)
				return -ENOMEM;
		}
		p->ndeps++;
		for (uint32_t j = 0; j < dr->nheld; j++) {
			d->held[j].lock = reader_ref(p, hr[j].lock);
			if (!d->held[j].lock)
				return -ENOMEM;
			d->held[j].stack = hr[j].stack;
			d->held[j].mode = hr[j].mode;
			d->nheld++;
		}
	}
	return 0;
}

static int reader_fcount_cmp(const void *a, const void *b)
{
	uint32_t x = (*(const lh_rec_finding_count *const *)a)->serial;
	uint32_t y = (*(const lh_rec_finding_count *const *)b)->serial;

	return (x > y) - (x < y);
}

/* Occurrences of the FINDING record with this serial: the largest
 * FINDING_COUNT for it, else 1.  r->raw_fcount is sorted by serial. */
static unsigned reader_finding_count(const reader *r, uint32_t serial)
{
	size_t lo = 0, hi = r->nraw_fcount;
	uint64_t best = 1;

	if (!serial)
		return 1;
	while (lo < hi) {       /* first record with serial >= the one wanted */
		size_t mid = lo + (hi - lo) / 2;

		if (r->raw_fcount[mid]->serial < serial)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->nraw_fcount && r->raw_fcount[lo]->serial == serial; lo++)
		if (r->raw_fcount[lo]->count > best)
			best = r->raw_fcount[lo]->count;
	return best > UINT_MAX ? UINT_MAX : (unsigned)best;
}

static int reader_resolve_findings(reader *r)
{
	lh_process *p = r->p;
	lh_online *on;

	if (!r->nraw_find)
		return 0;
	on = calloc(r->nraw_find, sizeof(*on));
	if (!on)
		return -ENOMEM;
	p->online = on;
	if (r->nraw_fcount > 1)
		qsort(r->raw_fcount, r->nraw_fcount, sizeof(const lh_rec_finding_count *),
		      reader_fcount_cmp);
	for (size_t i = 0; i < r->nraw_find; i++) {
		const lh_rec_finding *fr = r->raw_find[i];
		const lh_finding_part *pr = (const void *)(fr + 1);
		size_t tail = fr->h.size - sizeof(*fr) - (size_t)fr->nparts * sizeof(*pr);
		lh_online *o = &on[p->nonline];

		o->kind = fr->kind;
		o->subkind = fr->subkind;
		o->tid = fr->tid;
		o->err = fr->err;
		o->count = reader_finding_count(r, fr->serial);
		o->message = reader_strdup((const char *)(pr + fr->nparts), tail, NULL);
		if (!o->message)
			return -ENOMEM;
		if (fr->nparts) {
			o->parts = calloc(fr->nparts, sizeof(*o->parts));
			if (!o->parts) {
				free(o->message);
				o->message = NULL;
				return -ENOMEM;
			}
		}
		p->nonline++;
		for (uint32_t j = 0; j < fr->nparts; j++) {
			lh_online_part *op = &o->parts[j];

			op->tid = pr[j].tid;
			op->role = pr[j].role;
			op->lock_id = pr[j].lock;
			op->lock = pr[j].lock ? reader_ref(p, pr[j].lock) : NULL;
			if (pr[j].lock && !op->lock)
				return -ENOMEM;
			op->stack = pr[j].stack;
			op->level = pr[j].level;
			op->mode = pr[j].mode;
			o->nparts++;
		}
	}
	return 0;
}

static void reader_resolve_threads(lh_process *p)
{
	for (lh_thread *t = p->threads; t; t = t->hh.next)
		t->created_at = lh_stack_find(p, t->create_stack);
}

/* The lock a reference of forked child p should use: the parent's real
 * lock for an inherited placeholder, else l itself. */
static lh_lock *reader_adopted(const lh_process *p, lh_lock *l)
{
	lh_lock *real;

	if (!l || !l->placeholder || l->id >= p->fork_lock_id)
		return l;
	real = lh_lock_find(p->parent, l->id);
	return (real && !real->placeholder) ? real : l;
}

/* Re-points a forked child's placeholder locks at the parent's locks: one
 * pass over the references (a hash lookup each), then the placeholders
 * that were replaced are dropped. */
static void reader_adopt(lh_process *p)
{
	lh_online *on = p->online;
	lh_lock *l, *lt;

	for (size_t i = 0; i < p->ndeps; i++) {
		p->deps[i].lock = reader_adopted(p, p->deps[i].lock);
		for (uint32_t j = 0; j < p->deps[i].nheld; j++)
			p->deps[i].held[j].lock = reader_adopted(p, p->deps[i].held[j].lock);
	}
	for (size_t i = 0; i < p->nonline; i++)
		for (uint32_t j = 0; j < on[i].nparts; j++)
			on[i].parts[j].lock = reader_adopted(p, on[i].parts[j].lock);
	for (l = p->locks; l; l = lt) {
		lt = l->hh.next;
		if (reader_adopted(p, l) == l)
			continue;
		HASH_DEL(p->locks, l);
		free(l->name);
		free(l->annotation);
		free(l);
	}
}

/* Finds the parent of every forked process whose parent's trace is known
 * (the latest process with that pid started no later than the child). */
static void reader_link(lh_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		lh_process *p = m->procs[i], *best = NULL;

		if (!(p->flags & LH_FILE_FORKED) || p->parent)
			continue;
		for (size_t j = 0; j < m->nprocs; j++) {
			lh_process *q = m->procs[j];

			if (q == p || q->pid != p->ppid || q->start_ns > p->start_ns)
				continue;
			if (!best || q->start_ns > best->start_ns)
				best = q;
		}
		/* corrupt or crafted pids (a child that is its parent's parent)
		 * must not make lh_lock_find / lh_stack_find walk a cycle */
		for (const lh_process *a = best; a && best; a = a->parent)
			if (a == p)
				best = NULL;
		if (!best)
			continue;
		p->parent = best;
		reader_adopt(p);
		reader_resolve_threads(p);
	}
}

/* ---- entry points ------------------------------------------------------- */

static int reader_map(const char *path, void **map, size_t *len)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO named like a trace must not block the open */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int err;

	if (fd < 0) {
		err = errno;
		lh_diag("%s: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		lh_diag("%s: %s", path, strerror(err));
		close(fd);
		return -err;
	}
	if (!S_ISREG(st.st_mode)) {
		lh_diag("%s: not a regular file", path);
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	*len = (size_t)st.st_size;
	*map = NULL;
	if (*len) {
		*map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (*map == MAP_FAILED) {
			err = errno;
			lh_diag("%s: %s", path, strerror(err));
			close(fd);
			*map = NULL;
			return -err;
		}
		madvise(*map, *len, MADV_SEQUENTIAL);
	}
	close(fd);
	return 0;
}

int lh_read_trace(lh_model *m, const char *path)
{
	reader r = { .m = m, .path = path };
	const lh_file_header *fh;
	lh_process **np;
	void *map = NULL;
	size_t len = 0;
	int rc, rc2;

	rc = reader_map(path, &map, &len);
	if (rc)
		return rc;
	r.base = map;
	r.len = len;
	fh = map;
	rc = reader_header(&r);
	if (rc) {
		/* foreign file, other version: nothing to keep */
		if (map)
			munmap(map, len);
		return rc;
	}
	np = realloc(m->procs, (m->nprocs + 1) * sizeof(lh_process *));
	r.p = calloc(1, sizeof(*r.p));
	if (np)
		m->procs = np;
	if (!np || !r.p) {
		free(r.p);
		munmap(map, len);
		return -ENOMEM;
	}
	r.p->map = map;
	r.p->map_len = len;
	r.p->pid = fh->pid;
	r.p->ppid = fh->ppid;
	r.p->start_ns = fh->start_ns;
	r.p->flags = fh->flags;
	r.p->trace_path = strdup(path);
	r.p->exe = strdup("");
	m->procs[m->nprocs++] = r.p;
	if (!r.p->trace_path || !r.p->exe)
		return -ENOMEM;     // cppcheck-suppress memleak ; r.p belongs to m->procs

	rc = reader_walk(&r);
	rc2 = reader_resolve_deps(&r);
	if (!rc2)
		rc2 = reader_resolve_findings(&r);
	free(r.raw_deps);
	free(r.raw_find);
	free(r.raw_fcount);
	reader_resolve_threads(r.p);
	r.p->events = r.p->event_records ? r.p->event_records : r.p->stats.lock_ops;
	reader_link(m);
	if (rc2 == -ENOMEM || rc == -ENOMEM) {
		lh_diag("%s: out of memory", path);
		return -ENOMEM;
	}
	return rc ? rc : rc2;
}

int lh_is_trace_name(const char *name)
{
	size_t n = strlen(name);

	return strncmp(name, "lockhound.", 10) == 0 && n > 16 &&
	       strcmp(name + n - 6, ".trace") == 0;
}

static int reader_is_trace(const struct dirent *d)
{
	return lh_is_trace_name(d->d_name);
}

int lh_read_path(lh_model *m, const char *path)
{
	struct dirent **ents = NULL;
	struct stat st;
	int n, rc = 0;

	if (stat(path, &st) < 0) {
		int err = errno;

		lh_diag("%s: %s", path, strerror(err));
		return -err;
	}
	if (!S_ISDIR(st.st_mode))
		return lh_read_trace(m, path);
	n = scandir(path, &ents, reader_is_trace, versionsort);
	if (n < 0) {
		int err = errno;

		lh_diag("%s: %s", path, strerror(err));
		return -err;
	}
	if (n == 0) {
		lh_diag("%s: no lockhound.*.trace files in this directory", path);
		rc = -ENOENT;
	}
	for (int i = 0; i < n; i++) {
		size_t l = strlen(path) + strlen(ents[i]->d_name) + 2;
		char *f = malloc(l);
		int r1;

		if (!f) {
			rc = -ENOMEM;
		} else {
			snprintf(f, l, "%s/%s", path, ents[i]->d_name);
			r1 = lh_read_trace(m, f);
			/* keep the first error, but an out-of-memory wins */
			if (r1 && (!rc || r1 == -ENOMEM))
				rc = r1;
			free(f);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}
