/*
 * api.c - the strong definitions behind include/lockhound/lockhound.h.
 * These are called by the program (not interceptors), but still never use
 * malloc or stdio: they run inside arbitrary programs.
 */
#include <errno.h>
#include <string.h>

#include "arena.h"
#include "shim.h"

LH_EXPORT int lh_shim_active(void)
{
	return atomic_load(&lh_state) == LH_READY;
}

LH_EXPORT void lh_shim_lock_name(void *lock, const char *name)
{
	struct lh_thread *t = shim_enter();
	struct lh_lock *lk;
	lh_rec_lock_name rec;
	size_t n;
	char *copy;
	uint64_t id;
	int64_t level;

	if (!t || !lock || !name)
		return;
	lk = lock_lookup(t, lock, LH_LOCK_MUTEX);
	if (!lk)
		return;
	n = strlen(name);
	copy = arena_alloc(n + 1);
	if (!copy)
		return;
	memcpy(copy, name, n);
	atomic_store(&lk->name, copy);
	id = atomic_load(&lk->id);
	if (id) {
		memset(&rec, 0, sizeof(rec));
		rec.id = id;
		tw_record(t, LH_REC_LOCK_NAME, &rec, sizeof(rec), copy, (uint32_t)n + 1);
	}
	if (lh_levels_active && (level = levels_for_name(name)) != LH_NO_LEVEL)
		lock_set_level(t, lk, level);
}

LH_EXPORT void lh_shim_lock_level(void *lock, long level)
{
	struct lh_thread *t = shim_enter();
	struct lh_lock *lk;

	if (!t || !lock)
		return;
	lk = lock_lookup(t, lock, LH_LOCK_MUTEX);
	if (lk)
		lock_set_level(t, lk, (int64_t)level);
}

LH_EXPORT void lh_shim_lock_leaf(void *lock)
{
	struct lh_thread *t = shim_enter();
	struct lh_lock *lk;
	int64_t none = LH_NO_LEVEL;

	if (!t || !lock)
		return;
	lk = lock_lookup(t, lock, LH_LOCK_MUTEX);
	if (!lk)
		return;
	lk->attrs |= LH_ATTR_LEAF;
	atomic_compare_exchange_strong(&lk->level, &none, LH_LEVEL_LEAF);
}

static int64_t api_level(struct lh_thread *t, pthread_mutex_t *m)
{
	struct lh_lock *lk = lock_lookup(t, m, LH_LOCK_MUTEX);

	return lk ? atomic_load(&lk->level) : LH_NO_LEVEL;
}

/* a before b: higher level first, then lower address */
static int api_before(struct lh_thread *t, pthread_mutex_t *a, pthread_mutex_t *b)
{
	int64_t la = api_level(t, a), lb = api_level(t, b);

	if (la != lb)
		return la > lb;
	return a < b;
}

LH_EXPORT int lh_shim_lock_many(pthread_mutex_t **locks, size_t n)
{
	struct lh_thread *t = shim_enter();
	pthread_mutex_t **order;
	size_t i, j, k;
	int r = 0;

	if (!t) {
		for (i = 0; i < n; i++)
			if ((r = pthread_mutex_lock(locks[i])) != 0)
				return r;
		return 0;
	}
	order = arena_alloc(n * sizeof(void *) + 1);
	if (!order)
		return ENOMEM;
	/* insertion sort, dropping duplicates */
	for (i = 0, k = 0; i < n; i++) {
		for (j = 0; j < k && order[j] != locks[i]; j++)
			;
		if (j < k)
			continue;
		for (j = k; j > 0 && api_before(t, locks[i], order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = locks[i];
		k++;
	}
	t->in_many++;
	for (i = 0; i < k; i++)
		if ((r = pthread_mutex_lock(order[i])) != 0)
			break;
	t->in_many--;
	if (r)
		while (i-- > 0)
			pthread_mutex_unlock(order[i]);
	arena_free(order, n * sizeof(void *) + 1);
	return r;
}

LH_EXPORT int lh_shim_unlock_many(pthread_mutex_t **locks, size_t n)
{
	size_t i, j;
	int r = 0, e;

	for (i = n; i-- > 0;) {
		for (j = 0; j < i && locks[j] != locks[i]; j++)
			;
		if (j < i)
			continue;
		e = pthread_mutex_unlock(locks[i]);
		if (e && !r)
			r = e;
	}
	return r;
}
