/*
 * pku_cases.c - scenarios aimed at the pku backend's own paths (built by
 * tests/pku/run.sh, run in the guest with and without pku=0; the expected
 * result is the same for both backends).
 *
 *   pku_cases neighbour   a guarded counter shares its page with `hits`.
 *                         T2 increments counter under m; then T1 increments
 *                         hits under m (a fault on a neighbour: not an
 *                         observation, but with pku it opens the key) and,
 *                         after unlocking, counter WITHOUT m.  Race expected:
 *                         the key opened for the neighbour must be closed at
 *                         T1's next lock operation.  Order forced by a flag
 *                         (not create/join, which would order the accesses).
 *   pku_cases sighandler  T1 holds m, increments the counter and raises
 *                         SIGUSR1, whose handler increments it too (signal
 *                         handlers start with every key denied); main does
 *                         the same under m.  No race; counter 3.
 *   pku_cases keys N [planted]
 *                         N guarded objects (more than the 15 keys when
 *                         N > 15), each with its own declared lock; two
 *                         threads update each under its lock; with
 *                         `planted`, T2 updates object N-3 once without it.
 *                         No race / a race.
 * Prints "pku_cases: MODE ..." with the final values.
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct page {
	long counter;
	long hits;
};

static struct page *pg;
static pthread_mutex_t *m;
static _Atomic int t2_done;

/* Bounded wait for a flag (10 s): a test never hangs. */
static int wait_flag(_Atomic int *f)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000 && !atomic_load(f); i++)
		nanosleep(&ts, NULL);
	return atomic_load(f) ? 0 : -1;
}

static void *nb_t1(void *arg)
{
	(void)arg;
	if (wait_flag(&t2_done) != 0)
		return (void *)1;
	pthread_mutex_lock(m);
	pg->hits++;
	pthread_mutex_unlock(m);
	pg->counter++;          /* the unlocked write */
	return NULL;
}

static void *nb_t2(void *arg)
{
	(void)arg;
	pthread_mutex_lock(m);
	pg->counter++;
	pthread_mutex_unlock(m);
	atomic_store(&t2_done, 1);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
	pg->counter++;
}

static void *sig_t1(void *arg)
{
	(void)arg;
	pthread_mutex_lock(m);
	pg->counter++;
	raise(SIGUSR1);
	pthread_mutex_unlock(m);
	return NULL;
}

static int nkeys, planted;
static long **objs;
static pthread_mutex_t *locks;

static void *keys_worker(void *arg)
{
	long who = (long)arg;
	int r, i;

	for (r = 0; r < 3; r++) {
		for (i = 0; i < nkeys; i++) {
			pthread_mutex_lock(&locks[i]);
			(*objs[i])++;
			pthread_mutex_unlock(&locks[i]);
		}
		if (planted && who == 2 && r == 1)
			(*objs[nkeys - 3])++;
	}
	return NULL;
}

static int run_keys(int n)
{
	pthread_t a, b;
	long total = 0;
	int i;
	char name[32];

	nkeys = n;
	objs = calloc((size_t)n, sizeof(*objs));
	locks = calloc((size_t)n, sizeof(*locks));
	if (!objs || !locks || n < 3)
		return 1;
	for (i = 0; i < n; i++) {
		pthread_mutex_init(&locks[i], NULL);
		snprintf(name, sizeof(name), "obj%d", i);
		objs[i] = lh_guarded_alloc(sizeof(long), &locks[i], name);
		if (!objs[i])
			return 1;
	}
	pthread_create(&a, NULL, keys_worker, (void *)1L);
	pthread_create(&b, NULL, keys_worker, (void *)2L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&locks[i]);
		total += *objs[i];
		pthread_mutex_unlock(&locks[i]);
	}
	printf("pku_cases: keys %d total %ld\n", n, total);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	pthread_t a, b;
	void *ra = NULL;

	if (strcmp(mode, "keys") == 0) {
		planted = argc > 3 && strcmp(argv[3], "planted") == 0;
		return run_keys(argc > 2 ? atoi(argv[2]) : 20) == 0 ? 0 : 1;
	}
	m = malloc(sizeof(*m));
	if (!m || posix_memalign((void **)&pg, 4096, 4096) != 0)
		return 1;
	memset(pg, 0, 4096);
	pthread_mutex_init(m, NULL);
	if (lh_guard(&pg->counter, sizeof(pg->counter), NULL, "counter") != 0)
		return 1;
	if (strcmp(mode, "neighbour") == 0) {
		pthread_create(&a, NULL, nb_t1, NULL);
		pthread_create(&b, NULL, nb_t2, NULL);
		pthread_join(a, &ra);
		pthread_join(b, NULL);
		if (ra)
			return 1;
	} else if (strcmp(mode, "sighandler") == 0) {
		signal(SIGUSR1, on_usr1);
		pthread_create(&a, NULL, sig_t1, NULL);
		pthread_join(a, NULL);
		pthread_mutex_lock(m);
		pg->counter++;
		pthread_mutex_unlock(m);
	} else {
		fprintf(stderr, "usage: pku_cases neighbour|sighandler|keys N [planted]\n");
		return 2;
	}
	printf("pku_cases: %s counter %ld hits %ld\n", mode, pg->counter, pg->hits);
	return 0;
}
