/*
 * hs_heap_counter - a heap object (a struct with a counter) allocated by
 * main and incremented by two threads WITHOUT a lock: the race heap_sample=1
 * must find, with the allocation site in main.  A barrier makes both
 * threads run their loops at the same time; prints the final count.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct stats {
	long hits;
	long misses;
};

static pthread_barrier_t start;

static void *worker(void *arg)
{
	struct stats *s = arg;
	int i;

	pthread_barrier_wait(&start);
	for (i = 0; i < 1000; i++)
		((volatile struct stats *)s)->hits++;   /* no lock: the race */
	return NULL;
}

static struct stats *stats_new(void)
{
	return calloc(1, sizeof(struct stats));   /* the allocation site */
}

int main(void)
{
	pthread_t a, b;
	struct stats *s = stats_new();

	if (!s)
		return 1;
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&a, NULL, worker, s);
	pthread_create(&b, NULL, worker, s);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("hits=%ld\n", s->hits);
	free(s);
	return 0;
}
