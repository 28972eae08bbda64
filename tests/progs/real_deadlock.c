/*
 * real_deadlock.c - a real AB-BA deadlock, forced.
 *
 * T1 takes lock_a, T2 takes lock_b, both meet at the barrier, then T1 asks
 * for lock_b and T2 for lock_a: both block forever.  lockhound must see the
 * wait-for cycle before the second thread sleeps, report `deadlock` and,
 * with halt_on_deadlock=1 (lockhound run's default), stop the program with
 * status 86.  Tests run it under `timeout`.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold;

static void *worker_ab(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_a);
	pthread_barrier_wait(&both_hold);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	return NULL;
}

static void *worker_ba(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_b);
	pthread_barrier_wait(&both_hold);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_barrier_init(&both_hold, NULL, 2);
	pthread_create(&t1, NULL, worker_ab, NULL);
	pthread_create(&t2, NULL, worker_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	puts("real_deadlock: not reached");
	return 0;
}
