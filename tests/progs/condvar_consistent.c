/*
 * condvar_consistent.c - a condition wait inside a consistent lock order.
 *
 * The waiter holds outer_lock, takes inner_lock and waits on `ready` (which
 * releases inner_lock only).  The signaller takes inner_lock alone, sets the
 * flag and signals; the waiter re-acquires inner_lock while still holding
 * outer_lock: the same order outer -> inner as before.  A third thread takes
 * outer then inner afterwards.  Expected: no finding, exit 0.
 *
 * Forced order: the waiter passes the barrier while holding inner_lock, so the
 * signaller's lock of inner_lock can only succeed once the waiter is inside
 * pthread_cond_wait.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t outer_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t inner_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t started;
static int flag;

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&outer_lock);
	pthread_mutex_lock(&inner_lock);
	pthread_barrier_wait(&started);
	while (!flag)
		pthread_cond_wait(&ready, &inner_lock);
	pthread_mutex_unlock(&inner_lock);
	pthread_mutex_unlock(&outer_lock);
	return NULL;
}

static void *signaller(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&started);
	pthread_mutex_lock(&inner_lock);
	flag = 1;
	pthread_cond_signal(&ready);
	pthread_mutex_unlock(&inner_lock);
	return NULL;
}

static void *latecomer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&outer_lock);
	pthread_mutex_lock(&inner_lock);
	pthread_mutex_unlock(&inner_lock);
	pthread_mutex_unlock(&outer_lock);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2, t3;

	pthread_barrier_init(&started, NULL, 2);
	pthread_create(&t1, NULL, waiter, NULL);
	pthread_create(&t2, NULL, signaller, NULL);
	pthread_create(&t3, NULL, latecomer, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_join(t3, NULL);
	puts("condvar_consistent: done");
	return 0;
}
