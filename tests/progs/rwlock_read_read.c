/*
 * rwlock_read_read.c - AB-BA made only of read acquisitions of default
 * (reader-preferring) rwlocks.  Readers never block readers there, so the
 * cycle cannot deadlock.  Concurrent threads taking turns (barrier).
 * Expected: no finding.
 */
#include <pthread.h>
#include <stdio.h>

pthread_rwlock_t rw_a = PTHREAD_RWLOCK_INITIALIZER;
pthread_rwlock_t rw_b = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t turn;

static void *reader_ab(void *arg)
{
	(void)arg;
	pthread_rwlock_rdlock(&rw_a);
	pthread_rwlock_rdlock(&rw_b);
	pthread_rwlock_unlock(&rw_b);
	pthread_rwlock_unlock(&rw_a);
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *reader_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_rwlock_rdlock(&rw_b);
	pthread_rwlock_rdlock(&rw_a);
	pthread_rwlock_unlock(&rw_a);
	pthread_rwlock_unlock(&rw_b);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, reader_ab, NULL);
	pthread_create(&t2, NULL, reader_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	puts("rwlock_read_read: done");
	return 0;
}
