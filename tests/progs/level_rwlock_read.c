/*
 * level_rwlock_read.c - a read acquisition that violates the levels:
 * holding config_lock (mutex, level 10), the thread read-locks map_rwlock
 * (level 30).  Read mode is checked too: expected `level-violation`.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>

pthread_rwlock_t map_rwlock = PTHREAD_RWLOCK_INITIALIZER;
pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
	lh_lock_level(&map_rwlock, 30);
	lh_lock_level(&config_lock, 10);
	pthread_mutex_lock(&config_lock);
	pthread_rwlock_rdlock(&map_rwlock);  /* 30 (read) while holding 10 */
	pthread_rwlock_unlock(&map_rwlock);
	pthread_mutex_unlock(&config_lock);
	puts("level_rwlock_read: done");
	return 0;
}
