/*
 * test_shim_chainset.c - the shim's pure parts: the per-thread chain set
 * (validate each chain once) and the mmap arena.  Includes the sources
 * directly: the shim is not linked into the host library.
 */
#include "../../preload/arena.c"
#include "../../preload/chainset.c"
#include "tap.h"

int main(void)
{
	struct lh_chainset cs = { 0 };
	uint64_t chain = LH_CHAIN_SEED, k1, k2;
	int i, found = 0, misses = 0;
	char *p, *q;

	tap_plan(9);
	k1 = chain_mix(chain_mix(chain, 1, 1), 2, 1);
	k2 = chain_mix(chain_mix(chain, 2, 1), 1, 1);
	tap_ok(k1 != k2, "chain hash depends on the order of the held locks");
	tap_ok(chain_mix(chain, 1, 1) != chain_mix(chain, 1, 2), "chain hash depends on the mode");
	tap_ok(chainset_find(&cs, k1, 2, 1, 0) == NULL, "empty set finds nothing");
	for (i = 1; i <= 100000; i++)
		if (chainset_add(&cs, chain_mix(chain, (uint64_t)i, 1), (uint64_t)i, 1, 0, (uint64_t)i * 7))
			break;
	tap_ok(i == 100001, "100,000 chains inserted (the set grows)");
	for (i = 1; i <= 100000; i++) {
		struct lh_chain_ent *e = chainset_find(&cs, chain_mix(chain, (uint64_t)i, 1), (uint64_t)i, 1, 0);

		found += e && e->stack == (uint64_t)i * 7;
	}
	tap_ok(found == 100000, "every chain found with its stack (%d)", found);
	for (i = 1; i <= 1000; i++)
		misses += chainset_find(&cs, chain_mix(chain, (uint64_t)i, 1), (uint64_t)i, 1, 1) == NULL;
	tap_ok(misses == 1000, "a new segment sees none of the old chains");
	{
		uint32_t mask = cs.mask, added = 0;

		while (cs.mask == mask && added < 1000000) {
			chainset_add(&cs, chain_mix(k1, added, 1), added, 1, 1, 5);
			added++;
		}
		tap_ok(cs.count == added && chainset_find(&cs, chain_mix(k1, 0, 1), 0, 1, 1) != NULL,
		       "rehash in a new segment keeps only its entries (count %u, added %u)", cs.count, added);
	}
	chainset_clear(&cs);
	p = arena_alloc(100);
	q = arena_alloc(1 << 20);
	tap_ok(p && q && p[99] == 0 && q[(1 << 20) - 1] == 0, "arena memory is zeroed, small and large");
	memset(p, 1, 100);
	arena_free(p, 100);
	q = arena_alloc(100);
	tap_ok(q == p && q[50] == 0, "a freed block is reused and zeroed again");
	return tap_done();
}
