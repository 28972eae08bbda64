/*
 * test_stm_stats.c - statistics count forced conflicts exactly; after K
 * consecutive aborts a transaction runs irrevocably (and is then not "in an
 * attempt" for the detector); a starved read-all needs at most K+1 attempts.
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"

#define ROUNDS 20

static lh_tvar *X, *Y, *Z;
static sem_t go, done;
static lh_site s_victim = LH_SITE_INIT("victim");
static lh_site s_reader = LH_SITE_INIT("reader");
static lh_site s_aggressor = LH_SITE_INIT("aggressor");
static lh_site s_irrev = LH_SITE_INIT("irrevocable");
static lh_site s_timed = LH_SITE_INIT("timed");
static _Atomic int stop;
static int attempts, irrevocable_attempts;

static int aggress(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, X, lh_read(tx, X) + 1);
	lh_write(tx, Z, lh_read(tx, Z) + 1);
	return 0;
}

/* Waits for "go", commits one write to X and Z, posts "done"; forever. */
static void *aggressor(void *arg)
{
	(void)arg;
	for (;;) {
		sem_wait(&go);
		if (atomic_load(&stop))
			return NULL;
		lh_atomically_at(&s_aggressor, aggress, NULL);
		sem_post(&done);
	}
}

/* Make the aggressor commit in the middle of this attempt. */
static void interfere(void)
{
	sem_post(&go);
	sem_wait(&done);
}

static int first_attempt;

static int victim_commit(lh_tx *tx, void *arg)
{
	intptr_t v = lh_read(tx, X);

	(void)arg;
	if (first_attempt) {
		first_attempt = 0;
		interfere();
	}
	lh_write(tx, Y, v);                     /* commit validation finds X changed */
	return 0;
}

/* victim_commit, with an aborted first attempt of at least 2 ms. */
static int victim_slow(lh_tx *tx, void *arg)
{
	if (first_attempt)
		usleep(2000);
	return victim_commit(tx, arg);
}

static int victim_read(lh_tx *tx, void *arg)
{
	intptr_t v = lh_read(tx, X);

	(void)arg;
	if (first_attempt) {
		first_attempt = 0;
		interfere();
	}
	return (int)(v + lh_read(tx, Z));       /* Z is newer: extension finds X changed */
}

static int always_conflicts(lh_tx *tx, void *arg)
{
	intptr_t v = lh_read(tx, X);

	(void)arg;
	attempts++;
	if (lh_stm_in_attempt())
		interfere();
	else
		irrevocable_attempts++;
	return (int)(v + lh_read(tx, Z));
}

/* a real starved reader: read-all against a transfer loop */
#define NACC 20000
static lh_tvar *acc[NACC];

static int transfer(lh_tx *tx, void *arg)
{
	unsigned *seed = arg;
	int a = rand_r(seed) % NACC, b = rand_r(seed) % NACC;

	lh_write(tx, acc[a], lh_read(tx, acc[a]) - 1);
	lh_write(tx, acc[b], lh_read(tx, acc[b]) + 1);
	return 0;
}

static void *transferrer(void *arg)
{
	unsigned seed = 7;

	(void)arg;
	while (!atomic_load(&stop))
		lh_atomically(transfer, &seed);
	return NULL;
}

static int read_all(lh_tx *tx, void *arg)
{
	long s = 0;
	int i;

	(void)arg;
	for (i = 0; i < NACC; i++)
		s += lh_read(tx, acc[i]);
	return (int)s;
}

