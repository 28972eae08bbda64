/*
 * level_same_many.c - two accounts of the same level locked together through
 * lh_lock_many, by two concurrent threads naming them in opposite orders.
 * lh_lock_many takes them in address order: expected no finding.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t account_x = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t account_y = PTHREAD_MUTEX_INITIALIZER;
static long balance_x = 100, balance_y = 100;

static void *mover(void *arg)
{
	int forward = (int)(long)arg, i;
	pthread_mutex_t *pair[2];

	pair[0] = forward ? &account_x : &account_y;
	pair[1] = forward ? &account_y : &account_x;
	for (i = 0; i < 500; i++) {
		lh_lock_many(pair, 2);
		balance_x += forward ? -1 : 1;
		balance_y += forward ? 1 : -1;
		lh_unlock_many(pair, 2);
	}
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	lh_lock_level(&account_x, 10);
	lh_lock_level(&account_y, 10);
	pthread_create(&t1, NULL, mover, (void *)1L);
	pthread_create(&t2, NULL, mover, (void *)0L);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("level_same_many: total %ld\n", balance_x + balance_y);
	return balance_x + balance_y == 200 ? 0 : 1;
}
