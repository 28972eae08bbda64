/*
 * timedlock_abba.c - AB-BA with pthread_mutex_timedlock in both threads.
 *
 * A timed lock can block (until its timeout), so it adds edges like a plain
 * lock.  The threads are concurrent but take turns (barrier), so every
 * timedlock succeeds: expected finding `potential-deadlock`.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn;
static int failures;

static int lock_timed(pthread_mutex_t *m)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	return pthread_mutex_timedlock(m, &ts);
}

static void *worker_ab(void *arg)
{
	(void)arg;
	failures += lock_timed(&lock_a) != 0;
	failures += lock_timed(&lock_b) != 0;
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *worker_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	failures += lock_timed(&lock_b) != 0;
	failures += lock_timed(&lock_a) != 0;
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, worker_ab, NULL);
	pthread_create(&t2, NULL, worker_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("timedlock_abba: %d failures\n", failures);
	return failures != 0;
}
