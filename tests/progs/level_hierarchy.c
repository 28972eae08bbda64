/*
 * level_hierarchy.c - a correct hierarchy over four levels, used by two
 * concurrent threads, always from the highest level down (40, 30, 20, 10),
 * sometimes skipping levels.  Expected: no finding.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;   /* 40 */
pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;      /* 30 */
pthread_mutex_t entry_lock = PTHREAD_MUTEX_INITIALIZER;      /* 20 */
pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;      /* 10 */

static void *walker(void *arg)
{
	int i, skip = (int)(long)arg;

	for (i = 0; i < 100; i++) {
		pthread_mutex_lock(&registry_lock);
		if (!skip)
			pthread_mutex_lock(&table_lock);
		pthread_mutex_lock(&entry_lock);
		pthread_mutex_lock(&stats_lock);
		pthread_mutex_unlock(&stats_lock);
		pthread_mutex_unlock(&entry_lock);
		if (!skip)
			pthread_mutex_unlock(&table_lock);
		pthread_mutex_unlock(&registry_lock);
		pthread_mutex_lock(&table_lock);
		pthread_mutex_lock(&stats_lock);
		pthread_mutex_unlock(&stats_lock);
		pthread_mutex_unlock(&table_lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	lh_lock_name(&registry_lock, "registry");
	lh_lock_level(&registry_lock, 40);
	lh_lock_level(&table_lock, 30);
	lh_lock_level(&entry_lock, 20);
	lh_lock_level(&stats_lock, 10);
	pthread_create(&t1, NULL, walker, (void *)0L);
	pthread_create(&t2, NULL, walker, (void *)1L);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	puts("level_hierarchy: done");
	return 0;
}
