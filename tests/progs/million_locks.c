/*
 * million_locks.c - 1,000,000 distinct heap mutexes, all alive at once:
 * init all, lock and unlock each, destroy all.  Other tools forget their
 * graph after 4096 live locks or abort; lockhound grows its tables.
 * Expected: no crash, no finding, exit 0.
 * Usage: million_locks [N]  (default 1000000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	pthread_mutex_t *locks;
	long i, bad = 0;

	if (n <= 0)
		return 2;
	locks = malloc((size_t)n * sizeof(*locks));
	if (!locks)
		return 2;
	for (i = 0; i < n; i++)
		bad += pthread_mutex_init(&locks[i], NULL) != 0;
	for (i = 0; i < n; i++) {
		bad += pthread_mutex_lock(&locks[i]) != 0;
		bad += pthread_mutex_unlock(&locks[i]) != 0;
	}
	for (i = 0; i < n; i++)
		bad += pthread_mutex_destroy(&locks[i]) != 0;
	free(locks);
	printf("million_locks: %ld locks, %ld errors\n", n, bad);
	return bad != 0;
}
