/*
 * cycle30.c - a 30-lock cycle: thread i takes lock i then lock i+1 (mod 30).
 *
 * The threads take turns (thread i waits on a semaphore posted by thread
 * i-1), so the run never deadlocks, but all 30 are alive at once.  The only
 * cycle is the whole ring: expected one `potential-deadlock` with 30 locks
 * (no cap on cycle length).
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define NRING 30

pthread_mutex_t ring_lock[NRING];
static sem_t go[NRING + 1];

static void *ring_worker(void *arg)
{
	int i = (int)(long)arg;

	sem_wait(&go[i]);
	pthread_mutex_lock(&ring_lock[i]);
	pthread_mutex_lock(&ring_lock[(i + 1) % NRING]);
	pthread_mutex_unlock(&ring_lock[(i + 1) % NRING]);
	pthread_mutex_unlock(&ring_lock[i]);
	sem_post(&go[i + 1]);
	return NULL;
}

int main(void)
{
	pthread_t t[NRING];
	int i;

	for (i = 0; i < NRING; i++)
		pthread_mutex_init(&ring_lock[i], NULL);
	for (i = 0; i <= NRING; i++)
		sem_init(&go[i], 0, 0);
	for (i = 0; i < NRING; i++)
		pthread_create(&t[i], NULL, ring_worker, (void *)(long)i);
	sem_post(&go[0]);
	for (i = 0; i < NRING; i++)
		pthread_join(t[i], NULL);
	puts("cycle30: done");
	return 0;
}
