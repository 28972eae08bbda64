/*
 * misuse_destroy_locked.c - pthread_mutex_destroy on a locked mutex (glibc
 * returns EBUSY and leaves it intact); then unlock and destroy properly.
 * Expected `misuse`.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t busy_lock;

int main(void)
{
	int rc;

	pthread_mutex_init(&busy_lock, NULL);
	pthread_mutex_lock(&busy_lock);
	rc = pthread_mutex_destroy(&busy_lock);
	pthread_mutex_unlock(&busy_lock);
	if (rc != 0)
		pthread_mutex_destroy(&busy_lock);
	printf("misuse_destroy_locked: destroy while locked returned %d\n", rc);
	return 0;
}
