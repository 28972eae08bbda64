/*
 * bench/stm/queue.c - a bounded blocking queue whose take() waits with
 * lh_retry, against the same queue with a mutex and two pthread_cond.
 *
 *   queue stm|cond handoff ITEMS CAPACITY   one producer, one consumer:
 *                                           prints handoffs_per_s
 *   queue stm|cond latency ROUNDS           the consumer is parked on an empty
 *                                           queue; the producer stamps the time
 *                                           and puts: prints the median and
 *                                           90th percentile wake-up latency
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXCAP 1024

static int use_stm;
static long cap;

/* ---- the STM queue ---- */
static lh_tvar *slot[MAXCAP], *head, *count;

struct op {
	intptr_t v;
};

static int put_fn(lh_tx *tx, void *arg)
{
	const struct op *o = arg;
	intptr_t n = lh_read(tx, count), h = lh_read(tx, head);

	lh_check(tx, n < cap);
	lh_write(tx, slot[(h + n) % cap], o->v);
	lh_write(tx, count, n + 1);
	return 0;
}

static int take_fn(lh_tx *tx, void *arg)
{
	struct op *o = arg;
	intptr_t n = lh_read(tx, count), h = lh_read(tx, head);

	lh_check(tx, n > 0);
	o->v = lh_read(tx, slot[h]);
	lh_write(tx, head, (h + 1) % cap);
	lh_write(tx, count, n - 1);
	return 0;
}

/* ---- the condition-variable queue ---- */
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static intptr_t cbuf[MAXCAP];
static long chead, ccount;

static void put(intptr_t v)
{
	if (use_stm) {
		struct op o = { v };

		lh_atomically(put_fn, &o);
		return;
	}
	pthread_mutex_lock(&m);
	while (ccount == cap)
		pthread_cond_wait(&not_full, &m);
	cbuf[(chead + ccount) % cap] = v;
	ccount++;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&m);
}

static intptr_t take(void)
{
	intptr_t v;

	if (use_stm) {
		struct op o = { 0 };

		lh_atomically(take_fn, &o);
		return o.v;
	}
	pthread_mutex_lock(&m);
	while (ccount == 0)
		pthread_cond_wait(&not_empty, &m);
	v = cbuf[chead];
	chead = (chead + 1) % cap;
	ccount--;
	pthread_cond_signal(&not_full);
	pthread_mutex_unlock(&m);
	return v;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long items;
static long errors;

static void *consumer(void *arg)
{
	long i;

	(void)arg;
	for (i = 1; i <= items; i++)
		if (take() != i)
			errors++;
	return NULL;
}

static double *lat;

static void *lat_consumer(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < items; i++) {
		intptr_t stamp = take();
		double t = now_ns();

		lat[i] = t - (double)stamp;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	pthread_t t;
	long i;
	double t0, secs;

	if (argc < 4 || (strcmp(argv[1], "stm") != 0 && strcmp(argv[1], "cond") != 0)) {
		fprintf(stderr, "usage: queue stm|cond handoff ITEMS CAPACITY | latency ROUNDS\n");
		return 2;
	}
	use_stm = strcmp(argv[1], "stm") == 0;
	items = atol(argv[3]);
	cap = argc > 4 ? atol(argv[4]) : 16;
	if (items < 1 || cap < 1 || cap > MAXCAP) {
		fprintf(stderr, "queue: bad arguments\n");
		return 2;
	}
	for (i = 0; i < cap; i++)
		slot[i] = lh_tvar_new(0);
	head = lh_tvar_new(0);
	count = lh_tvar_new(0);
	if (strcmp(argv[2], "handoff") == 0) {
		pthread_create(&t, NULL, consumer, NULL);
		t0 = now_ns();
		for (i = 1; i <= items; i++)
			put(i);
		pthread_join(t, NULL);
		secs = (now_ns() - t0) / 1e9;
		printf("handoffs_per_s=%.0f errors=%ld\n", items / secs, errors);
		return errors != 0;
	}
	lat = calloc((size_t)items, sizeof(*lat));
	if (!lat)
		return 1;
	pthread_create(&t, NULL, lat_consumer, NULL);
	for (i = 0; i < items; i++) {
		usleep(200);            /* let the consumer park */
		put((intptr_t)now_ns());
	}
	pthread_join(t, NULL);
	qsort(lat, (size_t)items, sizeof(*lat), cmp_double);
	printf("wake_latency_ns_median=%.0f wake_latency_ns_p90=%.0f\n", lat[items / 2],
	       lat[items * 9 / 10]);
	free(lat);
	return 0;
}
