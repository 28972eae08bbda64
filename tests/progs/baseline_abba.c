/*
 * baseline_abba.c - a known AB-BA, and with "new" a second, new one.
 *
 * Two concurrent threads take turns (barrier): lock_a -> lock_b, then
 * lock_b -> lock_a.  With the argument "new" a second pair of threads does
 * the same with lock_c and lock_d at other sites.  The AB-BA sites are the
 * same code in both modes, so its finding id is the same in both runs.
 * Expected: `potential-deadlock` over lock_a/lock_b; with "new" a second
 * `potential-deadlock` over lock_c/lock_d.
 * Usage: baseline_abba [old|new]
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn_ab, turn_cd;

static void *take_ab(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
	pthread_barrier_wait(&turn_ab);
	return NULL;
}

static void *take_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn_ab);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
	return NULL;
}

static void *take_cd(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock_c);
	pthread_mutex_lock(&lock_d);
	pthread_mutex_unlock(&lock_d);
	pthread_mutex_unlock(&lock_c);
	pthread_barrier_wait(&turn_cd);
	return NULL;
}

static void *take_dc(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn_cd);
	pthread_mutex_lock(&lock_d);
	pthread_mutex_lock(&lock_c);
	pthread_mutex_unlock(&lock_c);
	pthread_mutex_unlock(&lock_d);
	return NULL;
}

int main(int argc, char **argv)
{
	int with_new = argc > 1 && strcmp(argv[1], "new") == 0;
	pthread_t t1, t2, t3, t4;

	pthread_barrier_init(&turn_ab, NULL, 2);
	pthread_barrier_init(&turn_cd, NULL, 2);
	pthread_create(&t1, NULL, take_ab, NULL);
	pthread_create(&t2, NULL, take_ba, NULL);
	if (with_new) {
		pthread_create(&t3, NULL, take_cd, NULL);
		pthread_create(&t4, NULL, take_dc, NULL);
		pthread_join(t3, NULL);
		pthread_join(t4, NULL);
	}
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("baseline_abba: %s\n", with_new ? "old and new" : "old");
	return 0;
}
