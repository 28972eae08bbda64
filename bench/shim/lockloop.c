/*
 * lockloop.c - the shim's overhead benchmark (bench/shim/run.sh runs it).
 *
 *   lockloop loop  N   N uncontended lock/unlock pairs over 2 threads, each
 *                      thread on its own mutex (N/2 pairs per thread)
 *   lockloop chain M P M heap mutexes locked in one consistent chain,
 *                      hand over hand (lock i+1, unlock i), P passes
 *
 * Prints the elapsed wall time of the measured part in seconds on stdout.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long pairs;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *loop_thread(void *arg)
{
	pthread_mutex_t m;
	long i;

	(void)arg;
	pthread_mutex_init(&m, NULL);
	for (i = 0; i < pairs; i++) {
		pthread_mutex_lock(&m);
		pthread_mutex_unlock(&m);
	}
	pthread_mutex_destroy(&m);
	return NULL;
}

static int run_loop(long n)
{
	pthread_t t[2];
	double t0 = now();
	int i;

	pairs = n / 2;
	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, loop_thread, NULL))
			return 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("%.6f\n", now() - t0);
	return 0;
}

static int run_chain(long m, long passes)
{
	pthread_mutex_t *mx = calloc((size_t)m, sizeof(*mx));
	double t0 = now();
	long i, p;

	if (!mx || m < 2)
		return 1;
	for (i = 0; i < m; i++)
		pthread_mutex_init(&mx[i], NULL);
	for (p = 0; p < passes; p++) {
		pthread_mutex_lock(&mx[0]);
		for (i = 1; i < m; i++) {
			pthread_mutex_lock(&mx[i]);
			pthread_mutex_unlock(&mx[i - 1]);
		}
		pthread_mutex_unlock(&mx[m - 1]);
	}
	for (i = 0; i < m; i++)
		pthread_mutex_destroy(&mx[i]);
	printf("%.6f\n", now() - t0);
	free(mx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "loop"))
		return run_loop(atol(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "chain"))
		return run_chain(atol(argv[2]), atol(argv[3]));
	fprintf(stderr, "usage: lockloop loop N | lockloop chain M PASSES\n");
	return 2;
}
