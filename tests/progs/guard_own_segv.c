/*
 * guard_own_segv.c - the program's own SIGSEGV handler still runs for its
 * own faults while memory is guarded: it installs a handler (before or
 * after the first guard: argv[1] "before" / "after" / "signal"), writes
 * through NULL, and the handler siglongjmps back.  The handler also reads
 * the guarded object.  Prints "guard_own_segv: handler ran N" (N = 2) and
 * "guard_own_segv: value V".
 */
#include <lockhound/lockhound.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf env;
static volatile int ran;
static long *obj;
static volatile long seen;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_addr == NULL)
		ran++;
	seen = *obj;
	siglongjmp(env, 1);
}

static void on_segv_plain(int sig)
{
	(void)sig;
	ran++;
	seen = *obj;
	siglongjmp(env, 1);
}

static void install(const char *how)
{
	struct sigaction sa;

	if (strcmp(how, "signal") == 0) {
		signal(SIGSEGV, on_segv_plain);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "before";
	int i;

	if (strcmp(how, "after") != 0)
		install(how);
	obj = lh_guarded_alloc(sizeof(*obj), NULL, "obj");
	if (!obj)
		return 1;
	*obj = 42;
	if (strcmp(how, "after") == 0)
		install(how);
	for (i = 0; i < 2; i++)
		if (sigsetjmp(env, 1) == 0)
			*(volatile int *)NULL = 1;
	printf("guard_own_segv: handler ran %d\n", ran);
	printf("guard_own_segv: value %ld\n", seen);
	return ran == 2 ? 0 : 1;
}
