/*
 * test_stm_array.c - contiguous TVar arrays (lh_tvar_new_array, lh_tvar_at,
 * lh_tvar_free_array) and the cached snapshot of a thread: a transaction
 * sees every commit that finished before it began, even when its thread's
 * last transaction is long past.
 */
#include <lockhound/stm.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"

#ifndef TRANSFERS
#define TRANSFERS 200000
#endif
#define N 1000
#define INIT 100

static lh_tvar *arr;

struct move {
	size_t from, to;
};

static int transfer(lh_tx *tx, void *arg)
{
	const struct move *m = arg;
	lh_tvar *a = lh_tvar_at(arr, m->from), *b = lh_tvar_at(arr, m->to);

	lh_write(tx, a, lh_read(tx, a) - 1);
	lh_write(tx, b, lh_read(tx, b) + 1);
	return 0;
}

static int sum(lh_tx *tx, void *arg)
{
	intptr_t s = 0;
	size_t i;

	(void)arg;
	for (i = 0; i < N; i++)
		s += lh_read(tx, lh_tvar_at(arr, i));
	return s == (intptr_t)N * INIT;
}

static pthread_barrier_t start;

static void *transferer(void *arg)
{
	uint64_t x = (uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;
	long i, bad = 0;

	pthread_barrier_wait(&start);
	for (i = 0; i < TRANSFERS; i++) {
		struct move m;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		m.from = x % N;
		m.to = (m.from + 1 + (x >> 32) % (N - 1)) % N;
		lh_atomically(transfer, &m);
		if (i % 1000 == 0 && !lh_atomically(sum, NULL))
			bad++;
	}
	return (void *)bad;
}

/* ---- inside transactions ---- */
static int make_then_retry(lh_tx *tx, void *arg)
{
	*(lh_tvar **)arg = lh_tvar_new_array(50, 7);
	lh_retry(tx);
}

static int fallback(lh_tx *tx, void *arg)
{
	(void)tx;
	(void)arg;
	return 2;
}

static int make_in_branch(lh_tx *tx, void *arg)
{
	return lh_or_else(tx, make_then_retry, arg, fallback, NULL);
}

static int free_in_tx(lh_tx *tx, void *arg)
{
	lh_write(tx, lh_tvar_at(arg, 0), 1);
	lh_tvar_free_array(arg);
	return 0;
}

/* ---- blocking on an element ---- */
static int wait_nonzero(lh_tx *tx, void *arg)
{
	intptr_t v = lh_read(tx, lh_tvar_at(arr, (size_t)(uintptr_t)arg));

	lh_check(tx, v != INIT);
	return (int)v;
}

static void *waiter(void *arg)
{
	int r = 0, rc;

	pthread_barrier_wait(&start);
	rc = lh_atomically_timeout(NULL, wait_nonzero, arg, 10LL * 1000000000, &r);
	return (void *)(intptr_t)(rc == 0 ? r : -1);
}

/* ---- the cached snapshot ---- */
static int read_one(lh_tx *tx, void *arg)
{
	return (int)lh_read(tx, lh_tvar_at(arr, (size_t)(uintptr_t)arg));
}

static int set_pair(lh_tx *tx, void *arg)
{
	intptr_t v = (intptr_t)arg;

	lh_write(tx, lh_tvar_at(arr, 3), v);
	lh_write(tx, lh_tvar_at(arr, 4), v);
	return 0;
}

static int read_pair_equal(lh_tx *tx, void *arg)
{
	(void)arg;
	return lh_read(tx, lh_tvar_at(arr, 3)) == lh_read(tx, lh_tvar_at(arr, 4));
}

static pthread_barrier_t step;

static void *stale_reader(void *arg)
{
	intptr_t seen[3];
	int i;

	(void)arg;
	for (i = 0; i < 3; i++) {
		pthread_barrier_wait(&step);    /* the main thread committed value i + 1 */
		seen[i] = lh_atomically(read_one, (void *)(uintptr_t)3);
		pthread_barrier_wait(&step);
	}
	return (void *)(intptr_t)(seen[0] == 1 && seen[1] == 2 && seen[2] == 3);
}

static void *pair_writer(void *arg)
{
	intptr_t i;

	(void)arg;
	pthread_barrier_wait(&start);
	for (i = 0; i < TRANSFERS; i++)
		lh_atomically(set_pair, (void *)i);
	return NULL;
}

int main(void)
{
	pthread_t th[2];
	void *ret[2];
	lh_tvar *tmp = NULL;
	size_t before, i;
	int ok, r;

	tap_plan(15);

	tap_ok(lh_tvar_new_array(0, 1) == NULL, "an empty array is NULL");
	before = lh_stm_tvar_count();
	arr = lh_tvar_new_array(N, INIT);
	tap_ok(arr != NULL && lh_stm_tvar_count() == before + N, "an array counts as %d live TVars", N);
	ok = 1;
	for (i = 0; i < N; i++)
		if (lh_load(lh_tvar_at(arr, i)) != INIT ||
		    (i && (char *)lh_tvar_at(arr, i) - (char *)lh_tvar_at(arr, i - 1) != LH__TVAR_SIZE))
			ok = 0;
	tap_ok(ok && ((uintptr_t)arr & 31) == 0, "elements are initialized, aligned and contiguous");

	lh_tvar_free(lh_tvar_at(arr, 5));
	lh_stm_reclaim();
	tap_ok(lh_stm_tvar_count() == before + N && lh_load(lh_tvar_at(arr, 5)) == INIT,
	       "lh_tvar_free() of an element is ignored");

	/* two threads transfer over the array; the sum stays put */
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&th[0], NULL, transferer, (void *)1);
	pthread_create(&th[1], NULL, transferer, (void *)2);
	pthread_join(th[0], &ret[0]);
	pthread_join(th[1], &ret[1]);
	pthread_barrier_destroy(&start);
	tap_ok(ret[0] == NULL && ret[1] == NULL, "every read-all during transfers was consistent");
	tap_ok(lh_atomically(sum, NULL), "the total is unchanged after %d transfers", 2 * TRANSFERS);

	/* an array made in a branch that retries is freed again */
	before = lh_stm_tvar_count();
	r = lh_atomically(make_in_branch, &tmp);
	tap_ok(r == 2 && tmp != NULL && lh_stm_tvar_count() == before,
	       "an array made in a retried branch is released (count %zu -> %zu)", before,
	       lh_stm_tvar_count());

	/* freed in a committing transaction: gone after the grace period */
	tmp = lh_tvar_new_array(64, 0);
	tap_ok(tmp != NULL && lh_stm_tvar_count() == before + 64, "a second array is live");
	lh_atomically(free_in_tx, tmp);
	lh_stm_reclaim();
	tap_ok(lh_stm_tvar_count() == before, "freed in a committed transaction, it is reclaimed");

	tmp = lh_tvar_new_array(3, 0);
	lh_tvar_free_array(tmp);
	lh_tvar_free_array(NULL);
	lh_stm_reclaim();
	tap_ok(lh_stm_tvar_count() == before, "freed outside a transaction, it is reclaimed");

	/* a thread parked on an element wakes when it is written */
	lh_store(lh_tvar_at(arr, 9), INIT);
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&th[0], NULL, waiter, (void *)(uintptr_t)9);
	pthread_barrier_wait(&start);
	usleep(20000);          /* let it park (the test holds either way) */
	lh_store(lh_tvar_at(arr, 9), 42);
	pthread_join(th[0], &ret[0]);
	pthread_barrier_destroy(&start);
	tap_ok((intptr_t)ret[0] == 42, "a retry on an element wakes on its write (got %ld)",
	       (long)(intptr_t)ret[0]);

	/*
	 * The cached snapshot: the reader's thread ran a transaction before each
	 * commit of the main thread; each of its later transactions must still
	 * see the commit that finished before it began.
	 */
	pthread_barrier_init(&step, NULL, 2);
	pthread_create(&th[0], NULL, stale_reader, NULL);
	for (i = 1; i <= 3; i++) {
		lh_atomically(set_pair, (void *)(intptr_t)i);
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
	}
	pthread_join(th[0], &ret[0]);
	pthread_barrier_destroy(&step);
	tap_ok(ret[0] != NULL, "a transaction sees every commit that finished before it began");

	/* a reader whose snapshot is stale still never sees half a commit */
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&th[0], NULL, pair_writer, NULL);
	pthread_barrier_wait(&start);
	ok = 1;
	for (i = 0; i < TRANSFERS / 4; i++)
		if (!lh_atomically(read_pair_equal, NULL))
			ok = 0;
	pthread_join(th[0], NULL);
	pthread_barrier_destroy(&start);
	tap_ok(ok, "pairs written together are always read together");
	tap_ok(lh_atomically(read_pair_equal, NULL) &&
	       lh_load(lh_tvar_at(arr, 3)) == TRANSFERS - 1, "the last pair is visible");

	before = lh_stm_tvar_count();
	lh_tvar_free_array(arr);
	lh_stm_reclaim();
	tap_ok(lh_stm_tvar_count() == before - N, "the big array is reclaimed");
	return tap_done();
}
