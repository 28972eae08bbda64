/*
 * levels_unmodified.c - an unannotated program (no lockhound header): it
 * takes cache_lock, then registry_lock.  A levels file declaring
 * registry_lock 30 and cache_lock 20 makes that a `level-violation`;
 * without one there is no finding.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void refresh_cache(void)
{
	pthread_mutex_lock(&cache_lock);
	pthread_mutex_lock(&registry_lock);
	pthread_mutex_unlock(&registry_lock);
	pthread_mutex_unlock(&cache_lock);
}

int main(void)
{
	refresh_cache();
	puts("levels_unmodified: done");
	return 0;
}
