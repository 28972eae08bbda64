/*
 * trylock_then_block.c - a lock taken by a successful trylock is still the
 * source of later edges.
 *
 * T1: trylock A (succeeds), then blocking lock B: edge A->B.
 * T2: lock B, then blocking lock A: edge B->A.
 * If T1 holds A and T2 holds B, both block: expected `potential-deadlock`.
 * Concurrent threads taking turns (barrier), so the run itself never hangs.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn;
static int try_result = -1;

static void *worker_try_a_then_b(void *arg)
{
	(void)arg;
	try_result = pthread_mutex_trylock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_b);
	if (try_result == 0)
		pthread_mutex_unlock(&lock_a);
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *worker_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, worker_try_a_then_b, NULL);
	pthread_create(&t2, NULL, worker_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("trylock_then_block: trylock returned %d\n", try_result);
	return try_result != 0;
}
