/*
 * level_same_one_by_one.c - two locks of the same level taken one by one
 * (not through lh_lock_many), in a single thread and a consistent order.
 * The rule forbids it: expected `level-violation`.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t account_x = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t account_y = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
	lh_lock_level(&account_x, 10);
	lh_lock_level(&account_y, 10);
	pthread_mutex_lock(&account_x);
	pthread_mutex_lock(&account_y);      /* same level, one by one */
	pthread_mutex_unlock(&account_y);
	pthread_mutex_unlock(&account_x);
	puts("level_same_one_by_one: done");
	return 0;
}
