/*
 * test_stm_bank.c - many threads doing random transfers while another takes
 * consistent snapshots: every snapshot and the final total are conserved.
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"

#define NACC 64
#define START 1000
#define WORKERS 3
#ifndef TRANSFERS
#define TRANSFERS 200000
#endif

static lh_tvar *acc[NACC];
static _Atomic int workers_done;
static lh_site s_transfer = LH_SITE_INIT("test-transfer");
static lh_site s_snapshot = LH_SITE_INIT("test-snapshot");

struct move {
	int from, to;
	intptr_t amount;
};

static int withdraw(lh_tx *tx, void *arg)
{
	const struct move *m = arg;

	lh_write(tx, acc[m->from], lh_read(tx, acc[m->from]) - m->amount);
	return 0;
}

static int deposit(lh_tx *tx, void *arg)
{
	const struct move *m = arg;

	lh_write(tx, acc[m->to], lh_read(tx, acc[m->to]) + m->amount);
	return 0;
}

/* Built from two transactions: nested lh_atomically joins the outer one. */
static int transfer(lh_tx *tx, void *arg)
{
	(void)tx;
	lh_atomically(withdraw, arg);
	lh_atomically(deposit, arg);
	return 0;
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	int i;

	for (i = 0; i < TRANSFERS; i++) {
		struct move m;

		m.from = rand_r(&seed) % NACC;
		m.to = rand_r(&seed) % NACC;
		m.amount = rand_r(&seed) % 100;
		lh_atomically_at(&s_transfer, transfer, &m);
	}
	atomic_fetch_add(&workers_done, 1);
	return NULL;
}

static int sum_all(lh_tx *tx, void *arg)
{
	intptr_t s = 0;
	int i;

	(void)arg;
	for (i = 0; i < NACC; i++)
		s += lh_read(tx, acc[i]);
	return (int)s;
}

int main(void)
{
	pthread_t th[WORKERS];
	long snaps = 0, bad = 0;
	intptr_t total = 0;
	lh_stm_site_stats st;
	int i;

	alarm(60);
	tap_plan(5);
	for (i = 0; i < NACC; i++)
		acc[i] = lh_tvar_new(START);
	for (i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	while (atomic_load(&workers_done) < WORKERS) {
		if (lh_atomically_at(&s_snapshot, sum_all, NULL) != NACC * START)
			bad++;
		snaps++;
	}
	for (i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	tap_ok(bad == 0, "every one of %ld snapshots conserved the total (%ld bad)", snaps, bad);
	tap_ok(snaps > 0, "snapshots were taken while transfers ran");
	for (i = 0; i < NACC; i++)
		total += lh_load(acc[i]);
	tap_ok(total == (intptr_t)NACC * START, "final total conserved (%ld)", (long)total);
	i = lh_stm_stats_get("test-transfer", &st);
	tap_ok(i == 0 && st.commits == (uint64_t)WORKERS * TRANSFERS,
	       "every transfer committed exactly once (%llu commits)",
	       (unsigned long long)st.commits);
	i = lh_stm_stats_get("test-snapshot", &st);
	tap_ok(i == 0 && st.commits == (uint64_t)snaps &&
	       st.commits_read_only == (uint64_t)snaps,
	       "snapshots committed read-only (%llu)", (unsigned long long)st.commits_read_only);
	for (i = 0; i < NACC; i++)
		lh_tvar_free(acc[i]);
	return tap_done();
}
