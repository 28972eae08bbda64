/*
 * rwlock_writer_pref.c - AB-BA made only of read acquisitions of two
 * rwlocks, writer-preferring with "writer" (PTHREAD_RWLOCK_PREFER_WRITER_
 * NONRECURSIVE_NP), glibc's default (reader-preferring) with "default".
 *
 * Two concurrent threads take turns (barrier), the acquisitions never
 * overlap.  On writer-preferring rwlocks a reader waits behind a queued
 * writer, so read-read can block (a writer queued on each lock closes the
 * cycle): expected `potential-deadlock` with "writer", no finding with
 * "default".
 * Usage: rwlock_writer_pref writer|default
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>

pthread_rwlock_t rw_a;
pthread_rwlock_t rw_b;
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

int main(int argc, char **argv)
{
	int writer = argc > 1 && strcmp(argv[1], "writer") == 0;
	pthread_rwlockattr_t attr;
	pthread_t t1, t2;

	if (argc < 2 || (!writer && strcmp(argv[1], "default") != 0)) {
		fputs("usage: rwlock_writer_pref writer|default\n", stderr);
		return 2;
	}
	pthread_rwlockattr_init(&attr);
	if (writer)
		pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&rw_a, &attr);
	pthread_rwlock_init(&rw_b, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, reader_ab, NULL);
	pthread_create(&t2, NULL, reader_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_rwlock_destroy(&rw_a);
	pthread_rwlock_destroy(&rw_b);
	printf("rwlock_writer_pref: %s done\n", argv[1]);
	return 0;
}
