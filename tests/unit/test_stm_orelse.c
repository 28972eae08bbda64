/*
 * test_stm_orelse.c - lh_or_else across threads: when both branches retry,
 * the transaction waits on the reads of both, so a write to a TVar read only
 * by the left branch (or only by the right one) wakes it, and the branch
 * that can now proceed commits.
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tap.h"

static lh_tvar *x, *y, *z, *out;
static _Atomic int result = -1;

static int left(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, out, 100);                 /* undone when this branch retries */
	lh_check(tx, lh_read(tx, x) == 1);
	lh_write(tx, x, 0);
	return 1;
}

static int right(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_check(tx, lh_read(tx, y) == 1);
	lh_write(tx, y, 0);
	return 2;
}

static int choose(lh_tx *tx, void *arg)
{
	int r = lh_or_else(tx, left, arg, right, arg);

	lh_write(tx, z, lh_read(tx, z) + 1);
	return r;
}

static void *waiter(void *arg)
{
	(void)arg;
	atomic_store(&result, lh_atomically(choose, NULL));
	return NULL;
}

static int wait_result(void)
{
	int i;

	for (i = 0; i < 5000 && atomic_load(&result) == -1; i++)
		usleep(1000);
	return atomic_load(&result);
}

/* nested or_else: ((a orElse b) orElse c), only c's TVar changes */
static lh_tvar *p, *q, *r;

static int na(lh_tx *tx, void *arg) { (void)arg; lh_check(tx, lh_read(tx, p) == 1); return 10; }
static int nb(lh_tx *tx, void *arg) { (void)arg; lh_check(tx, lh_read(tx, q) == 1); return 20; }
static int nc(lh_tx *tx, void *arg) { (void)arg; lh_check(tx, lh_read(tx, r) == 1); return 30; }

static int ab(lh_tx *tx, void *arg) { return lh_or_else(tx, na, arg, nb, arg); }
static int abc(lh_tx *tx, void *arg) { return lh_or_else(tx, ab, arg, nc, arg); }

static void *nested_waiter(void *arg)
{
	(void)arg;
	atomic_store(&result, lh_atomically(abc, NULL));
	return NULL;
}

int main(void)
{
	pthread_t t;

	alarm(30);
	tap_plan(9);
	x = lh_tvar_new(0);
	y = lh_tvar_new(0);
	z = lh_tvar_new(0);
	out = lh_tvar_new(0);

	pthread_create(&t, NULL, waiter, NULL);
	usleep(100000);
	tap_ok(atomic_load(&result) == -1, "both branches retry: the transaction blocks");
	lh_store(x, 1);                         /* read only by the left branch */
	tap_ok(wait_result() == 1, "a write to a TVar only the left branch read wakes it; left commits");
	pthread_join(t, NULL);
	tap_ok(lh_load(x) == 0 && lh_load(z) == 1 && lh_load(out) == 100, "left branch's writes committed");

	atomic_store(&result, -1);
	lh_store(out, 0);
	pthread_create(&t, NULL, waiter, NULL);
	usleep(100000);
	tap_ok(atomic_load(&result) == -1, "blocks again");
	lh_store(y, 1);                         /* read only by the right branch */
	tap_ok(wait_result() == 2, "a write to a TVar only the right branch read wakes it; right commits");
	pthread_join(t, NULL);
	tap_ok(lh_load(y) == 0 && lh_load(z) == 2 && lh_load(out) == 0,
	       "right branch committed, left branch's write undone (out=%ld)", (long)lh_load(out));

	p = lh_tvar_new(0);
	q = lh_tvar_new(0);
	r = lh_tvar_new(0);
	atomic_store(&result, -1);
	pthread_create(&t, NULL, nested_waiter, NULL);
	usleep(100000);
	tap_ok(atomic_load(&result) == -1, "nested or_else: all three branches retry and block");
	lh_store(q, 1);
	tap_ok(wait_result() == 20, "nested or_else: the inner right branch wakes and wins");
	pthread_join(t, NULL);
	atomic_store(&result, -1);
	lh_store(q, 0);
	pthread_create(&t, NULL, nested_waiter, NULL);
	usleep(50000);
	lh_store(r, 1);
	tap_ok(wait_result() == 30, "nested or_else: the outer right branch wakes and wins");
	pthread_join(t, NULL);
	return tap_done();
}
