/*
 * rwlock_write_read.c - AB-BA on rwlocks where each thread holds one lock
 * for writing and asks for the other for reading.
 *
 * T1: wrlock A, rdlock B;  T2: wrlock B, rdlock A.
 * A reader waits for a writer: if both hold their write lock, both block.
 * Concurrent threads taking turns (barrier).  Expected `potential-deadlock`.
 */
#include <pthread.h>
#include <stdio.h>

pthread_rwlock_t rw_a = PTHREAD_RWLOCK_INITIALIZER;
pthread_rwlock_t rw_b = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t turn;

static void *writer_a_reader_b(void *arg)
{
	(void)arg;
	pthread_rwlock_wrlock(&rw_a);
	pthread_rwlock_rdlock(&rw_b);
	pthread_rwlock_unlock(&rw_b);
	pthread_rwlock_unlock(&rw_a);
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *writer_b_reader_a(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_rwlock_wrlock(&rw_b);
	pthread_rwlock_rdlock(&rw_a);
	pthread_rwlock_unlock(&rw_a);
	pthread_rwlock_unlock(&rw_b);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, writer_a_reader_b, NULL);
	pthread_create(&t2, NULL, writer_b_reader_a, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	puts("rwlock_write_read: done");
	return 0;
}
