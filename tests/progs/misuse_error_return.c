/*
 * misuse_error_return.c - an intercepted call returns an error code:
 * pthread_mutex_unlock on an error-checking mutex that is not held returns
 * EPERM.  Expected `misuse` (naming EPERM).
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t strict_lock;

int main(void)
{
	pthread_mutexattr_t attr;
	int rc;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&strict_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	rc = pthread_mutex_unlock(&strict_lock);
	pthread_mutex_destroy(&strict_lock);
	printf("misuse_error_return: unlock returned %d\n", rc);
	return 0;
}
