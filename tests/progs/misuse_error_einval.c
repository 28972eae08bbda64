/*
 * misuse_error_einval.c - an intercepted call returns an error that is no
 * other kind of misuse: pthread_mutex_timedlock with an invalid timeout
 * (tv_nsec out of range) on a mutex another thread holds returns EINVAL.
 * Forced: the holder locks before the first barrier and unlocks after the
 * second.  Expected `misuse` naming EINVAL.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t locked, tried;

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held_lock);
	pthread_barrier_wait(&locked);
	pthread_barrier_wait(&tried);
	pthread_mutex_unlock(&held_lock);
	return NULL;
}

int main(void)
{
	struct timespec bad = { .tv_sec = 0, .tv_nsec = -1 };
	pthread_t t;
	int rc;

	pthread_barrier_init(&locked, NULL, 2);
	pthread_barrier_init(&tried, NULL, 2);
	pthread_create(&t, NULL, holder, NULL);
	pthread_barrier_wait(&locked);
	rc = pthread_mutex_timedlock(&held_lock, &bad);
	if (rc == 0)
		pthread_mutex_unlock(&held_lock);
	pthread_barrier_wait(&tried);
	pthread_join(t, NULL);
	printf("misuse_error_einval: timedlock returned %d\n", rc);
	return 0;
}
