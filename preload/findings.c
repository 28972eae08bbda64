/*
 * findings.c - online findings: dedup, FINDING records, the stderr report,
 * and the halt (flush, then _exit(LH_EXIT_DEADLOCK)).
 *
 * Dedup keys are (kind, subkind, a, b) hashed into one global set of 64-bit
 * keys (spin lock; findings are rare by nature).  Misuse is keyed by the
 * lock and the interceptor's return address, so a misuse in a loop costs one
 * probe per iteration after the first, and writes one record.
 */
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "shim.h"

static lh_spin once_lock;
static uint64_t *once_tab;
static uint32_t once_mask, once_count;

static uint64_t once_key(uint32_t kind, uint32_t sub, uint64_t a, uint64_t b)
{
	uint64_t k = chain_mix(chain_mix(((uint64_t)kind << 32) | sub, a, 0), b, 1);

	return k ? k : 1;
}

/* 1 the first time (kind, sub, a, b) is seen, else 0. */
int finding_once(uint32_t kind, uint32_t sub, uint64_t a, uint64_t b)
{
	uint64_t k = once_key(kind, sub, a, b);
	uint32_t i;
	int fresh = 1;

	spin_lock(&once_lock);
	if (!once_tab || 2 * (once_count + 1) > once_mask + 1) {
		uint32_t cap = once_tab ? 2 * (once_mask + 1) : 256, j;
		uint64_t *tab = arena_alloc((size_t)cap * sizeof(*tab));

		if (!tab)
			goto out;   /* no memory: report again rather than never */
		for (j = 0; once_tab && j <= once_mask; j++) {
			if (!once_tab[j])
				continue;
			for (i = (uint32_t)once_tab[j] & (cap - 1); tab[i]; i = (i + 1) & (cap - 1))
				;
			tab[i] = once_tab[j];
		}
		arena_free(once_tab, once_tab ? (size_t)(once_mask + 1) * sizeof(*tab) : 0);
		once_tab = tab;
		once_mask = cap - 1;
	}
	for (i = (uint32_t)k & once_mask; once_tab[i]; i = (i + 1) & once_mask)
		if (once_tab[i] == k) {
			fresh = 0;
			goto out;
		}
	once_tab[i] = k;
	once_count++;
out:
	spin_unlock(&once_lock);
	return fresh;
}

void finding_write(struct lh_thread *t, uint32_t kind, uint32_t sub, int err,
		const lh_finding_part *parts, uint32_t nparts, const char *msg)
{
	struct lh_tbuf *b = tw_buf(t);
	size_t ml = strlen(msg) + 1;
	uint32_t size = (uint32_t)LH_REC_ALIGN(sizeof(lh_rec_finding) + nparts * sizeof(*parts) + ml);
	lh_rec_finding *f = tw_begin(b, size);

	if (!f)
		return;
	f->h.type = LH_REC_FINDING;
	f->h.size = size;
	f->kind = kind;
	f->subkind = sub;
	f->tid = t ? t->tid : 0;
	f->nparts = nparts;
	f->err = err;
	memcpy(f + 1, parts, nparts * sizeof(*parts));
	memcpy((char *)(f + 1) + nparts * sizeof(*parts), msg, ml);
	tw_end(b, size);
}

const char *lock_kind_name(uint32_t kind)
{
	switch (kind) {
	case LH_LOCK_MUTEX: return "mutex";
	case LH_LOCK_RWLOCK: return "rwlock";
	case LH_LOCK_SPIN: return "spinlock";
	case LH_LOCK_MTX: return "mtx";
	case LH_KIND_COND: return "condvar";
	default: return "lock";
	}
}

/* "name" from the API, else "symbol" (global variable), else "0xADDR". */
void lock_label(const struct lh_lock *lk, char *buf, size_t len)
{
	const char *name = atomic_load(&lk->name);
	Dl_info di;
	char hex[24];
	size_t l;

	fmt_hex(hex, lk->addr);
	if (!name && dladdr((void *)lk->addr, &di) && di.dli_sname && (uintptr_t)di.dli_saddr == lk->addr)
		name = di.dli_sname;
	l = 0;
	if (name) {
		l = strlen(name);
		if (l > len - 30)
			l = len - 30;
		memcpy(buf, name, l);
		buf[l++] = ' ';
		buf[l++] = '(';
	}
	memcpy(buf + l, hex, strlen(hex) + 1);
	if (name) {
		l = strlen(buf);
		buf[l++] = ')';
		buf[l] = 0;
	}
}

void finding_print_stack(uint64_t stack)
{
	const uintptr_t *pcs;
	int n = stack_lookup(stack, &pcs), i;
	char num[24], pc[24], off[24];
	Dl_info di;

	for (i = 0; i < n; i++) {
		const char *sym = "?", *mod = "?";

		fmt_u64(num, (uint64_t)i);
		fmt_hex(pc, pcs[i]);
		off[0] = 0;
		if (dladdr((void *)pcs[i], &di)) {
			if (di.dli_sname) {
				sym = di.dli_sname;
				fmt_hex(off, pcs[i] - (uintptr_t)di.dli_saddr);
			}
			if (di.dli_fname)
				mod = di.dli_fname;
		}
		lh_say("    #", num, " ", pc, " ", sym, off[0] ? "+" : "", off, " (", mod, ")", LH_END);
	}
	if (n == 0)
		lh_say("    (no stack)", LH_END);
}

void finding_misuse(struct lh_thread *t, uint32_t sub, struct lh_lock *lk, uint64_t id,
		int err, void *caller, const char *what)
{
	lh_finding_part part;
	char tb[24], name[160], eb[24];
	int saved = lh_in_shim;

	if (!finding_once(LH_FIND_MISUSE, sub, id ? id : (uint64_t)lk->addr,
			(uint64_t)(uintptr_t)caller ^ ((uint64_t)(uint32_t)err << 48)))
		return;
	lh_in_shim = 1;
	memset(&part, 0, sizeof(part));
	part.tid = t->tid;
	part.role = LH_ROLE_OTHER;
	part.lock = id;
	part.stack = stack_here(lh_opt.stack_depth ? (int)lh_opt.stack_depth : 24);
	part.level = atomic_load(&lk->level);
	finding_write(t, LH_FIND_MISUSE, sub, err, &part, 1, what);
	lock_label(lk, name, sizeof(name));
	if (err)
		lh_say("misuse: ", what, " (error ", fmt_u64(eb, (uint64_t)err), ", ", strerror(err),
				"): thread T", fmt_u64(tb, t->tid), ", ", lock_kind_name(lk->kind), " ", name, LH_END);
	else
		lh_say("misuse: ", what, ": thread T", fmt_u64(tb, t->tid), ", ",
				lock_kind_name(lk->kind), " ", name, LH_END);
	finding_print_stack(part.stack);
	tw_flush(tw_buf(t));
	lh_in_shim = saved;
}

/* halt_on_deadlock=1: everything is flushed already; leave now. */
void finding_halt(void)
{
	char code[24];

	lh_say("halting (halt_on_deadlock=1): exit status ", fmt_u64(code, LH_EXIT_DEADLOCK), LH_END);
	shim_flush_everything(1);
	REAL(_exit)(LH_EXIT_DEADLOCK);
}
