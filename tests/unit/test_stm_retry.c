/*
 * test_stm_retry.c - blocking lh_retry: a consumer parked on an empty queue
 * uses no CPU and wakes on the first put; one million hand-offs through a
 * bounded queue by two producers and two consumers, none lost or duplicated.
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define CAP 16

struct queue {
	lh_tvar *slot[CAP];
	lh_tvar *head, *count;
};

static struct queue *queue_new(void)
{
	struct queue *q = calloc(1, sizeof(*q));
	int i;

	for (i = 0; i < CAP; i++)
		q->slot[i] = lh_tvar_new(0);
	q->head = lh_tvar_new(0);
	q->count = lh_tvar_new(0);
	return q;
}

static void queue_free(struct queue *q)
{
	int i;

	for (i = 0; i < CAP; i++)
		lh_tvar_free(q->slot[i]);
	lh_tvar_free(q->head);
	lh_tvar_free(q->count);
	free(q);
}

struct op {
	struct queue *q;
	intptr_t v;
};

static int put_fn(lh_tx *tx, void *arg)
{
	struct op *o = arg;
	intptr_t n = lh_read(tx, o->q->count), h = lh_read(tx, o->q->head);

	lh_check(tx, n < CAP);
	lh_write(tx, o->q->slot[(h + n) % CAP], o->v);
	lh_write(tx, o->q->count, n + 1);
	return 0;
}

static int take_fn(lh_tx *tx, void *arg)
{
	struct op *o = arg;
	intptr_t n = lh_read(tx, o->q->count), h = lh_read(tx, o->q->head);

	lh_check(tx, n > 0);
	o->v = lh_read(tx, o->q->slot[h]);
	lh_write(tx, o->q->head, (h + 1) % CAP);
	lh_write(tx, o->q->count, n - 1);
	return 0;
}

static void put(struct queue *q, intptr_t v)
{
	struct op o = { q, v };

	lh_atomically(put_fn, &o);
}

static intptr_t take(struct queue *q)
{
	struct op o = { q, 0 };

	lh_atomically(take_fn, &o);
	return o.v;
}

/* ---- one parked consumer ---- */
static struct queue *q1;
static _Atomic int got = -1;
static clockid_t consumer_clock;
static _Atomic int consumer_ready;

static void *consumer1(void *arg)
{
	(void)arg;
	pthread_getcpuclockid(pthread_self(), &consumer_clock);
	atomic_store(&consumer_ready, 1);
	atomic_store(&got, (int)take(q1));
	return NULL;
}

static double cpu_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- many hand-offs ---- */
#ifndef N_ITEMS
#define N_ITEMS 1000000
#endif
#define PRODUCERS 2
#define CONSUMERS 2

static struct queue *q2;
static unsigned char *seen;
static _Atomic long dups, bad, taken;

static void *producer(void *arg)
{
	intptr_t p = (intptr_t)arg, i;

	for (i = p; i < N_ITEMS; i += PRODUCERS)
		put(q2, i + 1);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		intptr_t v = take(q2);

		if (v == -1)
			return NULL;
		if (v < 1 || v > N_ITEMS) {
			atomic_fetch_add(&bad, 1);
			continue;
		}
		if (seen[v - 1]++)
			atomic_fetch_add(&dups, 1);
		atomic_fetch_add(&taken, 1);
	}
}

int main(void)
{
	pthread_t c, pr[PRODUCERS], co[CONSUMERS];
	double t0, used;
	long missing = 0;
	lh_stm_site_stats st;
	int i;

	alarm(60);
	tap_plan(7);
	q1 = queue_new();
	pthread_create(&c, NULL, consumer1, NULL);
	while (!atomic_load(&consumer_ready))
		usleep(1000);
	usleep(50000);
	t0 = cpu_ms(consumer_clock);
	usleep(200000);
	used = cpu_ms(consumer_clock) - t0;
	tap_ok(atomic_load(&got) == -1, "consumer blocks on an empty queue");
	tap_ok(used < 20.0, "a parked consumer uses no CPU (%.2f ms in 200 ms)", used);
	put(q1, 77);
	pthread_join(c, NULL);
	tap_ok(atomic_load(&got) == 77, "the first put wakes it with the item");
	lh_stm_stats_get("(anonymous)", &st);
	tap_ok(st.retries >= 1 && st.parked_ns > 0, "statistics saw the park (%llu retries)",
	       (unsigned long long)st.retries);
	queue_free(q1);

	q2 = queue_new();
	seen = calloc(N_ITEMS, 1);
	for (i = 0; i < CONSUMERS; i++)
		pthread_create(&co[i], NULL, consumer, NULL);
	for (i = 0; i < PRODUCERS; i++)
		pthread_create(&pr[i], NULL, producer, (void *)(intptr_t)i);
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(pr[i], NULL);
	for (i = 0; i < CONSUMERS; i++)
		put(q2, -1);
	for (i = 0; i < CONSUMERS; i++)
		pthread_join(co[i], NULL);
	for (i = 0; i < N_ITEMS; i++)
		missing += !seen[i];
	tap_ok(atomic_load(&taken) == N_ITEMS && missing == 0,
	       "one million hand-offs, none lost (%ld taken, %ld missing)", atomic_load(&taken),
	       missing);
	tap_ok(atomic_load(&dups) == 0 && atomic_load(&bad) == 0, "none duplicated or corrupted");
	tap_ok(lh_load(q2->count) == 0, "queue empty at the end");
	queue_free(q2);
	free(seen);
	return tap_done();
}
