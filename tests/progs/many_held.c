/*
 * many_held.c - one thread holds 1,000 distinct mutexes at once (taken in
 * address order, released in reverse), twice.  Other tools stop at 64 or 128
 * held locks; lockhound has no fixed limit.  Expected: no crash, no finding,
 * exit 0.  Usage: many_held [N]  (default 1000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	pthread_mutex_t *locks;
	long i;
	int round, bad = 0;

	if (n <= 0)
		return 2;
	locks = calloc((size_t)n, sizeof(*locks));
	if (!locks)
		return 2;
	for (i = 0; i < n; i++)
		pthread_mutex_init(&locks[i], NULL);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < n; i++)
			bad += pthread_mutex_lock(&locks[i]) != 0;
		for (i = n - 1; i >= 0; i--)
			bad += pthread_mutex_unlock(&locks[i]) != 0;
	}
	for (i = 0; i < n; i++)
		pthread_mutex_destroy(&locks[i]);
	free(locks);
	printf("many_held: %ld locks held at once, %d errors\n", n, bad);
	return bad != 0;
}
