/*
 * spin_abba.c - AB-BA with pthread spinlocks.
 *
 * A spinning thread deadlocks just as surely as a sleeping one.  The threads
 * are concurrent and take turns through a barrier: expected finding
 * `potential-deadlock`.
 */
#include <pthread.h>
#include <stdio.h>

pthread_spinlock_t spin_a;
pthread_spinlock_t spin_b;
static pthread_barrier_t turn;

static void *worker_ab(void *arg)
{
	(void)arg;
	pthread_spin_lock(&spin_a);
	pthread_spin_lock(&spin_b);
	pthread_spin_unlock(&spin_b);
	pthread_spin_unlock(&spin_a);
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *worker_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_spin_lock(&spin_b);
	pthread_spin_lock(&spin_a);
	pthread_spin_unlock(&spin_a);
	pthread_spin_unlock(&spin_b);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_spin_init(&spin_a, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_init(&spin_b, PTHREAD_PROCESS_PRIVATE);
	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, worker_ab, NULL);
	pthread_create(&t2, NULL, worker_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_spin_destroy(&spin_a);
	pthread_spin_destroy(&spin_b);
	puts("spin_abba: done");
	return 0;
}
