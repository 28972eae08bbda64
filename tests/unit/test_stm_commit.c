/*
 * test_stm_commit.c - the parallel (TL2-style) commit under contention:
 * per-TVar locks taken in opposite orders by different threads (no
 * deadlock: the alarm would fire), opacity checked inside every attempt
 * (not only at commit), irrevocable transactions that write while ordinary
 * committers run, blind writes, and conservation of the total throughout;
 * and a commit over our reads by a thread that exits before we commit.
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"

#define NACC 8                  /* few accounts: commits collide on locks */
#define START 1000
#define WORKERS 3
#ifndef TRANSFERS
#define TRANSFERS 1000000
#endif

static lh_tvar *acc[NACC];
static lh_tvar *stamp;          /* written blindly (never read) by every worker */
static _Atomic int workers_done;
static _Atomic long torn_views; /* an attempt saw a total other than NACC * START */
static lh_site s_move = LH_SITE_INIT("commit-move");
static lh_site s_audit = LH_SITE_INIT("commit-audit");

struct move {
	int from, to;
	intptr_t amount;
	intptr_t tag;
};

/* Several TVars written, locked in log order: a thread's order is from, to, stamp. */
static int move_fn(lh_tx *tx, void *arg)
{
	const struct move *m = arg;

	lh_write(tx, acc[m->from], lh_read(tx, acc[m->from]) - m->amount);
	lh_write(tx, acc[m->to], lh_read(tx, acc[m->to]) + m->amount);
	lh_write(tx, stamp, m->tag);
	return 0;
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	int i;

	for (i = 0; i < TRANSFERS; i++) {
		struct move m;

		m.from = rand_r(&seed) % NACC;
		m.to = (m.from + 1 + rand_r(&seed) % (NACC - 1)) % NACC;
		m.amount = rand_r(&seed) % 50;
		m.tag = i;
		lh_atomically_at(&s_move, move_fn, &m);
	}
	atomic_fetch_add(&workers_done, 1);
	return NULL;
}

/*
 * Reads every account (checking the total inside the attempt: opacity),
 * then moves one unit between the first and last account, so that when it
 * runs irrevocably it also writes back while ordinary commits run.
 */
static int audit_fn(lh_tx *tx, void *arg)
{
	intptr_t s = 0;
	int i;

	(void)arg;
	for (i = 0; i < NACC; i++)
		s += lh_read(tx, acc[i]);
	if (s != (intptr_t)NACC * START)
		atomic_fetch_add(&torn_views, 1);
	lh_write(tx, acc[0], lh_read(tx, acc[0]) - 1);
	lh_write(tx, acc[NACC - 1], lh_read(tx, acc[NACC - 1]) + 1);
	return (int)s;
}

/* A thread that commits one increment of *arg and exits. */
static int incr_fn(lh_tx *tx, void *arg)
{
	lh_write(tx, arg, lh_read(tx, arg) + 1);
	return 0;
}

static void *incr_and_exit(void *arg)
{
	lh_atomically(incr_fn, arg);
	return NULL;
}

static int first_attempt;
static int attempts;

/* Reads X; in the first attempt another thread increments X and exits; then writes X + 1. */
static int incr_after_other(lh_tx *tx, void *arg)
{
	lh_tvar *x = arg;
	intptr_t v = lh_read(tx, x);

	attempts++;
	if (first_attempt) {
		pthread_t t;

		first_attempt = 0;
		pthread_create(&t, NULL, incr_and_exit, x);
		pthread_join(t, NULL);
	}
	lh_write(tx, x, v + 1);
	return 0;
}

int main(void)
{
	pthread_t th[WORKERS];
	long audits = 0, bad = 0;
	intptr_t total = 0;
	lh_stm_site_stats st;
	unsigned k;
	int i;

	alarm(120);
	tap_plan(7);
	for (i = 0; i < NACC; i++)
		acc[i] = lh_tvar_new(START);
	stamp = lh_tvar_new(0);
	/* One abort is enough to go irrevocable: many irrevocable audits. */
	k = lh_stm_set_irrevocable_after(1);
	for (i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 11));
	while (atomic_load(&workers_done) < WORKERS) {
		if (lh_atomically_at(&s_audit, audit_fn, NULL) != NACC * START)
			bad++;
		audits++;
	}
	for (i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	lh_stm_set_irrevocable_after(k);
	tap_ok(atomic_load(&torn_views) == 0,
	       "no attempt saw an inconsistent total (%ld torn views in %ld audits)",
	       atomic_load(&torn_views), audits);
	tap_ok(bad == 0 && audits > 0, "every committed audit conserved the total (%ld)", audits);
	for (i = 0; i < NACC; i++)
		total += lh_load(acc[i]);
	tap_ok(total == (intptr_t)NACC * START, "final total conserved (%ld)", (long)total);
	i = lh_stm_stats_get("commit-move", &st);
	tap_ok(i == 0 && st.commits == (uint64_t)WORKERS * TRANSFERS,
	       "every move committed exactly once (%llu commits, %llu aborts)",
	       (unsigned long long)st.commits, (unsigned long long)st.aborts);
	tap_ok(lh_load(stamp) >= 0 && lh_load(stamp) < TRANSFERS,
	       "the blindly written TVar holds a value some worker wrote (%ld)", (long)lh_load(stamp));
	i = lh_stm_stats_get("commit-audit", &st);
	tap_ok(i == 0 && st.commits == (uint64_t)audits,
	       "audits: %llu commits, %llu irrevocable, %llu aborts",
	       (unsigned long long)st.commits, (unsigned long long)st.irrevocable,
	       (unsigned long long)st.aborts);
	/* No live thread but us when we commit: the exited one's commit still counts. */
	{
		lh_tvar *x = lh_tvar_new(0);

		first_attempt = 1;
		lh_atomically(incr_after_other, x);
		tap_ok(lh_load(x) == 2 && attempts == 2,
		       "a commit over our reads by a thread that exited before our commit is "
		       "not lost (x = %ld, %d attempts)", (long)lh_load(x), attempts);
		lh_tvar_free(x);
	}
	for (i = 0; i < NACC; i++)
		lh_tvar_free(acc[i]);
	lh_tvar_free(stamp);
	return tap_done();
}
