/*
 * recursive_relock.c - a recursive mutex locked three times by its owner,
 * with another lock taken inside, then released three times.  Relocking a
 * recursive mutex is legal: expected no finding, exit 0.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t rec_lock;
pthread_mutex_t leaf_lock = PTHREAD_MUTEX_INITIALIZER;

static int depth_walk(int depth)
{
	int rc = pthread_mutex_lock(&rec_lock);

	if (rc == 0 && depth > 1)
		rc = depth_walk(depth - 1);
	if (rc == 0 && depth == 1) {
		pthread_mutex_lock(&leaf_lock);
		pthread_mutex_unlock(&leaf_lock);
	}
	pthread_mutex_unlock(&rec_lock);
	return rc;
}

int main(void)
{
	pthread_mutexattr_t attr;
	int rc;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rec_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	rc = depth_walk(3);
	pthread_mutex_destroy(&rec_lock);
	printf("recursive_relock: rc=%d\n", rc);
	return rc != 0;
}
