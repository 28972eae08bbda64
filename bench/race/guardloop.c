/*
 * guardloop.c - the race benchmark: two threads, each ITER times: lock one
 * mutex, update one object, unlock.  The object is page-isolated
 * (lh_guarded_alloc), guarded or not:
 *
 *   guardloop plain ITER     the object is not guarded (shim baseline)
 *   guardloop guard ITER     guarded, correctly locked (no race)
 *   guardloop planted ITER   guarded, and thread 2 updates it once without
 *                            the lock halfway through (the race to find)
 *
 * Without the shim lh_guarded_alloc is an ordinary page-aligned allocation,
 * so `plain` and `guard` run the same code natively.  Prints the elapsed
 * seconds of the loop (after the threads are joined) on its last line.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct obj {
	long value;
	long ops;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct obj *o;
static long iter;
static int planted;

static void *worker(void *arg)
{
	long i, who = (long)arg;

	for (i = 0; i < iter; i++) {
		if (planted && who == 2 && i == iter / 2)
			o->value++;     /* the planted unlocked access */
		pthread_mutex_lock(&lock);
		o->value++;
		o->ops++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	pthread_t t1, t2;
	const char *mode = argc > 1 ? argv[1] : "guard";

	iter = argc > 2 ? atol(argv[2]) : 100000;
	planted = strcmp(mode, "planted") == 0;
	if (strcmp(mode, "plain") == 0) {
		if (posix_memalign((void **)&o, 4096, sizeof(*o)) != 0)
			return 1;
		memset(o, 0, sizeof(*o));
	} else {
		o = lh_guarded_alloc(sizeof(*o), NULL, "guardloop object");
	}
	if (!o)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pthread_create(&t1, NULL, worker, (void *)1L);
	pthread_create(&t2, NULL, worker, (void *)2L);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("guardloop: %s value %ld ops %ld\n", mode, o->value, o->ops);
	printf("%.6f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
