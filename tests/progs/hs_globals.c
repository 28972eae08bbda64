/*
 * hs_globals - globals for guard=SYMBOL: `counter` (non-static) and `hits`
 * (static) incremented by two threads without a lock, next to `flag`,
 * `total_lock` and `total` on the same page; `total` is updated under
 * `total_lock` (guard=total@total_lock).  Meant to be built both by the
 * Makefile (-O0 -rdynamic) and as a plain `cc -O2 -pthread` PIE.
 */
#include <pthread.h>
#include <stdio.h>

long counter;
static long hits;
int flag;
pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;
long total;
static pthread_barrier_t start;

static void *worker(void *arg)
{
	int i;

	(void)arg;
	pthread_barrier_wait(&start);
	for (i = 0; i < 1000; i++) {
		__atomic_store_n(&counter, __atomic_load_n(&counter, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&hits, __atomic_load_n(&hits, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&total_lock);
		total++;
		pthread_mutex_unlock(&total_lock);
	}
	flag = 1;
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&a, NULL, worker, NULL);
	pthread_create(&b, NULL, worker, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("counter=%ld hits=%ld total=%ld flag=%d\n", counter, hits, total, flag);
	return 0;
}
