/*
 * locktab.c - address -> struct lh_lock, for mutexes, rwlocks, spinlocks,
 * C11 mutexes (lh_locks) and condition variables (lh_conds).
 *
 * One entry per address ever used, never freed: a lock's lifetimes at one
 * address share the entry and differ by lh_lock.id, so a pointer cached by a
 * thread (lock_lookup) can never dangle.
 *
 * Concurrency.  The table is split into 256 shards by address hash.  Readers
 * probe without any lock: a slot's `lk` is stored before its `addr`
 * (release), and a reader that matches `addr` (acquire) therefore sees `lk`.
 * Inserts and growth take the shard's spin lock.  Growth copies into a new
 * array and publishes it; the old array stays mapped (it is never reused),
 * so a reader still probing it sees a consistent, possibly older, picture;
 * a miss is re-checked under the lock before inserting.  Two threads locking
 * different mutexes thus never touch a common lock, and with the per-thread
 * cache the common path does not probe the table at all.
 *
 * No fixed limit: a shard grows without bound at load 1/4 (1,000,000 live
 * locks = ~4,000 per shard).
 */
#include <errno.h>
#include <string.h>

#include "arena.h"
#include "shim.h"

#define TAB_SHARDS 256u

struct tab_slot {
	_Atomic uintptr_t addr;
	_Atomic(struct lh_lock *) lk;
};

struct tab_arr {
	uint32_t mask;
	uint32_t pad;
	struct tab_slot s[];
};

struct tab_shard {
	_Atomic(struct tab_arr *) arr;
	lh_spin lock;
	uint32_t count;
	char pad[64 - sizeof(void *) - sizeof(lh_spin) - sizeof(uint32_t)];
};

struct lh_table {
	struct tab_shard shard[TAB_SHARDS];
};

struct lh_table *lh_locks, *lh_conds;
static _Atomic uint64_t tab_entries;

/* Locality: the addresses of one 256-byte region share the shard and a
 * random base slot, and take consecutive slots from it in address order
 * (4-byte steps), so a walk over an array of locks reads the table
 * sequentially instead of one random cache line (and TLB entry) per lock.
 * The load is kept at 1/4 so that the runs of dense arrays stay short. */
#define TAB_REGION_SHIFT 8u
#define TAB_REGION_SLOTS (1u << (TAB_REGION_SHIFT - 2u))

static inline uint64_t tab_hash(uintptr_t a)
{
	uint64_t x = (uint64_t)(a >> TAB_REGION_SHIFT) * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 29);
}

static inline uint32_t tab_start(uintptr_t a, uint64_t h)
{
	return (uint32_t)(h >> 8) + (uint32_t)((a >> 2) & (TAB_REGION_SLOTS - 1u));
}

int table_init(void)
{
	if (!lh_locks)
		lh_locks = arena_alloc(sizeof(struct lh_table));
	if (!lh_conds)
		lh_conds = arena_alloc(sizeof(struct lh_table));
	return lh_locks && lh_conds ? 0 : -ENOMEM;
}

static struct lh_lock *arr_find(const struct tab_arr *arr, uintptr_t addr, uint64_t h)
{
	uint32_t i;

	if (!arr)
		return NULL;
	for (i = tab_start(addr, h) & arr->mask;; i = (i + 1) & arr->mask) {
		uintptr_t a = atomic_load_explicit(&arr->s[i].addr, memory_order_acquire);

		if (a == addr)
			return atomic_load_explicit(&arr->s[i].lk, memory_order_relaxed);
		if (a == 0)
			return NULL;
	}
}

struct lh_lock *table_find(struct lh_table *t, uintptr_t addr)
{
	uint64_t h = tab_hash(addr);
	struct tab_shard *sh = &t->shard[h & (TAB_SHARDS - 1)];

	return arr_find(atomic_load_explicit(&sh->arr, memory_order_acquire), addr, h);
}

static void arr_put(struct tab_arr *arr, uintptr_t addr, struct lh_lock *lk)
{
	uint32_t i;

	for (i = tab_start(addr, tab_hash(addr)) & arr->mask;
	     atomic_load_explicit(&arr->s[i].addr, memory_order_relaxed);
	     i = (i + 1) & arr->mask)
		;
	atomic_store_explicit(&arr->s[i].lk, lk, memory_order_relaxed);
	atomic_store_explicit(&arr->s[i].addr, addr, memory_order_release);
}

static int shard_grow(struct tab_shard *sh)
{
	struct tab_arr *old = atomic_load_explicit(&sh->arr, memory_order_relaxed);
	uint32_t cap = old ? 2 * (old->mask + 1) : 64, i;
	struct tab_arr *arr = arena_alloc(sizeof(*arr) + (size_t)cap * sizeof(struct tab_slot));

	if (!arr)
		return -ENOMEM;
	arr->mask = cap - 1;
	if (old)
		for (i = 0; i <= old->mask; i++) {
			uintptr_t a = atomic_load_explicit(&old->s[i].addr, memory_order_relaxed);

			if (a)
				arr_put(arr, a, atomic_load_explicit(&old->s[i].lk, memory_order_relaxed));
		}
	atomic_store_explicit(&sh->arr, arr, memory_order_release);
	return 0;
}

/* The entry for addr, created (without a lifetime: id 0) if new; NULL only
 * when memory ran out. */
struct lh_lock *table_get(struct lh_table *t, uintptr_t addr, uint32_t kind)
{
	uint64_t h = tab_hash(addr);
	struct tab_shard *sh = &t->shard[h & (TAB_SHARDS - 1)];
	struct lh_lock *lk = arr_find(atomic_load_explicit(&sh->arr, memory_order_acquire), addr, h);
	struct tab_arr *arr;

	if (LH_LIKELY(lk != NULL))
		return lk;
	spin_lock(&sh->lock);
	arr = atomic_load_explicit(&sh->arr, memory_order_relaxed);
	lk = arr_find(arr, addr, h);
	if (lk)
		goto out;
	if (!arr || 4 * (sh->count + 1) > arr->mask + 1) {
		if (shard_grow(sh))
			goto out;
		arr = atomic_load_explicit(&sh->arr, memory_order_relaxed);
	}
	lk = arena_alloc(sizeof(*lk));
	if (!lk)
		goto out;
	lk->addr = addr;
	lk->kind = kind;
	atomic_store_explicit(&lk->level, LH_NO_LEVEL, memory_order_relaxed);
	if (lh_levels_active && t == lh_locks)
		atomic_store_explicit(&lk->level, levels_for_addr(addr), memory_order_relaxed);
	arr_put(arr, addr, lk);
	sh->count++;
	atomic_fetch_add_explicit(&tab_entries, 1, memory_order_relaxed);
out:
	spin_unlock(&sh->lock);
	return lk;
}

uint64_t table_live(void)
{
	return atomic_load_explicit(&tab_entries, memory_order_relaxed);
}

static void tab_each_shard(void (*fn)(lh_spin *))
{
	struct lh_table *tabs[2] = { lh_locks, lh_conds };
	unsigned i, j;

	for (j = 0; j < 2; j++)
		if (tabs[j])
			for (i = 0; i < TAB_SHARDS; i++)
				fn(&tabs[j]->shard[i].lock);
}

void table_fork_prepare(void) { tab_each_shard(spin_lock); }
void table_fork_parent(void) { tab_each_shard(spin_unlock); }
void table_fork_child(void) { tab_each_shard(spin_reset); }
