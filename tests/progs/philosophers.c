/*
 * philosophers.c - five dining philosophers, each taking the left fork then
 * the right one.
 *
 * They eat in turn (philosopher i waits for a semaphore posted by i-1 after
 * it put both forks down), so the run never deadlocks, but all five threads
 * are alive at once: expected finding `potential-deadlock` whose cycle holds
 * all five forks.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define NPHIL 5

pthread_mutex_t fork_lock[NPHIL];
static sem_t turn[NPHIL + 1];

static void *philosopher(void *arg)
{
	int i = (int)(long)arg;
	pthread_mutex_t *left = &fork_lock[i];
	pthread_mutex_t *right = &fork_lock[(i + 1) % NPHIL];

	sem_wait(&turn[i]);
	pthread_mutex_lock(left);
	pthread_mutex_lock(right);
	pthread_mutex_unlock(right);
	pthread_mutex_unlock(left);
	sem_post(&turn[i + 1]);
	return NULL;
}

int main(void)
{
	pthread_t t[NPHIL];
	int i;

	for (i = 0; i < NPHIL; i++)
		pthread_mutex_init(&fork_lock[i], NULL);
	for (i = 0; i <= NPHIL; i++)
		sem_init(&turn[i], 0, 0);
	for (i = 0; i < NPHIL; i++)
		pthread_create(&t[i], NULL, philosopher, (void *)(long)i);
	sem_post(&turn[0]);
	for (i = 0; i < NPHIL; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NPHIL; i++)
		pthread_mutex_destroy(&fork_lock[i]);
	puts("philosophers: all ate");
	return 0;
}
