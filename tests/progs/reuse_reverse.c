/*
 * reuse_reverse.c - a mutex pair destroyed and its memory reused, with the
 * order reversed in the second lifetime.
 *
 * Lifetime 1 (first_user): slot[0] then slot[1].  Both are destroyed, the
 * same memory is initialised again (at other init sites, so their classes
 * differ too), and after the barrier second_user takes slot[1] then
 * slot[0].  Addresses repeat but the locks do not: no cycle spans two
 * lifetimes.  Concurrent threads.  Expected: no finding.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t *slot;
static pthread_barrier_t turn;

static void lifetime_one(void)
{
	pthread_mutex_init(&slot[0], NULL);
	pthread_mutex_init(&slot[1], NULL);
}

static void lifetime_two(void)
{
	pthread_mutex_init(&slot[0], NULL);
	pthread_mutex_init(&slot[1], NULL);
}

static void *first_user(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&slot[0]);
	pthread_mutex_lock(&slot[1]);
	pthread_mutex_unlock(&slot[1]);
	pthread_mutex_unlock(&slot[0]);
	pthread_mutex_destroy(&slot[0]);
	pthread_mutex_destroy(&slot[1]);
	lifetime_two();
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *second_user(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_mutex_lock(&slot[1]);
	pthread_mutex_lock(&slot[0]);
	pthread_mutex_unlock(&slot[0]);
	pthread_mutex_unlock(&slot[1]);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	slot = malloc(2 * sizeof(*slot));
	if (!slot)
		return 2;
	lifetime_one();
	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, first_user, NULL);
	pthread_create(&t2, NULL, second_user, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_mutex_destroy(&slot[0]);
	pthread_mutex_destroy(&slot[1]);
	free(slot);
	puts("reuse_reverse: done");
	return 0;
}
