/*
 * misuse_exit_holding.c - a thread returns while still holding a mutex.
 * Expected `misuse`.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t forgotten_lock = PTHREAD_MUTEX_INITIALIZER;

static void *forgetful(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&forgotten_lock);
	return NULL;                      /* never unlocks */
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, forgetful, NULL);
	pthread_join(t, NULL);
	puts("misuse_exit_holding: done");
	return 0;
}
