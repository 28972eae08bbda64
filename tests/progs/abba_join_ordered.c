/*
 * abba_join_ordered.c - AB-BA in two threads ordered by create/join.
 *
 * worker_ab is created, takes lock_a then lock_b, and is joined before
 * worker_ba is even created; worker_ba then takes lock_b then lock_a.  The
 * two orders can never run at the same time in this program: expected
 * `lock-order` (not potential-deadlock), exit 0 without --strict.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *worker_ab(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	return NULL;
}

static void *worker_ba(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_b);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, worker_ab, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, worker_ba, NULL);
	pthread_join(t, NULL);
	puts("abba_join_ordered: done");
	return 0;
}
