/*
 * guard_counter.c - two threads increment a guarded counter (lh_guarded_alloc).
 *   guard_counter [unlocked|locked|declared] [N]
 * unlocked: no lock (a race); locked: both under one mutex (no race);
 * declared: the mutex is declared as the protecting lock and both hold it.
 * Barriers make each thread's first increment happen while the other is
 * not stepping through the page (so both are observed even with the
 * mprotect fallback), then both loops run at the same time.  Prints
 * "guard_counter: MODE value V" (V == 2*N).
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t bar;
static long *counter;
static long n = 1000;
static int locked;

static void bump(void)
{
	if (locked)
		pthread_mutex_lock(&lock);
	(*counter)++;
	if (locked)
		pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	long i, who = (long)arg;

	pthread_barrier_wait(&bar);
	if (who == 1)
		bump();
	pthread_barrier_wait(&bar);
	if (who == 2)
		bump();
	pthread_barrier_wait(&bar);
	for (i = 1; i < n; i++) {
		if (locked)
			pthread_mutex_lock(&lock);
		(*counter)++;
		if (locked)
			pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "unlocked";
	pthread_t a, b;

	if (argc > 2)
		n = atol(argv[2]);
	locked = strcmp(mode, "unlocked") != 0;
	counter = lh_guarded_alloc(sizeof(*counter), strcmp(mode, "declared") == 0 ? &lock : NULL, "counter");
	if (!counter)
		return 1;
	*counter = 0;                   /* before the threads: hand-off */
	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&a, NULL, worker, (void *)1L);
	pthread_create(&b, NULL, worker, (void *)2L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("guard_counter: %s value %ld\n", mode, *counter);   /* after the joins */
	lh_guarded_free(counter);
	return 0;
}
