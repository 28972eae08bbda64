/*
 * gate_lock.c - AB-BA under a common gate lock.
 *
 * Both threads hold gate_lock while taking lock_a/lock_b in opposite
 * orders; the gate serialises them, so the cycle can never close.  The
 * threads are concurrent and take turns (barrier).  Expected: no finding.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn;

static void *worker_ab(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate_lock);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&gate_lock);
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *worker_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_mutex_lock(&gate_lock);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&gate_lock);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, worker_ab, NULL);
	pthread_create(&t2, NULL, worker_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	puts("gate_lock: done");
	return 0;
}