int main(void)
{
	pthread_t t;
	lh_stm_site_stats st;
	int i, rc, bad = 0;
	unsigned k;
	uint64_t wasted;

	alarm(60);
	tap_plan(17);
	X = lh_tvar_new(0);
	Y = lh_tvar_new(0);
	Z = lh_tvar_new(0);
	sem_init(&go, 0, 0);
	sem_init(&done, 0, 0);
	pthread_create(&t, NULL, aggressor, NULL);

	for (i = 0; i < ROUNDS; i++) {
		first_attempt = 1;
		lh_atomically_at(&s_victim, victim_commit, NULL);
	}
	rc = lh_stm_stats_get("victim", &st);
	tap_ok(rc == 0 && st.commits == ROUNDS, "victim: %d commits (%llu)", ROUNDS,
	       (unsigned long long)st.commits);
	tap_ok(st.aborts == ROUNDS && st.aborts_by_reason[LH_ABORT_COMMIT] == ROUNDS,
	       "victim: exactly %d commit-time aborts (%llu, %llu)", ROUNDS,
	       (unsigned long long)st.aborts, (unsigned long long)st.aborts_by_reason[LH_ABORT_COMMIT]);
	tap_ok(st.conflict_tvars[0].tvar == X && st.conflict_tvars[0].count == ROUNDS &&
	       st.conflict_tvars[1].count == 0, "victim: the conflicting TVar is X, %d times", ROUNDS);
	tap_ok(st.conflict_sites[0].site && strcmp(st.conflict_sites[0].site, "aggressor") == 0 &&
	       st.conflict_sites[0].count == ROUNDS, "victim: the conflicting site is \"aggressor\"");
	tap_ok(st.max_abort_streak == 1, "victim: longest abort streak 1 (%llu)",
	       (unsigned long long)st.max_abort_streak);

	for (i = 0; i < ROUNDS; i++) {
		first_attempt = 1;
		lh_atomically_at(&s_reader, victim_read, NULL);
	}
	rc = lh_stm_stats_get("reader", &st);
	tap_ok(rc == 0 && st.commits == ROUNDS && st.commits_read_only == ROUNDS &&
	       st.aborts == ROUNDS && st.aborts_by_reason[LH_ABORT_READ] == ROUNDS,
	       "reader: exactly %d read-time aborts (%llu)", ROUNDS,
	       (unsigned long long)st.aborts_by_reason[LH_ABORT_READ]);
	rc = lh_stm_stats_get("aggressor", &st);
	tap_ok(rc == 0 && st.commits == (uint64_t)2 * ROUNDS && st.aborts == 0, "aggressor: %d commits, no aborts",
	       2 * ROUNDS);

	/*
	 * Wasted time: measured while timing is on, and only then.  The first
	 * transaction makes the site known, so the next ones take the common
	 * entry (same thread, same site).
	 */
	lh_stm_stats_timing(1);
	first_attempt = 0;
	lh_atomically_at(&s_timed, victim_commit, NULL);
	first_attempt = 1;
	lh_atomically_at(&s_timed, victim_slow, NULL);
	rc = lh_stm_stats_get("timed", &st);
	tap_ok(rc == 0 && st.commits == 2 && st.aborts == 1 && st.wasted_ns >= 2000000,
	       "timing on: the aborted attempt's 2 ms are counted as wasted (%llu ns)",
	       (unsigned long long)st.wasted_ns);
	tap_ok(lh_stm_stats_timing(0) == 1, "timing switched off again");
	wasted = st.wasted_ns;
	first_attempt = 1;
	lh_atomically_at(&s_timed, victim_slow, NULL);
	rc = lh_stm_stats_get("timed", &st);
	tap_ok(rc == 0 && st.commits == 3 && st.aborts == 2 && st.wasted_ns == wasted,
	       "timing off: an aborted attempt adds no measured time (%llu ns more)",
	       (unsigned long long)(st.wasted_ns - wasted));

	k = lh_stm_set_irrevocable_after(3);
	tap_ok(k == LH_STM_IRREVOCABLE_AFTER_DEFAULT, "default K is %d", LH_STM_IRREVOCABLE_AFTER_DEFAULT);
	lh_atomically_at(&s_irrev, always_conflicts, NULL);
	tap_ok(attempts == 4 && irrevocable_attempts == 1,
	       "K=3: three aborted attempts, then one irrevocable attempt (%d, %d)", attempts,
	       irrevocable_attempts);
	rc = lh_stm_stats_get("irrevocable", &st);
	tap_ok(rc == 0 && st.aborts == 3 && st.irrevocable == 1 && st.max_abort_streak == 3,
	       "statistics: 3 aborts, 1 irrevocable run, streak 3");
	atomic_store(&stop, 1);
	sem_post(&go);
	pthread_join(t, NULL);

	/* Starved reader against a real transfer loop. */
	for (i = 0; i < NACC; i++)
		acc[i] = lh_tvar_new(10);
	atomic_store(&stop, 0);
	lh_stm_stats_reset();
	pthread_create(&t, NULL, transferrer, NULL);
	for (i = 0; i < 50; i++)
		if (lh_atomically_at(&s_reader, read_all, NULL) != NACC * 10)
			bad++;
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	rc = lh_stm_stats_get("reader", &st);
	tap_ok(bad == 0, "every read-all is consistent");
	tap_ok(rc == 0 && st.commits == 50 && st.max_abort_streak <= 3,
	       "starved read-all: at most K+1 attempts (longest streak %llu, %llu aborts)",
	       (unsigned long long)st.max_abort_streak, (unsigned long long)st.aborts);
	lh_stm_set_irrevocable_after(0);
	tap_ok(lh_stm_set_irrevocable_after(LH_STM_IRREVOCABLE_AFTER_DEFAULT) == 0, "K is settable to 0 (never)");
	lh_stm_stats_reset();
	rc = lh_stm_stats_get("reader", &st);
	tap_ok(rc == 0 && st.commits == 0 && st.aborts == 0, "reset zeroes the counters");
	return tap_done();
}
