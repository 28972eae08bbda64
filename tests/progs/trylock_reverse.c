/*
 * trylock_reverse.c - worker_ab takes lock_a then lock_b; worker_ba, after
 * the barrier, holds lock_b and only *tries* lock_a (the usual back-off
 * idiom).  A trylock cannot block, so there is no edge lock_b -> lock_a and
 * no cycle: expected no finding, exit 0.  The try succeeds (worker_ab has
 * released everything before the barrier), so lock_a is really taken.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn;
static int try_result = -1;

static void *worker_ab(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *worker_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_mutex_lock(&lock_b);
	try_result = pthread_mutex_trylock(&lock_a);
	if (try_result == 0)
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
	printf("trylock_reverse: trylock returned %d\n", try_result);
	return try_result == 0 ? 0 : 1;
}
