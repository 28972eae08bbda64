/*
 * level_leaf_ok.c - a leaf lock used correctly: taken innermost, under a
 * levelled lock, and released before anything else is taken.
 * Expected: no finding.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
	lh_lock_level(&table_lock, 20);
	lh_lock_leaf(&stats_lock);
	pthread_mutex_lock(&table_lock);
	pthread_mutex_lock(&stats_lock);     /* leaf innermost: fine */
	pthread_mutex_unlock(&stats_lock);
	pthread_mutex_lock(&log_lock);       /* leaf released already */
	pthread_mutex_unlock(&log_lock);
	pthread_mutex_unlock(&table_lock);
	puts("level_leaf_ok: done");
	return 0;
}
