/*
 * fork_exec.c - child processes must be traced too.
 *
 * Usage: fork_exec PROGRAM [ARGS...]
 *  1. fork(): the child runs AB-BA on fork_a / fork_b in two concurrent
 *     threads (taking turns through a barrier) and exits;
 *  2. fork() + execv(PROGRAM): the exec'd program is traced as well (the
 *     tests pass abba_threads, which does AB-BA on lock_a / lock_b).
 * The parent waits for both and exits 0 only if both children exited 0.
 * Expected: one `potential-deadlock` over fork_a/fork_b and one over
 * lock_a/lock_b, and one trace file per process in the trace directory.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

pthread_mutex_t fork_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t fork_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn;

static void *worker_ab(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&fork_a);
	pthread_mutex_lock(&fork_b);
	pthread_mutex_unlock(&fork_b);
	pthread_mutex_unlock(&fork_a);
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *worker_ba(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_mutex_lock(&fork_b);
	pthread_mutex_lock(&fork_a);
	pthread_mutex_unlock(&fork_a);
	pthread_mutex_unlock(&fork_b);
	return NULL;
}

static int child_abba(void)
{
	pthread_t t1, t2;

	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&t1, NULL, worker_ab, NULL);
	pthread_create(&t2, NULL, worker_ba, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return 0;
}

static int wait_ok(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	pid_t forked, execed;
	int ok;

	if (argc < 2) {
		fprintf(stderr, "usage: fork_exec PROGRAM [ARGS...]\n");
		return 2;
	}
	fflush(stdout);
	forked = fork();
	if (forked == 0)
		_exit(child_abba());
	ok = wait_ok(forked);
	execed = fork();
	if (execed == 0) {
		execv(argv[1], argv + 1);
		perror("fork_exec: execv");
		_exit(127);
	}
	ok = wait_ok(execed) && ok;
	printf("fork_exec: children %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
