/*
 * misuse_unlock_not_owner.c - a thread unlocks an error-checking mutex that
 * another thread holds (glibc returns EPERM).  Forced: the owner locks
 * before the first barrier and unlocks only after the second.
 * Expected `misuse`.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t owned_lock;
static pthread_barrier_t locked, tried;
static int stranger_rc = -1;

static void *owner(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&owned_lock);
	pthread_barrier_wait(&locked);
	pthread_barrier_wait(&tried);
	pthread_mutex_unlock(&owned_lock);
	return NULL;
}

static void *stranger(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&locked);
	stranger_rc = pthread_mutex_unlock(&owned_lock);
	pthread_barrier_wait(&tried);
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t attr;
	pthread_t t1, t2;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&owned_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_barrier_init(&locked, NULL, 2);
	pthread_barrier_init(&tried, NULL, 2);
	pthread_create(&t1, NULL, owner, NULL);
	pthread_create(&t2, NULL, stranger, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_mutex_destroy(&owned_lock);
	printf("misuse_unlock_not_owner: unlock by non-owner returned %d\n", stranger_rc);
	return 0;
}
