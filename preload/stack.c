/*
 * stack.c - stack capture (libunwind) and the stack depot.
 *
 * Stacks are captured only for something new (a new chain, a new lock, a
 * thread, a finding): it is the most expensive thing the shim does.  The
 * shim's own frames are dropped (every leading frame whose pc lies in
 * liblockhound.so), so pcs[0] is the program's call site of the intercepted
 * function; it is stored as return address - 1 so that it symbolizes to the
 * call instruction's line.
 *
 * The depot maps stack id (a hash of the pcs) -> pcs, so each STACK record is
 * written once per process and a finding can print any stack it refers to.
 * 64 shards, each an open-addressing array of entry pointers under a spin
 * lock: the depot is only touched on rare paths.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <string.h>

#include <libunwind.h>

#include "arena.h"
#include "shim.h"

#define DEPOT_SHARDS 64u

struct depot_ent {
	uint64_t id;
	uint32_t depth;
	uint32_t pad;
	uintptr_t pcs[];
};

struct depot_shard {
	lh_spin lock;
	uint32_t count, mask;
	struct depot_ent **tab;
};

static struct depot_shard depot[DEPOT_SHARDS];
static uintptr_t self_lo, self_hi;
_Atomic uint64_t lh_nstacks;

static int self_range_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t me = (uintptr_t)data;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < lo)
			lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (me >= lo && me < hi) {
		self_lo = lo;
		self_hi = hi;
		return 1;
	}
	return 0;
}

void stack_init_self_range(void)
{
	dl_iterate_phdr(self_range_cb, (void *)(uintptr_t)&stack_init_self_range);
}

int stack_in_shim(uintptr_t pc)
{
	return pc >= self_lo && pc < self_hi;
}

/* Inlined into stack_here: every frame between the capture and the
 * program's call site is unwound (and dropped), so one frame less is a
 * cheaper capture. */
static inline __attribute__((always_inline)) int capture(uintptr_t *pcs, int max)
{
	void *buf[LH_MAX_DEPTH + 16];
	int n, i, skip = 0, saved = lh_in_shim;

	if (max <= 0)
		return 0;
	if (max > LH_MAX_DEPTH)
		max = LH_MAX_DEPTH;
	lh_in_shim = 1;
	n = unw_backtrace(buf, max + 16);
	lh_in_shim = saved;
	/* drop every shim frame: the interceptor chain on top, and the thread
	 * trampoline at the bottom of a thread's stack */
	for (i = 0; skip < n && i < max; skip++) {
		uintptr_t pc = (uintptr_t)buf[skip];

		if (stack_in_shim(pc))
			continue;
		pcs[i++] = pc;
	}
	n = i;
	if (n > 0 && pcs[0])
		pcs[0] -= 1;
	return n;
}

int stack_capture(uintptr_t *pcs, int max)
{
	return capture(pcs, max);
}

uint64_t stack_id(const uintptr_t *pcs, int n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	int i;

	for (i = 0; i < n; i++) {
		h ^= pcs[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return n ? (h | 1u) : 0;
}

static struct depot_ent *shard_find(const struct depot_shard *sh, uint64_t id)
{
	uint32_t i;

	if (!sh->tab)
		return NULL;
	for (i = (uint32_t)(id >> 6) & sh->mask; sh->tab[i]; i = (i + 1) & sh->mask)
		if (sh->tab[i]->id == id)
			return sh->tab[i];
	return NULL;
}

static int shard_insert(struct depot_shard *sh, struct depot_ent *e)
{
	uint32_t i;

	if (!sh->tab || 2 * (sh->count + 1) > sh->mask + 1) {
		uint32_t cap = sh->tab ? 2 * (sh->mask + 1) : 64, j;
		struct depot_ent **tab = arena_alloc((size_t)cap * sizeof(void *));

		if (!tab)
			return -ENOMEM;
		for (j = 0; sh->tab && j <= sh->mask; j++) {
			if (!sh->tab[j])
				continue;
			for (i = (uint32_t)(sh->tab[j]->id >> 6) & (cap - 1); tab[i]; i = (i + 1) & (cap - 1))
				;
			tab[i] = sh->tab[j];
		}
		arena_free(sh->tab, sh->tab ? (size_t)(sh->mask + 1) * sizeof(void *) : 0);
		sh->tab = tab;
		sh->mask = cap - 1;
	}
	for (i = (uint32_t)(e->id >> 6) & sh->mask; sh->tab[i]; i = (i + 1) & sh->mask)
		;
	sh->tab[i] = e;
	sh->count++;
	return 0;
}

uint64_t stack_intern(const uintptr_t *pcs, int n)
{
	uint64_t id = stack_id(pcs, n);
	struct depot_shard *sh = &depot[id & (DEPOT_SHARDS - 1)];
	struct depot_ent *e;
	lh_rec_stack rec;

	if (!id)
		return 0;
	spin_lock(&sh->lock);
	e = shard_find(sh, id);
	if (e) {
		spin_unlock(&sh->lock);
		return id;
	}
	e = arena_alloc(sizeof(*e) + (size_t)n * sizeof(uintptr_t));
	if (e) {
		e->id = id;
		e->depth = (uint32_t)n;
		memcpy(e->pcs, pcs, (size_t)n * sizeof(uintptr_t));
	}
	if (!e || shard_insert(sh, e)) {
		spin_unlock(&sh->lock);
		return id;       /* not remembered: STACK may be written again */
	}
	spin_unlock(&sh->lock);
	memset(&rec, 0, sizeof(rec));
	rec.id = id;
	rec.depth = (uint32_t)n;
	tw_record(lh_self, LH_REC_STACK, &rec, sizeof(rec), pcs, (uint32_t)n * sizeof(uint64_t));
	atomic_fetch_add_explicit(&lh_nstacks, 1, memory_order_relaxed);
	return id;
}

uint64_t stack_here(int max)
{
	uintptr_t pcs[LH_MAX_DEPTH];
	int n;

	tw_modules_maybe_rescan(lh_self);
	n = capture(pcs, max);

	return stack_intern(pcs, n);
}

int stack_lookup(uint64_t id, const uintptr_t **pcs)
{
	struct depot_shard *sh = &depot[id & (DEPOT_SHARDS - 1)];
	struct depot_ent *e;

	if (!id)
		return 0;
	spin_lock(&sh->lock);
	e = shard_find(sh, id);
	spin_unlock(&sh->lock);
	if (!e)
		return 0;
	*pcs = e->pcs;
	return (int)e->depth;
}

void depot_fork_prepare(void)
{
	unsigned i;

	for (i = 0; i < DEPOT_SHARDS; i++)
		spin_lock(&depot[i].lock);
}

void depot_fork_parent(void)
{
	unsigned i;

	for (i = 0; i < DEPOT_SHARDS; i++)
		spin_unlock(&depot[i].lock);
}

/* The child writes a new trace file: every stack must be written again, so
 * the depot starts empty (the old entries are simply forgotten). */
void depot_fork_child(void)
{
	unsigned i;

	for (i = 0; i < DEPOT_SHARDS; i++) {
		spin_reset(&depot[i].lock);
		depot[i].tab = NULL;
		depot[i].count = 0;
		depot[i].mask = 0;
	}
	atomic_store_explicit(&lh_nstacks, 0, memory_order_relaxed);
}
