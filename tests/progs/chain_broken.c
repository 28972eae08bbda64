/*
 * chain_broken.c - a graph cycle whose chain is broken by an early unlock.
 *
 * T1: lock A, lock B, unlock A, lock C (edges A->B, B->C);
 * T2: lock C, lock A (edge C->A).
 * The graph has A->B->C->A, but T1 no longer holds A when it asks for C, so
 * no schedule can close the cycle.  Concurrent threads taking turns
 * (barrier).  Expected: no finding.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn;

static void *worker_hand_over(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_lock(&lock_c);
	pthread_mutex_unlock(&lock_c);
	pthread_mutex_unlock(&lock_b);
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *worker_ca(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_mutex_lock(&lock_c);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_c);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, worker_hand_over, NULL);
	pthread_create(&t2, NULL, worker_ca, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	puts("chain_broken: done");
	return 0;
}
