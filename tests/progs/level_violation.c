/*
 * level_violation.c - a lock-level violation in a single thread.
 *
 * table_lock has level 20, entry_lock level 10 (holding 20, only < 20 may
 * follow).  The thread takes entry_lock, then table_lock: acquiring level 20
 * while holding level 10.  No second thread is needed: the rule is checked
 * on every acquisition.  Expected `level-violation`.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t entry_lock = PTHREAD_MUTEX_INITIALIZER;

static void update_entry_then_table(void)
{
	pthread_mutex_lock(&entry_lock);
	pthread_mutex_lock(&table_lock);     /* 20 while holding 10 */
	pthread_mutex_unlock(&table_lock);
	pthread_mutex_unlock(&entry_lock);
}

int main(void)
{
	lh_lock_level(&table_lock, 20);
	lh_lock_level(&entry_lock, 10);
	update_entry_then_table();
	puts("level_violation: done");
	return 0;
}
