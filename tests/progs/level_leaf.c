/*
 * level_leaf.c - a lock taken while a leaf lock is held.
 *
 * stats_lock is marked a leaf (lh_lock_leaf): nothing may be acquired while
 * it is held.  The thread takes stats_lock, then log_lock (no level).
 * Single thread; the rule is checked on every acquisition.
 * Expected `level-violation` over stats_lock and log_lock.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void count_then_log(void)
{
	pthread_mutex_lock(&stats_lock);
	pthread_mutex_lock(&log_lock);       /* anything under a leaf */
	pthread_mutex_unlock(&log_lock);
	pthread_mutex_unlock(&stats_lock);
}

int main(void)
{
	lh_lock_leaf(&stats_lock);
	count_then_log();
	puts("level_leaf: done");
	return 0;
}
