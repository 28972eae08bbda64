/*
 * level_many_mixed.c - lh_lock_many over locks of two different levels.
 *
 * low_lock (level 10) sits at a lower address than high_lock (level 20)
 * (one struct) and comes first in the array, so taking them in array or
 * address order would acquire 20 while holding 10.  lh_lock_many must take
 * the higher level first.  Two threads do it concurrently, the second
 * passing the array the other way round.  Expected: no finding.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>

static struct {
	pthread_mutex_t low_lock;
	pthread_mutex_t high_lock;
} pair = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER };
static pthread_barrier_t turn;
static long total;

static void *low_first(void *arg)
{
	pthread_mutex_t *locks[2] = { &pair.low_lock, &pair.high_lock };

	(void)arg;
	if (lh_lock_many(locks, 2) == 0) {
		total += 1;
		lh_unlock_many(locks, 2);
	}
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *high_first(void *arg)
{
	pthread_mutex_t *locks[2] = { &pair.high_lock, &pair.low_lock };

	(void)arg;
	pthread_barrier_wait(&turn);
	if (lh_lock_many(locks, 2) == 0) {
		total += 10;
		lh_unlock_many(locks, 2);
	}
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	lh_lock_name(&pair.low_lock, "low_lock");
	lh_lock_name(&pair.high_lock, "high_lock");
	lh_lock_level(&pair.low_lock, 10);
	lh_lock_level(&pair.high_lock, 20);
	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, low_first, NULL);
	pthread_create(&t2, NULL, high_first, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("level_many_mixed: total %ld\n", total);
	return 0;
}
