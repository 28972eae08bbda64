/*
 * cycle3_ordered.c - the consistent variant of cycle3: the same three global
 * mutexes (ring_0, ring_1, ring_2), taken by three concurrent threads in one
 * global order given on the command line.
 *
 * Usage: cycle3_ordered FIRST SECOND THIRD   (a permutation of ring_0..2)
 * Thread 1 takes FIRST then SECOND, thread 2 SECOND then THIRD, thread 3
 * FIRST then THIRD, one after the other (semaphores).  With the order
 * suggested by `lockhound report --suggest-levels` (highest level first) a
 * levels file gives no finding; with the reverse order it gives
 * level-violations.  Locks are looked up by name with dlsym (-rdynamic).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

pthread_mutex_t ring_0 = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t ring_1 = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t ring_2 = PTHREAD_MUTEX_INITIALIZER;

struct pair {
	pthread_mutex_t *outer, *inner;
	sem_t *wait_for, *then_post;
};

static void *pair_worker(void *arg)
{
	struct pair *p = arg;

	sem_wait(p->wait_for);
	pthread_mutex_lock(p->outer);
	pthread_mutex_lock(p->inner);
	pthread_mutex_unlock(p->inner);
	pthread_mutex_unlock(p->outer);
	sem_post(p->then_post);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_mutex_t *order[3];
	struct pair pairs[3];
	sem_t go[4];
	pthread_t t[3];
	int i;

	if (argc != 4) {
		fprintf(stderr, "usage: cycle3_ordered FIRST SECOND THIRD\n");
		return 2;
	}
	for (i = 0; i < 3; i++) {
		order[i] = dlsym(RTLD_DEFAULT, argv[i + 1]);
		if (!order[i]) {
			fprintf(stderr, "cycle3_ordered: no lock named %s\n", argv[i + 1]);
			return 2;
		}
	}
	for (i = 0; i < 4; i++)
		sem_init(&go[i], 0, 0);
	pairs[0] = (struct pair){ order[0], order[1], &go[0], &go[1] };
	pairs[1] = (struct pair){ order[1], order[2], &go[1], &go[2] };
	pairs[2] = (struct pair){ order[0], order[2], &go[2], &go[3] };
	for (i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, pair_worker, &pairs[i]);
	sem_post(&go[0]);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("cycle3_ordered: %s %s %s\n", argv[1], argv[2], argv[3]);
	return 0;
}
