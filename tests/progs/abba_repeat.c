/*
 * abba_repeat.c - the same AB-BA finding, 1,000 times.
 *
 * Each iteration main initialises a fresh pair (pair_a, pair_b), the two
 * long-lived threads take it in opposite orders one after the other
 * (barriers), and main destroys the pair.  Every lifetime has its own
 * instance cycle from the same code: expected exactly one
 * `potential-deadlock` with count 1000.  Usage: abba_repeat [N]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t pair_a, pair_b;
static pthread_barrier_t step;
static long iterations = 1000;

static void *worker_ab(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < iterations; i++) {
		pthread_barrier_wait(&step);     /* pair initialised */
		pthread_mutex_lock(&pair_a);
		pthread_mutex_lock(&pair_b);
		pthread_mutex_unlock(&pair_b);
		pthread_mutex_unlock(&pair_a);
		pthread_barrier_wait(&step);     /* worker_ba's turn */
		pthread_barrier_wait(&step);     /* pair done */
	}
	return NULL;
}

static void *worker_ba(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < iterations; i++) {
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
		pthread_mutex_lock(&pair_b);
		pthread_mutex_lock(&pair_a);
		pthread_mutex_unlock(&pair_a);
		pthread_mutex_unlock(&pair_b);
		pthread_barrier_wait(&step);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t1, t2;
	long i;

	if (argc > 1)
		iterations = atol(argv[1]);
	pthread_barrier_init(&step, NULL, 3);
	pthread_create(&t1, NULL, worker_ab, NULL);
	pthread_create(&t2, NULL, worker_ba, NULL);
	for (i = 0; i < iterations; i++) {
		pthread_mutex_init(&pair_a, NULL);
		pthread_mutex_init(&pair_b, NULL);
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
		pthread_mutex_destroy(&pair_a);
		pthread_mutex_destroy(&pair_b);
	}
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("abba_repeat: %ld iterations\n", iterations);
	return 0;
}
