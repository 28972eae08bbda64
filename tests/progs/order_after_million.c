/*
 * order_after_million.c - lock_a -> lock_b early, then 1,000,000 lock
 * operations on 1,024 other mutexes, then lock_b -> lock_a in another
 * concurrent thread.
 *
 * early_ab takes lock_a then lock_b once and releases both, then churns
 * through the other locks (one at a time: they add no order between them).
 * late_ba waits at a barrier until the churn is over, then takes lock_b
 * then lock_a.  Both threads are alive together, the acquisitions never
 * overlap.  A detector that forgets old edges (bounded history) misses the
 * cycle.  Expected `potential-deadlock` over lock_a and lock_b.
 * Usage: order_after_million [OPS]   (default 1000000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N_OTHER 1024

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t other[N_OTHER];
static pthread_barrier_t churn_done;
static long ops = 1000000;
static long bad;

static void *early_ab(void *arg)
{
	long i;

	(void)arg;
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	for (i = 0; i < ops; i++) {
		bad += pthread_mutex_lock(&other[i % N_OTHER]) != 0;
		bad += pthread_mutex_unlock(&other[i % N_OTHER]) != 0;
	}
	pthread_barrier_wait(&churn_done);
	return NULL;
}

static void *late_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&churn_done);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t1, t2;
	int i;

	if (argc > 1)
		ops = atol(argv[1]);
	for (i = 0; i < N_OTHER; i++)
		pthread_mutex_init(&other[i], NULL);
	pthread_barrier_init(&churn_done, NULL, 2);
	pthread_create(&t1, NULL, early_ab, NULL);
	pthread_create(&t2, NULL, late_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_barrier_destroy(&churn_done);
	for (i = 0; i < N_OTHER; i++)
		pthread_mutex_destroy(&other[i]);
	printf("order_after_million: %ld other lock operations, %ld errors\n", ops, bad);
	return bad != 0;
}
