/*
 * test_shim_locktab.c - the shim's lock table (preload/locktab.c): address ->
 * entry for dense and sparse layouts (4-byte spinlock arrays, 40-byte mutex
 * arrays, one lock per page), growth without losing entries, the same entry
 * for the same address, none for an address never added, and two threads
 * inserting and finding at once.  Includes the sources directly: the shim is
 * not linked into the host library.
 */
#include "../../preload/arena.c"
#include "../../preload/locktab.c"
#include "tap.h"

#include <stdlib.h>

/* what locktab.c needs from the rest of the shim */
int lh_levels_active;
int64_t levels_for_addr(uintptr_t addr)
{
	(void)addr;
	return LH_NO_LEVEL;
}

/* n addresses base + i*stride: all added, then all found as the same entries */
static int layout_ok(uintptr_t base, uintptr_t stride, int n)
{
	struct lh_lock **first = calloc((size_t)n, sizeof(struct lh_lock *));
	int i, ok = first != NULL;

	for (i = 0; ok && i < n; i++) {
		first[i] = table_get(lh_locks, base + (uintptr_t)i * stride, LH_LOCK_MUTEX);
		ok = first[i] != NULL && first[i]->addr == base + (uintptr_t)i * stride;
	}
	for (i = 0; ok && i < n; i++)
		ok = table_find(lh_locks, base + (uintptr_t)i * stride) == first[i] &&
		     table_get(lh_locks, base + (uintptr_t)i * stride, LH_LOCK_MUTEX) == first[i];
	free(first);
	return ok;
}

struct racer {
	uintptr_t base;
	int ok;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	r->ok = layout_ok(r->base, 8, 50000);
	return NULL;
}

int main(void)
{
	pthread_t th[2];
	struct racer rc[2] = { { 0x7f0000000000u, 0 }, { 0x7f0000000004u, 0 } };
	uint64_t before;
	int i;

	tap_plan(9);
	tap_ok(table_init() == 0, "tables allocated");
	tap_ok(table_find(lh_locks, 0x1000) == NULL, "an address never added is not found");
	tap_ok(layout_ok(0x10000000u, 4, 100000), "100,000 spinlocks 4 bytes apart: all found, same entries");
	tap_ok(layout_ok(0x20000000u, 40, 100000), "100,000 mutexes 40 bytes apart: all found, same entries");
	tap_ok(layout_ok(0x40000000u, 4096, 20000), "20,000 locks one per page: all found, same entries");
	tap_ok(table_find(lh_locks, 0x20000000u + 20) == NULL, "an address between two mutexes is not found");
	before = table_live();
	tap_ok(layout_ok(0x20000000u, 40, 100000) && table_live() == before,
			"adding the same addresses again creates no entries");
	/* two threads on interleaved addresses (the same regions and shards) */
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, race, &rc[i]);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	tap_ok(rc[0].ok && rc[1].ok, "two threads adding and finding interleaved addresses at once");
	tap_ok(table_live() == before + 100000, "entries counted: %llu", (unsigned long long)table_live());
	return tap_done();
}
