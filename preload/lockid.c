/*
 * lockid.c - lock lifetimes.  A lifetime begins with an init call, or with
 * the first use of a lock the shim has not seen initialised (a static
 * initialiser: LH_ATTR_STATIC_INIT), and ends with destroy.  Each lifetime
 * gets a fresh id, so no edge of the lock-order graph survives a
 * destroy/re-init at the same address.
 *
 * Attributes are read from the lock object itself, so statically
 * initialised recursive/errorcheck mutexes are classified right:
 *   pthread_mutex_t.__data.__kind & 3   0 normal, 1 recursive, 2 errorcheck, 3 adaptive
 *   pthread_mutex_t.__data.__kind & 128 process-shared;  == -1 after destroy (glibc >= 2.25)
 *   pthread_rwlock_t.__data.__flags     2 = PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
 */
#include <string.h>

#include "shim.h"

_Atomic uint64_t lh_next_lock_id = 1;

uint32_t lock_attrs_of(uint32_t kind, const void *obj)
{
	uint32_t a = 0;

	if (kind == LH_LOCK_MUTEX || kind == LH_LOCK_MTX) {
		int k = ((const pthread_mutex_t *)obj)->__data.__kind;

		if (k == -1)
			return 0;
		if ((k & 3) == PTHREAD_MUTEX_RECURSIVE)
			a |= LH_ATTR_RECURSIVE;
		else if ((k & 3) == PTHREAD_MUTEX_ERRORCHECK)
			a |= LH_ATTR_ERRORCHECK;
		if (k & 128)
			a |= LH_ATTR_PSHARED;
	} else if (kind == LH_LOCK_RWLOCK) {
		const pthread_rwlock_t *rw = obj;

		if (rw->__data.__flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP)
			a |= LH_ATTR_PREFER_WRITER;
		if (rw->__data.__shared)
			a |= LH_ATTR_PSHARED;
	}
	return a;
}

/*
 * 1 when a mutex (or C11 mtx_t) the shim sees for the first time, with no
 * init call, is in a state no initialiser or valid use can produce, so it
 * was never initialised (garbage from malloc or the stack).  Zero bytes
 * (PTHREAD_MUTEX_INITIALIZER, calloc, static storage) and the recursive,
 * errorcheck and adaptive static initialisers pass, and so does any mutex
 * initialised or used before the shim was ready.  Impossible states:
 *   __kind with bits outside kind | robust | PI | PP | pshared | elision
 *     (-1 is a destroyed mutex: reported as that, not here);
 *   __count != 0 for a non-recursive kind (only recursion counts);
 *   plain mutexes: __lock == 0 with an __owner or __nusers (an unlock clears
 *     both before releasing __lock).  Robust, PI and PP mutexes keep other
 *     data in those words and skip this rule.
 */
int lock_never_initialised(uint32_t kind, const void *obj)
{
	const pthread_mutex_t *m = obj;
	int k;

	if (kind != LH_LOCK_MUTEX && kind != LH_LOCK_MTX)
		return 0;
	k = m->__data.__kind;
	if (k == -1)
		return 0;
	if ((unsigned)k & ~0x3f3u)
		return 1;
	if ((k & 3) != PTHREAD_MUTEX_RECURSIVE && m->__data.__count != 0)
		return 1;
	if (!(k & 0x70) && m->__data.__lock == 0 && (m->__data.__owner != 0 || m->__data.__nusers != 0))
		return 1;
	return 0;
}

static void lock_level_record(struct lh_thread *t, uint64_t id, int64_t level)
{
	lh_rec_lock_level rec;

	memset(&rec, 0, sizeof(rec));
	rec.id = id;
	rec.level = level;
	tw_record(t, LH_REC_LOCK_LEVEL, &rec, sizeof(rec), NULL, 0);
}

uint64_t lock_begin_life(struct lh_thread *t, struct lh_lock *lk, uint32_t kind,
		uint32_t attrs, int from_init, void *obj)
{
	uint64_t id = atomic_fetch_add_explicit(&lh_next_lock_id, 1, memory_order_relaxed);
	uint64_t old, stack;
	int64_t level;
	int saved = lh_in_shim;

	if (from_init) {
		old = atomic_exchange(&lk->id, id);
		if (old)
			lock_end_life(t, lk, obj);   /* re-init without destroy */
		atomic_store(&lk->id, id);
	} else {
		old = 0;
		attrs |= lock_attrs_of(kind, obj) | LH_ATTR_STATIC_INIT;
		if (!atomic_compare_exchange_strong(&lk->id, &old, id))
			return old;          /* another thread began it first */
	}
	lk->kind = kind;
	lk->attrs = attrs;
	atomic_store(&lk->owner, NULL);
	atomic_store(&lk->rd_owner, NULL);
	atomic_store(&lk->readers, 0);
	lh_in_shim = 1;
	stack = stack_here((int)lh_opt.stack_depth);
	tw_lock_record(t, lk, id, stack);
	level = atomic_load(&lk->level);
	if (level != LH_NO_LEVEL && level != LH_LEVEL_LEAF)
		lock_level_record(t, id, level);
	lh_in_shim = saved;
	if (!from_init && lock_never_initialised(kind, obj))
		finding_misuse(t, LH_MIS_UNINITIALIZED, lk, id, 0, NULL,
				"use of a lock that was never initialized");
	/* a use after destroy is reported where the real call fails with
	 * EINVAL (finding_call_error), once, instead of also here */
	return id;
}

void lock_end_life(struct lh_thread *t, struct lh_lock *lk, void *obj)
{
	lh_rec_lock_free rec;
	uint64_t id = atomic_exchange(&lk->id, 0);

	(void)obj;
	if (!id)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.id = id;
	rec.stack = 0;
	tw_record(t, LH_REC_LOCK_FREE, &rec, sizeof(rec), NULL, 0);
	atomic_store(&lk->owner, NULL);
	atomic_store(&lk->readers, 0);
}

void lock_set_level(struct lh_thread *t, struct lh_lock *lk, int64_t level)
{
	uint64_t id;

	atomic_store(&lk->level, level);
	id = atomic_load(&lk->id);
	if (id && level != LH_LEVEL_LEAF)
		lock_level_record(t, id, level);
}
