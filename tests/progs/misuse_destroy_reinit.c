/*
 * misuse_destroy_reinit.c - the correct counterpart of misuse_destroyed_use:
 * a mutex destroyed, initialised again, then locked.  The re-initialised
 * mutex is a new lock, so nothing is wrong.  Expected: no finding.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t reborn_lock;

int main(void)
{
	int rc;

	pthread_mutex_init(&reborn_lock, NULL);
	pthread_mutex_lock(&reborn_lock);
	pthread_mutex_unlock(&reborn_lock);
	pthread_mutex_destroy(&reborn_lock);
	pthread_mutex_init(&reborn_lock, NULL);
	rc = pthread_mutex_lock(&reborn_lock);
	if (rc == 0)
		pthread_mutex_unlock(&reborn_lock);
	pthread_mutex_destroy(&reborn_lock);
	printf("misuse_destroy_reinit: lock after re-init returned %d\n", rc);
	return 0;
}
