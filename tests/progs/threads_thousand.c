/*
 * threads_thousand.c - 1,000 threads (in batches that are alive together),
 * each taking lock_outer then lock_inner, always in that order.
 *
 * Each batch of threads meets at a barrier before locking, so every thread
 * of a batch exists while the others lock: the order is consistent, so no
 * schedule can deadlock.  Expected: no finding, no crash, exit 0.
 * Usage: threads_thousand [N [BATCH]]   (default 1000 threads, batches of 50)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

pthread_mutex_t lock_outer = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_inner = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t batch_start;
static long total;

static void *worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&batch_start);
	pthread_mutex_lock(&lock_outer);
	pthread_mutex_lock(&lock_inner);
	total++;
	pthread_mutex_unlock(&lock_inner);
	pthread_mutex_unlock(&lock_outer);
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	long batch = argc > 2 ? atol(argv[2]) : 50;
	pthread_t *t;
	pthread_attr_t attr;
	long i, k, made = 0, bad = 0;

	if (n <= 0 || batch <= 0 || n % batch)
		return 2;
	t = calloc((size_t)batch, sizeof(*t));
	if (!t)
		return 2;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)64 * 1024);
	pthread_barrier_init(&batch_start, NULL, (unsigned)batch);
	for (i = 0; i < n; i += batch) {
		for (k = 0; k < batch; k++) {
			if (pthread_create(&t[k], &attr, worker, NULL) != 0) {
				bad++;
				break;
			}
			made++;
		}
		if (k < batch)
			break;     /* a short batch would wait at the barrier forever */
		for (k = 0; k < batch; k++)
			pthread_join(t[k], NULL);
	}
	pthread_barrier_destroy(&batch_start);
	pthread_attr_destroy(&attr);
	free(t);
	printf("threads_thousand: %ld threads, total %ld, %ld errors\n", made, total, bad);
	return bad != 0;
}
