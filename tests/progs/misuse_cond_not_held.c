/*
 * misuse_cond_not_held.c - pthread_cond_timedwait with a mutex the caller
 * does not hold (error-checking mutex: glibc returns EPERM at once; the
 * 100 ms timeout bounds it either way).  Expected `misuse`.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

pthread_mutex_t cv_lock;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

int main(void)
{
	pthread_mutexattr_t attr;
	struct timespec ts;
	int rc;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&cv_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 100L * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	rc = pthread_cond_timedwait(&cv, &cv_lock, &ts);
	pthread_mutex_destroy(&cv_lock);
	printf("misuse_cond_not_held: cond_timedwait returned %d\n", rc);
	return 0;
}
