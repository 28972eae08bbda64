/*
 * test_stm_basic.c - one-thread semantics of the STM API: reads and writes,
 * nesting, typed TVars, or_else on one thread, hooks, transactional memory,
 * timeouts and lh_stm_in_attempt().
 */
#include <lockhound/stm.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"

static lh_tvar *a, *b;

static int read_own_write(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, a, 5);
	lh_write(tx, a, lh_read(tx, a) + 1);
	return (int)lh_read(tx, a);
}

static int inner(lh_tx *tx, void *arg)
{
	lh_write(tx, b, lh_read(tx, b) + 10);
	return *(int *)arg + lh_stm_in_attempt();
}

static int outer(lh_tx *tx, void *arg)
{
	int one = 1;

	lh_write(tx, a, 100);
	*(int *)arg = lh_atomically(inner, &one);       /* joins */
	return (int)lh_read(tx, b);
}

static int many_writes(lh_tx *tx, void *arg)
{
	lh_tvar **v = arg;
	int i, s = 0;

	for (i = 0; i < 100; i++)
		lh_write(tx, v[i], i);
	for (i = 0; i < 100; i++)
		lh_write(tx, v[i], lh_read(tx, v[i]) * 2);
	for (i = 0; i < 100; i++)
		s += (int)lh_read(tx, v[i]);
	return s;
}

LH_TVAR_DECLARE(tv_float, float)

static tv_float *f;

static int float_fn(lh_tx *tx, void *arg)
{
	(void)arg;
	tv_float_write(tx, f, tv_float_read(tx, f) * 2.0f);
	return 0;
}

/* or_else on one thread */
static int left_retries(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, a, -1);            /* must be undone */
	lh_write(tx, b, -2);
	lh_check(tx, 0);
	return 1;
}

static int right_commits(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, b, lh_read(tx, b) + 1);
	return 2 + (lh_read(tx, a) == -1);
}

static int choose(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, a, 7);
	return lh_or_else(tx, left_retries, NULL, right_commits, NULL);
}

static int left_ok(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, a, 8);
	return 1;
}

static int choose_left(lh_tx *tx, void *arg)
{
	(void)arg;
	return lh_or_else(tx, left_ok, NULL, right_commits, NULL);
}

/* hooks and memory */
static int commits_seen, aborts_seen;
static void on_commit(void *p) { commits_seen += *(int *)p; }
static int flag_in_hook = -1;
static void on_abort(void *p) { aborts_seen += *(int *)p; flag_in_hook = lh_stm_in_attempt(); }
static int one = 1;

static int hooked(lh_tx *tx, void *arg)
{
	int *blk = lh_tx_malloc(tx, 64);

	(void)arg;
	blk[0] = 1;
	lh_on_commit(tx, on_commit, &one);
	lh_on_abort(tx, on_abort, &one);
	lh_write_ptr(tx, a, blk);
	return 0;
}

static int unhook(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_tx_free(tx, lh_read_ptr(tx, a));
	lh_write(tx, a, 0);
	return 0;
}

static int blocks_forever(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, b, 12345);
	lh_tx_free(tx, lh_tx_malloc(tx, 10));   /* freed either way */
	lh_on_abort(tx, on_abort, &one);
	lh_check(tx, lh_read(tx, a) == 42);
	return 9;
}

static int attempt_flag(lh_tx *tx, void *arg)
{
	(void)tx;
	(void)arg;
	return lh_stm_in_attempt();
}

static int dbl(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write_double(tx, a, lh_read_double(tx, a) + 0.25);
	return 0;
}

