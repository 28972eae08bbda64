/*
 * queue_stm.c - a bounded queue whose take() blocks with lh_retry().
 *
 * put() waits while the queue is full, take() while it is empty, each by
 * lh_check(): the thread sleeps (no CPU) until another thread commits a
 * change to a TVar the transaction read, then runs it again.  No condition
 * variable, no lost wake-up, and take_either() waits on two queues at once
 * with lh_or_else(), which locks cannot do.
 *
 * Usage: queue_stm [ITEMS]    (default 100000)
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CAPACITY 8

struct queue {
	lh_tvar *slot[CAPACITY];
	lh_tvar *head;          /* index of the oldest item */
	lh_tvar *count;         /* items in the queue */
};

static void queue_init(struct queue *q)
{
	int i;

	for (i = 0; i < CAPACITY; i++)
		q->slot[i] = lh_tvar_new(0);
	q->head = lh_tvar_new(0);
	q->count = lh_tvar_new(0);
}

static void queue_destroy(struct queue *q)
{
	int i;

	for (i = 0; i < CAPACITY; i++)
		lh_tvar_free(q->slot[i]);
	lh_tvar_free(q->head);
	lh_tvar_free(q->count);
}

/* Transactional operations: usable inside bigger transactions. */
static void queue_put(lh_tx *tx, struct queue *q, intptr_t v)
{
	intptr_t n = lh_read(tx, q->count), h = lh_read(tx, q->head);

	lh_check(tx, n < CAPACITY);
	lh_write(tx, q->slot[(h + n) % CAPACITY], v);
	lh_write(tx, q->count, n + 1);
}

static intptr_t queue_take(lh_tx *tx, struct queue *q)
{
	intptr_t n = lh_read(tx, q->count), h = lh_read(tx, q->head), v;

	lh_check(tx, n > 0);
	v = lh_read(tx, q->slot[h]);
	lh_write(tx, q->head, (h + 1) % CAPACITY);
	lh_write(tx, q->count, n - 1);
	return v;
}

static struct queue qa, qb;
static long items = 100000;

struct put_arg {
	struct queue *q;
	intptr_t v;
};

static int put_fn(lh_tx *tx, void *arg)
{
	struct put_arg *p = arg;

	queue_put(tx, p->q, p->v);
	return 0;
}

static void *producer(void *arg)
{
	struct queue *q = arg;
	long i;

	for (i = 1; i <= items; i++) {
		struct put_arg p = { q, i };

		lh_atomically(put_fn, &p);
	}
	return NULL;
}

static int take_a(lh_tx *tx, void *arg)
{
	*(intptr_t *)arg = queue_take(tx, &qa);
	return 0;
}

static int take_b(lh_tx *tx, void *arg)
{
	*(intptr_t *)arg = queue_take(tx, &qb);
	return 1;
}

/* Take from qa, or if it is empty from qb; if both are empty, sleep on both. */
static int take_either(lh_tx *tx, void *arg)
{
	return lh_or_else(tx, take_a, arg, take_b, arg);
}

int main(int argc, char **argv)
{
	pthread_t pa, pb;
	long got[2] = { 0, 0 }, sum[2] = { 0, 0 }, i;

	if (argc > 1)
		items = atol(argv[1]);
	if (items < 1) {
		fprintf(stderr, "usage: queue_stm [ITEMS]\n");
		return 2;
	}
	queue_init(&qa);
	queue_init(&qb);
	pthread_create(&pa, NULL, producer, &qa);
	pthread_create(&pb, NULL, producer, &qb);
	for (i = 0; i < 2 * items; i++) {
		intptr_t v = 0;
		int which = lh_atomically(take_either, &v);

		got[which]++;
		sum[which] += v;
	}
	pthread_join(pa, NULL);
	pthread_join(pb, NULL);
	printf("queue_stm: took %ld from queue a and %ld from queue b\n", got[0], got[1]);
	queue_destroy(&qa);
	queue_destroy(&qb);
	return got[0] == items && got[1] == items && sum[0] == items * (items + 1) / 2 &&
	       sum[1] == sum[0] ? 0 : 1;
}
