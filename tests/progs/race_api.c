/*
 * race_api.c - guarded memory declared through lockhound.h.
 *
 *   race_api declared   `balance` guarded with its lock (LH_GUARD_VAR); main
 *                       writes it once without the lock      -> race at once
 *   race_api declared_ok the same write holding the lock     -> no finding
 *   race_api read       read(2) from a pipe into a buffer from
 *                       lh_guarded_alloc: the data arrives, no EFAULT
 *   race_api segv       the program's own SIGSEGV handler still runs for
 *                       its own fault (a write to its own PROT_NONE page)
 *                       while guarded memory is being watched
 */
#include <errno.h>
#include <lockhound/lockhound.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long balance LH_GUARDED_GLOBAL;
static pthread_mutex_t balance_lock = PTHREAD_MUTEX_INITIALIZER;
static sigjmp_buf back;
static volatile sig_atomic_t handled;

static void on_segv(int sig)
{
	(void)sig;
	handled = 1;
	siglongjmp(back, 1);
}

static int do_read(void)
{
	char *buf = lh_guarded_alloc(64, NULL, "inbox");
	int fds[2];
	ssize_t n;

	if (!buf || pipe(fds) != 0)
		return 1;
	if (write(fds[1], "hello, guarded", 15) != 15)
		return 1;
	n = read(fds[0], buf, 64);
	if (n != 15) {
		fprintf(stderr, "race_api: read returned %zd (%s)\n", n, strerror(errno));
		return 1;
	}
	printf("race_api: read '%s'\n", buf);
	lh_guarded_free(buf);
	return 0;
}

static int do_segv(void)
{
	struct sigaction sa;
	volatile char *mine = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mine == MAP_FAILED)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) != 0)
		return 1;
	LH_GUARD_VAR(balance, &balance_lock);
	pthread_mutex_lock(&balance_lock);
	balance = 5;                    /* guarded, under its lock: observed */
	pthread_mutex_unlock(&balance_lock);
	if (sigsetjmp(back, 1) == 0)
		mine[0] = 1;            /* the program's own fault */
	printf("race_api: handler %s, balance %ld\n", handled ? "ran" : "did not run", balance);
	return handled ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "declared") == 0 || strcmp(mode, "declared_ok") == 0) {
		int locked = strcmp(mode, "declared_ok") == 0;

		LH_GUARD_VAR(balance, &balance_lock);
		if (locked)
			pthread_mutex_lock(&balance_lock);
		balance += 100;
		if (locked)
			pthread_mutex_unlock(&balance_lock);
		printf("race_api: balance %ld\n", balance);
		return 0;
	}
	if (strcmp(mode, "read") == 0)
		return do_read();
	if (strcmp(mode, "segv") == 0)
		return do_segv();
	fprintf(stderr, "usage: race_api declared|declared_ok|read|segv\n");
	return 2;
}
