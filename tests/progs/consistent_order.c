/*
 * consistent_order.c - two concurrent threads both take lock_a then lock_b,
 * many times, really contending.  No cycle: expected no finding, exit 0.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *worker(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 10000; i++) {
		pthread_mutex_lock(&lock_a);
		pthread_mutex_lock(&lock_b);
		counter++;
		pthread_mutex_unlock(&lock_b);
		pthread_mutex_unlock(&lock_a);
	}
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_create(&t1, NULL, worker, NULL);
	pthread_create(&t2, NULL, worker, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("consistent_order: counter=%ld\n", counter);
	return counter == 20000 ? 0 : 1;
}
