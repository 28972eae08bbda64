/*
 * condvar_deadlock3.c - three threads deadlocked through a condition wait.
 *
 *   waiter:   holds lock_a, waits on `wake` (with cv_lock) for a flag that
 *             only finisher would set;
 *   middle:   holds lock_b, blocks on lock_a (owned by waiter);
 *   finisher: blocks on lock_b (owned by middle) before it can set the flag;
 *   main:     blocks in pthread_join.
 * No lock cycle exists (the condition wait has no owner), so only the
 * watchdog can see it: run with deadlock_timeout_ms.  Expected `deadlock`.
 * Forced: waiter and middle take their first lock before the barrier.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t holding;
static int flag;

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_a);
	pthread_barrier_wait(&holding);
	pthread_mutex_lock(&cv_lock);
	while (!flag)
		pthread_cond_wait(&wake, &cv_lock);
	pthread_mutex_unlock(&cv_lock);
	pthread_mutex_unlock(&lock_a);
	return NULL;
}

static void *middle(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_b);
	pthread_barrier_wait(&holding);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

static void *finisher(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&holding);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_lock(&cv_lock);
	flag = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&cv_lock);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2, t3;

	pthread_barrier_init(&holding, NULL, 3);
	pthread_create(&t1, NULL, waiter, NULL);
	pthread_create(&t2, NULL, middle, NULL);
	pthread_create(&t3, NULL, finisher, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_join(t3, NULL);
	puts("condvar_deadlock3: not reached");
	return 0;
}
