/*
 * chainset.c - growth of the per-thread chain set (see chainset.h).
 * Load factor is kept at or below 1/2, so linear probing stays short (up to
 * 7/8 while memory is short, see chainset_add).
 */
#include "chainset.h"

#include <errno.h>
#include <stddef.h>

#include "arena.h"

static void chainset_put(struct lh_chain_ent *tab, uint32_t mask, const struct lh_chain_ent *e)
{
	uint32_t i;

	for (i = (uint32_t)e->key & mask; tab[i].key; i = (i + 1) & mask)
		;
	tab[i] = *e;
}

static int chainset_grow(struct lh_chainset *cs, uint32_t seg)
{
	uint32_t old_cap = cs->tab ? cs->mask + 1 : 0;
	uint32_t live = 0, cap, i;
	struct lh_chain_ent *tab;

	for (i = 0; i < old_cap; i++)
		if (cs->tab[i].key && cs->tab[i].seg == seg)
			live++;
	cap = 64;
	while (cap < 4 * (live + 1))
		cap *= 2;
	tab = arena_alloc((size_t)cap * sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (i = 0; i < old_cap; i++)
		if (cs->tab[i].key && cs->tab[i].seg == seg)
			chainset_put(tab, cap - 1, &cs->tab[i]);
	arena_free(cs->tab, (size_t)old_cap * sizeof(*tab));
	cs->tab = tab;
	cs->mask = cap - 1;
	cs->count = live;
	return 0;
}

int chainset_add(struct lh_chainset *cs, uint64_t key, uint64_t lock, uint32_t mode,
		uint32_t seg, uint64_t stack)
{
	struct lh_chain_ent e = { key, lock, stack, seg, mode };

	if (!cs->tab || 2 * (cs->count + 1) > cs->mask + 1) {
		/* Out of memory: growth (a scan of the whole table) is retried
		 * only after 1/8 more entries, so the cost stays amortised
		 * instead of one full scan per new chain; meanwhile the table
		 * fills up to 7/8, which keeps empty slots to end every probe. */
		int r = -ENOMEM;

		if (!cs->tab || cs->count + 1 >= cs->retry_at) {
			r = chainset_grow(cs, seg);
			if (r)
				cs->retry_at = cs->count + 2 + (cs->count >> 3);
		}
		if (r && (!cs->tab || 8 * ((uint64_t)cs->count + 1) > 7 * ((uint64_t)cs->mask + 1)))
			return r;
	}
	chainset_put(cs->tab, cs->mask, &e);
	cs->count++;
	return 0;
}

void chainset_clear(struct lh_chainset *cs)
{
	if (cs->tab)
		arena_free(cs->tab, (size_t)(cs->mask + 1) * sizeof(*cs->tab));
	cs->tab = NULL;
	cs->mask = 0;
	cs->count = 0;
	cs->retry_at = 0;
}
