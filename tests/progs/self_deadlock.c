/*
 * self_deadlock.c - a thread locks a normal (non-recursive) mutex it already
 * holds.  Without a detector this hangs forever; lockhound must report a
 * `deadlock` before the thread blocks and, with halt_on_deadlock=1, stop the
 * program (status 86).  Tests run it under `timeout`.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t self_lock = PTHREAD_MUTEX_INITIALIZER;

static void relock_twice(void)
{
	pthread_mutex_lock(&self_lock);
	pthread_mutex_lock(&self_lock);   /* never returns */
	pthread_mutex_unlock(&self_lock);
	pthread_mutex_unlock(&self_lock);
}

int main(void)
{
	puts("self_deadlock: about to relock");
	fflush(stdout);
	relock_twice();
	puts("self_deadlock: not reached");
	return 0;
}
