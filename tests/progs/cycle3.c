/*
 * cycle3.c - a three-lock cycle: thread i takes lock i then lock i+1 (mod 3).
 *
 * The threads run one after another (each waits on its own semaphore, posted
 * by the previous one once it has released both locks), so the run never
 * deadlocks, yet all three threads are alive at once: expected finding
 * `potential-deadlock` whose cycle holds all three locks.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define NLOCKS 3

pthread_mutex_t ring_0 = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t ring_1 = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t ring_2 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *ring[NLOCKS] = { &ring_0, &ring_1, &ring_2 };
static sem_t go[NLOCKS + 1];

static void *link_worker(void *arg)
{
	int i = (int)(long)arg;

	sem_wait(&go[i]);
	pthread_mutex_lock(ring[i]);
	pthread_mutex_lock(ring[(i + 1) % NLOCKS]);
	pthread_mutex_unlock(ring[(i + 1) % NLOCKS]);
	pthread_mutex_unlock(ring[i]);
	sem_post(&go[i + 1]);
	return NULL;
}

int main(void)
{
	pthread_t t[NLOCKS];
	int i;

	for (i = 0; i <= NLOCKS; i++)
		sem_init(&go[i], 0, 0);
	for (i = 0; i < NLOCKS; i++)
		pthread_create(&t[i], NULL, link_worker, (void *)(long)i);
	sem_post(&go[0]);
	for (i = 0; i < NLOCKS; i++)
		pthread_join(t[i], NULL);
	puts("cycle3: done");
	return 0;
}
