/*
 * chainset.h - "validate each lock chain once" (lockdep's idea), per thread.
 *
 * A thread's chain hash is a running, order-sensitive hash of the locks it
 * holds: chain_mix(chain_before, lock id, mode) is the chain after pushing
 * that lock.  The pair (chain before, acquired lock+mode) is exactly what a
 * DEP record describes, and chain_mix of it is the key of this set.  If the
 * key is in the set for the thread's current segment, the DEP was already
 * written and nothing new can be learned: the common path ends with one probe.
 *
 * Why a per-thread set: the DEP identity is (thread, segment, chain), so a
 * per-thread table needs no lock at all and two threads never share a cache
 * line on the common path.  Entries of older segments are never matched
 * again (segments only grow); they are dropped when the table is rehashed.
 *
 * Correctness of skipping: equal keys mean equal (held sequence, lock, mode)
 * up to a 64-bit hash collision (probability ~ n^2 / 2^65 for n chains); the
 * lock id and mode are compared exactly as well.
 */
#ifndef LH_CHAINSET_H
#define LH_CHAINSET_H

#include <stdint.h>

#define LH_CHAIN_SEED 0x6c6f636b686f756eull   /* chain hash of "no lock held" */

struct lh_chain_ent {
	uint64_t key;       /* chain after the acquisition; 0 = empty slot     */
	uint64_t lock;      /* acquired lock id                               */
	uint64_t stack;     /* stack id of the first acquisition with this key */
	uint32_t seg;       /* thread segment of the entry                    */
	uint32_t mode;
};
_Static_assert(sizeof(struct lh_chain_ent) == 32, "two entries per cache line");

struct lh_chainset {
	struct lh_chain_ent *tab;
	uint32_t mask;      /* capacity - 1; capacity is a power of two        */
	uint32_t count;
	uint32_t retry_at;  /* after a failed growth: count at which to retry  */
};

static inline uint64_t chain_mix(uint64_t chain, uint64_t lock, uint32_t mode)
{
	uint64_t x = chain ^ (lock * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)mode << 56);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x | 1u;      /* never 0: 0 marks an empty slot */
}

/* The entry for (key, lock, mode) in segment seg, or NULL. */
static inline struct lh_chain_ent *chainset_find(const struct lh_chainset *cs,
		uint64_t key, uint64_t lock, uint32_t mode, uint32_t seg)
{
	uint32_t i;

	if (!cs->tab)
		return 0;
	for (i = (uint32_t)key & cs->mask;; i = (i + 1) & cs->mask) {
		struct lh_chain_ent *e = &cs->tab[i];

		if (e->key == 0)
			return 0;
		if (e->key == key && e->lock == lock && e->mode == mode && e->seg == seg)
			return e;
	}
}

/* Insert; 0 or -ENOMEM (the set then stays as it was: the caller writes the
 * DEP anyway and will write it again next time, which is only redundant). */
int chainset_add(struct lh_chainset *cs, uint64_t key, uint64_t lock, uint32_t mode,
		uint32_t seg, uint64_t stack);
/* Release the table (thread exit, fork child). */
void chainset_clear(struct lh_chainset *cs);

#endif
