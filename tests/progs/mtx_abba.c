/*
 * mtx_abba.c - AB-BA with C11 <threads.h> mutexes and threads.
 *
 * glibc's mtx_lock does not go through the PLT entry of pthread_mutex_lock,
 * so this checks that the C11 functions are intercepted themselves.  The
 * threads are concurrent but take turns (a pthread barrier, which is not a
 * lock): expected finding `potential-deadlock`.
 */
#include <pthread.h>
#include <stdio.h>
#include <threads.h>

mtx_t c11_a;
mtx_t c11_b;
static pthread_barrier_t turn;

static int worker_ab(void *arg)
{
	(void)arg;
	mtx_lock(&c11_a);
	mtx_lock(&c11_b);
	mtx_unlock(&c11_b);
	mtx_unlock(&c11_a);
	pthread_barrier_wait(&turn);
	return 0;
}

static int worker_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	mtx_lock(&c11_b);
	mtx_lock(&c11_a);
	mtx_unlock(&c11_a);
	mtx_unlock(&c11_b);
	return 0;
}

int main(void)
{
	thrd_t t1, t2;

	if (mtx_init(&c11_a, mtx_plain) != thrd_success ||
	    mtx_init(&c11_b, mtx_plain) != thrd_success)
		return 1;
	pthread_barrier_init(&turn, NULL, 2);
	thrd_create(&t1, worker_ab, NULL);
	thrd_create(&t2, worker_ba, NULL);
	thrd_join(t1, NULL);
	thrd_join(t2, NULL);
	mtx_destroy(&c11_a);
	mtx_destroy(&c11_b);
	puts("mtx_abba: done");
	return 0;
}
