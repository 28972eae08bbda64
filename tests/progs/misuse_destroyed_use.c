/*
 * misuse_destroyed_use.c - a mutex locked after pthread_mutex_destroy.
 *
 * gone_lock is initialised, locked and unlocked once, destroyed, and then
 * locked again (glibc marks a destroyed mutex with __kind == -1 and the
 * lock call fails with EINVAL instead of locking).  Single thread, no other
 * lock: the only thing wrong is the use of the destroyed lock.
 * Expected `misuse` ("use of a destroyed lock").
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t gone_lock;

int main(void)
{
	int rc;

	pthread_mutex_init(&gone_lock, NULL);
	pthread_mutex_lock(&gone_lock);
	pthread_mutex_unlock(&gone_lock);
	pthread_mutex_destroy(&gone_lock);
	rc = pthread_mutex_lock(&gone_lock);     /* use after destroy */
	if (rc == 0)
		pthread_mutex_unlock(&gone_lock);
	printf("misuse_destroyed_use: lock after destroy returned %d\n", rc);
	return 0;
}
