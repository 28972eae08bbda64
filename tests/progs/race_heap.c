/*
 * race_heap.c - a heap object shared by two threads without a lock; found
 * with heap_sample=1 (every small allocation sampled), the report names
 * where it was allocated (make_account).
 *
 *   race_heap          both threads update the account without a lock -> race
 *   race_heap lock     both hold bank_lock                            -> no finding
 *
 * The threads take turns through a barrier (thread 1, then thread 2, three
 * rounds), so the accesses alternate whatever the scheduler does.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct account {
	long balance;
	long ops;
};

static pthread_mutex_t bank_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn;
static int use_lock;

static struct account *__attribute__((noinline)) make_account(void)
{
	struct account *a = malloc(sizeof(*a));

	if (a)
		memset(a, 0, sizeof(*a));
	return a;
}

static struct account *shared;

static void *worker(void *arg)
{
	struct account *a = shared;
	int who = (int)(long)arg, i;

	for (i = 0; i < 3; i++) {
		if (who == 2)
			pthread_barrier_wait(&turn);    /* thread 1 went first */
		if (use_lock)
			pthread_mutex_lock(&bank_lock);
		a->balance += 10;
		a->ops++;
		if (use_lock)
			pthread_mutex_unlock(&bank_lock);
		if (who == 1)
			pthread_barrier_wait(&turn);
		pthread_barrier_wait(&turn);            /* end of the round */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t1, t2;
	struct account *a;

	use_lock = argc > 1 && strcmp(argv[1], "lock") == 0;
	a = make_account();
	if (!a)
		return 1;
	pthread_barrier_init(&turn, NULL, 2);
	shared = a;
	pthread_create(&t1, NULL, worker, (void *)1L);
	pthread_create(&t2, NULL, worker, (void *)2L);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("race_heap: balance %ld after %ld operations\n", a->balance, a->ops);
	free(a);
	return 0;
}
