/*
 * misuse_relock.c - relock of a non-recursive (error-checking) mutex by its
 * owner.  The error-checking type makes glibc return EDEADLK instead of
 * hanging, so the program goes on.  Expected `misuse`.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t check_lock;

int main(void)
{
	pthread_mutexattr_t attr;
	int rc;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&check_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_mutex_lock(&check_lock);
	rc = pthread_mutex_lock(&check_lock);
	pthread_mutex_unlock(&check_lock);
	pthread_mutex_destroy(&check_lock);
	printf("misuse_relock: relock returned %d\n", rc);
	return 0;
}
