/*
 * dlopen_locks.c - AB-BA on mutexes that live in a dlopen()ed library.
 *
 * Usage: dlopen_locks [LIBRARY]   (default: libdllocks.so next to this
 * program).  Two concurrent threads call dl_take_ab and, after a barrier,
 * dl_take_ba: expected `potential-deadlock` with lock names dl_lock_a and
 * dl_lock_b (the library's global symbols).  The library stays loaded.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef void (*take_fn)(void);
static take_fn take_ab, take_ba;
static pthread_barrier_t turn;

static void *worker_ab(void *arg)
{
	(void)arg;
	take_ab();
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *worker_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	take_ba();
	return NULL;
}

/* LIBRARY defaults to libdllocks.so in the directory of /proc/self/exe. */
static int library_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	n = snprintf(slash, len - (size_t)(slash - buf), "/libdllocks.so");
	return n > 0 && (size_t)n < len - (size_t)(slash - buf) ? 0 : -1;
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	pthread_t t1, t2;
	void *lib;

	if (argc > 1)
		snprintf(path, sizeof(path), "%s", argv[1]);
	else if (library_path(path, sizeof(path)) != 0)
		return 2;
	lib = dlopen(path, RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "dlopen_locks: %s\n", dlerror());
		return 2;
	}
	*(void **)&take_ab = dlsym(lib, "dl_take_ab");
	*(void **)&take_ba = dlsym(lib, "dl_take_ba");
	if (!take_ab || !take_ba)
		return 2;
	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, worker_ab, NULL);
	pthread_create(&t2, NULL, worker_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	puts("dlopen_locks: done");
	return 0;
}
