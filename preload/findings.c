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
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "shim.h"

/*
 * The dedup set.  Each entry is a finding key, the serial number its FINDING
 * record carries (lh_rec_finding.serial, per process, from 1) and how many
 * times it was seen.  At exit finding_counts_write() writes a FINDING_COUNT
 * record for every entry seen more than once, so the analyzer reports the
 * number of occurrences without the shim writing (or printing) a repeat.
 */
struct once_ent {
	uint64_t key;             /* 0 = free slot                              */
	uint32_t serial;          /* 0: no FINDING record to count              */
	uint32_t reserved;
	uint64_t count;
};

static lh_spin once_lock;
static struct once_ent *once_tab;
static uint32_t once_mask, once_count;
static uint32_t once_serial;      /* last serial handed out                  */
static uint32_t once_serial_base; /* fork child: serials below are the parent's */

static uint64_t once_key(uint32_t kind, uint32_t sub, uint64_t a, uint64_t b)
{
	uint64_t k = chain_mix(chain_mix(((uint64_t)kind << 32) | sub, a, 0), b, 1);

	return k ? k : 1;
}

/* Doubles the set (or makes the first one); 0, or -ENOMEM.  once_lock held. */
static int once_grow(void)
{
	uint32_t cap = once_tab ? 2 * (once_mask + 1) : 256, i, j;
	struct once_ent *tab = arena_alloc((size_t)cap * sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (j = 0; once_tab && j <= once_mask; j++) {
		if (!once_tab[j].key)
			continue;
		for (i = (uint32_t)once_tab[j].key & (cap - 1); tab[i].key; i = (i + 1) & (cap - 1))
			;
		tab[i] = once_tab[j];
	}
	arena_free(once_tab, once_tab ? (size_t)(once_mask + 1) * sizeof(*tab) : 0);
	once_tab = tab;
	once_mask = cap - 1;
	return 0;
}

/*
 * The first time (kind, sub, a, b) is seen: its serial for finding_write()
 * (non-zero; LH_SERIAL_NONE when out of memory: reported, not counted).
 * Afterwards 0, and the occurrence is counted.
 */
uint32_t finding_once(uint32_t kind, uint32_t sub, uint64_t a, uint64_t b)
{
	uint64_t k = once_key(kind, sub, a, b);
	uint32_t i, serial = LH_SERIAL_NONE;

	spin_lock(&once_lock);
	if ((!once_tab || 2 * (once_count + 1) > once_mask + 1) && once_grow())
		goto out;   /* no memory: report again rather than never */
	for (i = (uint32_t)k & once_mask; once_tab[i].key; i = (i + 1) & once_mask)
		if (once_tab[i].key == k) {
			once_tab[i].count++;
			serial = 0;
			goto out;
		}
	serial = ++once_serial;
	if (serial == LH_SERIAL_NONE)
		serial = once_serial = 1;   /* 4 billion findings: wrap, never NONE */
	once_tab[i].key = k;
	once_tab[i].serial = serial;
	once_tab[i].count = 1;
	once_count++;
out:
	spin_unlock(&once_lock);
	return serial;
}

/* FINDING_COUNT records for the findings seen more than once (at exit). */
void finding_counts_write(struct lh_thread *t)
{
	lh_rec_finding_count rec;
	uint32_t i;

	for (i = 0;; i++) {
		spin_lock(&once_lock);
		if (!once_tab || i > once_mask) {
			spin_unlock(&once_lock);
			return;
		}
		memset(&rec, 0, sizeof(rec));
		if (once_tab[i].key && once_tab[i].count > 1 && once_tab[i].serial > once_serial_base) {
			rec.serial = once_tab[i].serial;
			rec.count = once_tab[i].count;
		}
		spin_unlock(&once_lock);
		if (rec.serial)
			tw_record(t, LH_REC_FINDING_COUNT, &rec, sizeof(rec), NULL, 0);
	}
}

/* fork child: the parent's FINDING records are in the parent's file, so
 * their counts are the parent's; the child counts only its own findings. */
void finding_fork_child(void)
{
	spin_reset(&once_lock);
	once_serial_base = once_serial;
}

void finding_write(struct lh_thread *t, uint32_t kind, uint32_t sub, int err, uint32_t serial,
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
	f->serial = serial == LH_SERIAL_NONE ? 0 : serial;
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
	uint32_t serial = finding_once(LH_FIND_MISUSE, sub, id ? id : (uint64_t)lk->addr,
			(uint64_t)(uintptr_t)caller ^ ((uint64_t)(uint32_t)err << 48));

	if (!serial)
		return;
	lh_in_shim = 1;
	memset(&part, 0, sizeof(part));
	part.tid = t->tid;
	part.role = LH_ROLE_OTHER;
	part.lock = id;
	part.stack = stack_here(lh_opt.stack_depth ? (int)lh_opt.stack_depth : 24);
	part.level = atomic_load(&lk->level);
	finding_write(t, LH_FIND_MISUSE, sub, err, serial, &part, 1, what);
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

/*
 * An intercepted call on lk returned the error r: misuse.  EINVAL from a
 * mutex that glibc marked destroyed (__data.__kind == -1, lockid.c) is the
 * use of a destroyed lock, and only that is reported for the call (not also
 * the error return it causes).  Likewise EINVAL from a mutex that was
 * never initialised (lockid.c) adds nothing to that finding.
 */
void finding_call_error(struct lh_thread *t, struct lh_lock *lk, uint64_t id, int r,
		void *caller, const char *what)
{
	if (r == EINVAL && (lk->kind == LH_LOCK_MUTEX || lk->kind == LH_LOCK_MTX) &&
	    ((const pthread_mutex_t *)lk->addr)->__data.__kind == -1)
		finding_misuse(t, LH_MIS_DESTROYED_USE, lk, id, 0, caller, "use of a destroyed lock");
	else if (r == EINVAL && (lk->attrs & LH_ATTR_STATIC_INIT) &&
		 lock_never_initialised(lk->kind, (const void *)lk->addr))
		return;   /* the cause, never initialised, was reported at first use */
	else
		finding_misuse(t, LH_MIS_ERROR_RETURN, lk, id, r, caller, what);
}

/*
 * `call` (e.g. "write(2)") made at `caller` inside an STM transaction
 * attempt: a misuse with no lock, once per call site.
 */
void finding_in_tx(struct lh_thread *t, const char *call, void *caller)
{
	static const char rest[] = " inside an STM transaction attempt: it is repeated if the "
		"attempt retries; move it to lh_on_commit()";
	lh_finding_part part;
	char msg[sizeof(rest) + 64], tb[24];
	size_t l = strnlen(call, 63);
	int saved = lh_in_shim;
	uint32_t serial = finding_once(LH_FIND_MISUSE, LH_MIS_BLOCK_IN_TX, 0x696f /* "io" */,
			(uint64_t)(uintptr_t)caller);

	if (!serial)
		return;
	lh_in_shim = 1;
	memcpy(msg, call, l);
	memcpy(msg + l, rest, sizeof(rest));
	memset(&part, 0, sizeof(part));
	part.tid = t->tid;
	part.role = LH_ROLE_OTHER;
	part.lock = 0;
	part.stack = stack_here(lh_opt.stack_depth ? (int)lh_opt.stack_depth : 24);
	part.level = LH_NO_LEVEL;
	finding_write(t, LH_FIND_MISUSE, LH_MIS_BLOCK_IN_TX, 0, serial, &part, 1, msg);
	lh_say("misuse: ", msg, ": thread T", fmt_u64(tb, t->tid), LH_END);
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
