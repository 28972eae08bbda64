/*
 * test_stm_alloc.c - memory across aborts: what an aborted attempt allocated
 * is freed, frees wait for commit and for every older transaction to end.
 * Run under AddressSanitizer (make SANITIZE=address) it also proves no leak.
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static lh_tvar *X, *list;
static sem_t go, done, in_tx, leave_tx;
static _Atomic int stop;
static int attempts, aborted_hooks;

static int bump(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, X, lh_read(tx, X) + 1);
	return 0;
}

static void *aggressor(void *arg)
{
	(void)arg;
	for (;;) {
		sem_wait(&go);
		if (atomic_load(&stop))
			return NULL;
		lh_atomically(bump, NULL);
		sem_post(&done);
	}
}

static void count_abort(void *arg)
{
	(void)arg;
	aborted_hooks++;
}

/* Each attempt allocates a block and a TVar; the first 3 attempts are forced to abort. */
static int alloc_and_conflict(lh_tx *tx, void *arg)
{
	intptr_t v = lh_read(tx, X);
	char *blk = lh_tx_malloc(tx, 100);
	lh_tvar *tv = lh_tvar_new(v);

	(void)arg;
	memset(blk, 1, 100);
	lh_on_abort(tx, count_abort, NULL);
	lh_write_ptr(tx, list, blk);
	lh_write(tx, tv, 5);
	lh_tvar_free(tv);       /* a TVar made and freed in one transaction */
	if (++attempts <= 3) {
		sem_post(&go);
		sem_wait(&done);
	}
	lh_write(tx, X, v + 1);
	return 0;
}

static int drop_block(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_tx_free(tx, lh_read_ptr(tx, list));
	lh_write_ptr(tx, list, NULL);
	return 0;
}

static lh_tvar *victim;

static int hold(lh_tx *tx, void *arg)
{
	(void)arg;
	(void)lh_read(tx, X);
	sem_post(&in_tx);
	sem_wait(&leave_tx);
	return 0;
}

static void *holder(void *arg)
{
	(void)arg;
	lh_atomically(hold, NULL);
	return NULL;
}

int main(void)
{
	pthread_t t, ag;
	size_t base;
	int i;

	alarm(30);
	tap_plan(7);
	sem_init(&go, 0, 0);
	sem_init(&done, 0, 0);
	sem_init(&in_tx, 0, 0);
	sem_init(&leave_tx, 0, 0);
	X = lh_tvar_new(0);
	list = lh_tvar_new(0);
	base = lh_stm_tvar_count();
	pthread_create(&ag, NULL, aggressor, NULL);
	lh_stm_set_irrevocable_after(0);
	lh_atomically(alloc_and_conflict, NULL);
	tap_ok(attempts == 4 && aborted_hooks == 3, "three attempts aborted, the fourth committed");
	lh_stm_reclaim();
	tap_ok(lh_stm_tvar_count() == base, "TVars of aborted attempts returned (%zd extra)",
	       (ssize_t)(lh_stm_tvar_count() - base));
	tap_ok(lh_load(list) != 0 && ((char *)lh_load(list))[99] == 1, "the committed block is live");
	lh_atomically(drop_block, NULL);
	lh_stm_reclaim();
	tap_ok(lh_load(list) == 0, "the block was freed after commit");

	/* Many aborted attempts allocating: nothing accumulates. */
	for (i = 0; i < 200; i++) {
		attempts = 0;
		lh_atomically(alloc_and_conflict, NULL);
		lh_atomically(drop_block, NULL);
	}
	lh_stm_reclaim();
	tap_ok(lh_stm_tvar_count() == base, "after 600 aborted attempts, no TVar left over");

	/* A free waits for older transactions. */
	victim = lh_tvar_new(1);
	pthread_create(&t, NULL, holder, NULL);
	sem_wait(&in_tx);
	lh_tvar_free(victim);
	lh_stm_reclaim();
	tap_ok(lh_stm_tvar_count() == base + 1, "a freed TVar is kept while an older transaction runs");
	sem_post(&leave_tx);
	pthread_join(t, NULL);
	lh_stm_reclaim();
	tap_ok(lh_stm_tvar_count() == base, "and reused once it has ended");

	atomic_store(&stop, 1);
	sem_post(&go);
	pthread_join(ag, NULL);
	lh_tvar_free(X);
	lh_tvar_free(list);
	lh_stm_reclaim();
	return tap_done();
}
