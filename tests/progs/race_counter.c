/*
 * race_counter.c - a global counter shared by two threads; an unmodified
 * program (no lockhound header), watched with guard=counter.
 *
 *   race_counter MODE [ROUNDS]
 *   nolock    both threads increment without a lock           -> race
 *   lock      both hold counter_lock                          -> no finding
 *   twolocks  thread 1 holds lock_one, thread 2 lock_two      -> race
 *   handoff   main writes, creates a worker that writes, joins,
 *             then reads: ordered by create/join               -> no finding
 *   single    main writes once without counter_lock (for
 *             guard=counter@counter_lock)                      -> race
 *   readonly  main initialises, two threads only read          -> no finding
 *
 * The threads take turns through a barrier, so the accesses alternate
 * (thread 1, then thread 2, ROUNDS times) whatever the scheduler does.
 * `counter` is a page-sized array aligned to a page: alone on its page,
 * as LH_GUARDED_GLOBAL would place it; counter[0] is the counter.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long counter[512] __attribute__((aligned(4096)));
pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_one = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_two = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn;
static const char *mode;
static int rounds = 3;
static volatile long sink;

static pthread_mutex_t *lock_for(int who)
{
	if (strcmp(mode, "lock") == 0)
		return &counter_lock;
	if (strcmp(mode, "twolocks") == 0)
		return who == 1 ? &lock_one : &lock_two;
	return NULL;
}

static void bump(int who)
{
	pthread_mutex_t *m = lock_for(who);

	if (m)
		pthread_mutex_lock(m);
	counter[0]++;
	if (m)
		pthread_mutex_unlock(m);
}

static void *worker(void *arg)
{
	int who = (int)(long)arg, i;

	for (i = 0; i < rounds; i++) {
		if (who == 2)
			pthread_barrier_wait(&turn);    /* thread 1 went first */
		if (strcmp(mode, "readonly") == 0)
			sink = counter[0];
		else
			bump(who);
		if (who == 1)
			pthread_barrier_wait(&turn);
		pthread_barrier_wait(&turn);            /* end of the round */
	}
	return NULL;
}

static void *handoff_worker(void *arg)
{
	(void)arg;
	counter[0] += 10;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t1, t2;

	if (argc < 2) {
		fprintf(stderr, "usage: race_counter nolock|lock|twolocks|handoff|single|readonly [ROUNDS]\n");
		return 2;
	}
	mode = argv[1];
	if (argc > 2)
		rounds = atoi(argv[2]);
	if (strcmp(mode, "single") == 0) {
		counter[0] = 41;
		counter[0]++;
		printf("race_counter: %ld\n", counter[0]);
		return 0;
	}
	if (strcmp(mode, "handoff") == 0) {
		counter[0] = 1;
		pthread_create(&t1, NULL, handoff_worker, NULL);
		pthread_join(t1, NULL);
		printf("race_counter: %ld\n", counter[0]);
		return 0;
	}
	if (strcmp(mode, "readonly") == 0)
		counter[0] = 7;
	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, worker, (void *)1L);
	pthread_create(&t2, NULL, worker, (void *)2L);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_barrier_destroy(&turn);
	printf("race_counter: %ld\n", counter[0]);
	return 0;
}
