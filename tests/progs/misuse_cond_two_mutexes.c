/*
 * misuse_cond_two_mutexes.c - one condition variable used with two mutexes
 * at the same time (undefined behaviour in POSIX).
 *
 * The sleeper waits on `cv` with mutex_one; main, once it can lock
 * mutex_one (so the sleeper is inside the wait, which released it), waits on
 * the same `cv` with mutex_two for 50 ms, then wakes the sleeper.
 * Expected `misuse`.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

pthread_mutex_t mutex_one = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t mutex_two = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t holding;
static int done;

static void deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *sleeper(void *arg)
{
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&mutex_one);
	pthread_barrier_wait(&holding);
	deadline(&ts, 10000);
	while (!done)
		if (pthread_cond_timedwait(&cv, &mutex_one, &ts) != 0)
			break;
	pthread_mutex_unlock(&mutex_one);
	return NULL;
}

int main(void)
{
	struct timespec ts;
	pthread_t t;

	pthread_barrier_init(&holding, NULL, 2);
	pthread_create(&t, NULL, sleeper, NULL);
	pthread_barrier_wait(&holding);
	pthread_mutex_lock(&mutex_one);          /* sleeper is now waiting */
	pthread_mutex_unlock(&mutex_one);

	pthread_mutex_lock(&mutex_two);
	deadline(&ts, 50);
	pthread_cond_timedwait(&cv, &mutex_two, &ts);
	pthread_mutex_unlock(&mutex_two);

	pthread_mutex_lock(&mutex_one);
	done = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mutex_one);
	pthread_join(t, NULL);
	puts("misuse_cond_two_mutexes: done");
	return 0;
}