int main(void)
{
	lh_tvar *v[100];
	int r, inner_r = 0, i, res = -1;
	size_t base;

	alarm(30);
	tap_plan(21);
	base = lh_stm_tvar_count();
	a = lh_tvar_new(1);
	b = lh_tvar_new(2);
	tap_ok(a && b && lh_load(a) == 1 && lh_load(b) == 2, "new TVars hold their initial values");
	tap_ok(lh_stm_tvar_count() == base + 2, "TVar count follows allocations");
	tap_ok(lh_atomically(read_own_write, NULL) == 6 && lh_load(a) == 6,
	       "a transaction reads its own writes and commits them");
	lh_store(b, 0);
	r = lh_atomically(outer, &inner_r);
	tap_ok(r == 10 && inner_r == 2 && lh_load(a) == 100 && lh_load(b) == 10,
	       "nested lh_atomically joins the outer transaction (r=%d inner=%d)", r, inner_r);
	for (i = 0; i < 100; i++)
		v[i] = lh_tvar_new(0);
	tap_ok(lh_atomically(many_writes, v) == 9900 && lh_load(v[99]) == 198,
	       "large write sets (hashed lookup) read back correctly");
	f = tv_float_new(1.5f);
	lh_atomically(float_fn, NULL);
	tap_ok(tv_float_load(f) == 3.0f, "typed TVar of float");
	lh_store(a, 0);
	lh_atomically(dbl, NULL);
	lh_atomically(dbl, NULL);
	{
		double d;
		intptr_t raw = lh_load(a);

		memcpy(&d, &raw, sizeof(d));
		tap_ok(d == 0.5, "double TVar helpers");
	}
	lh_store(a, 0);
	lh_store(b, 0);
	r = lh_atomically(choose, NULL);
	tap_ok(r == 2 && lh_load(a) == 7 && lh_load(b) == 1,
	       "or_else: left retries, its writes are undone, right commits (r=%d a=%ld b=%ld)",
	       r, (long)lh_load(a), (long)lh_load(b));
	r = lh_atomically(choose_left, NULL);
	tap_ok(r == 1 && lh_load(a) == 8 && lh_load(b) == 1, "or_else: a left branch that finishes wins");
	tap_ok(lh_stm_in_attempt() == 0, "lh_stm_in_attempt is 0 outside transactions");
	tap_ok(lh_atomically(attempt_flag, NULL) != 0, "lh_stm_in_attempt is non-zero inside an attempt");
	commits_seen = aborts_seen = 0;
	lh_atomically(hooked, NULL);
	tap_ok(commits_seen == 1 && aborts_seen == 0, "on-commit hook ran once, on-abort not");
	tap_ok(((int *)lh_load(a))[0] == 1, "lh_tx_malloc memory survives commit");
	lh_atomically(unhook, NULL);
	lh_store(a, 0);
	lh_store(b, 0);
	aborts_seen = 0;
	r = lh_atomically_timeout(NULL, blocks_forever, NULL, 50 * 1000000LL, &res);
	tap_ok(r == -ETIMEDOUT && res == -1, "timeout variant gives up (r=%d)", r);
	tap_ok(lh_load(b) == 0, "a timed-out transaction has no effect");
	tap_ok(aborts_seen == 1, "on-abort hook ran for the timed-out attempt");
	tap_ok(flag_in_hook == 0, "lh_stm_in_attempt is 0 inside an on-abort hook");
	lh_store(a, 42);
	r = lh_atomically_timeout(NULL, blocks_forever, NULL, 50 * 1000000LL, &res);
	tap_ok(r == 0 && res == 9 && lh_load(b) == 12345, "timeout variant commits when it can");
	r = lh_atomically_timeout(NULL, blocks_forever, NULL, 0, &res);
	tap_ok(r == 0, "timeout 0 never blocks when the guard holds");
	lh_store(a, 0);
	r = lh_atomically_timeout(NULL, blocks_forever, NULL, 0, &res);
	tap_ok(r == -ETIMEDOUT, "timeout 0 gives up at once when it would block");
	for (i = 0; i < 100; i++)
		lh_tvar_free(v[i]);
	lh_tvar_free(a);
	lh_tvar_free(b);
	tv_float_free(f);
	lh_stm_reclaim();
	tap_ok(lh_stm_tvar_count() == base, "every TVar freed after reclaim (%zu left)",
	       lh_stm_tvar_count() - base);
	return tap_done();
}
