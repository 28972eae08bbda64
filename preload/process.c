/*
 * process.c - the shim's life in the process: start, exit, fork, exec,
 * dlopen/dlclose, fatal signals.
 *
 * Start.  The constructor calls shim_init(); an interceptor that runs earlier
 * (another library's constructor) calls it too, and whoever wins the
 * 0 -> 1 transition of lh_state does the work while the others pass
 * straight through to the real functions until the state is READY.  The
 * trace header, PROCESS, MODULE and the main THREAD record are flushed at
 * once, so even a process killed right away leaves a readable file.
 *
 * Fork.  The fork triple (liburcu's habit): before fork, flush our buffer and
 * take every shim lock (arena, tables, depot) so no lock is copied held; in
 * the parent release them; in the child reset them, forget the other
 * threads, open a new trace file (LH_FILE_FORKED, PROCESS.fork_lock_id) and
 * start again with the surviving thread as thread 1.  lh_in_shim is set
 * around the real fork so atfork handlers of the program pass through.
 *
 * Exec.  Everything is flushed (and STATS written) before the real exec; the
 * new image loads the shim again through the inherited LD_PRELOAD and, having
 * the same pid, names its file lockhound.<pid>.<n>.trace.
 *
 * Fatal signals.  A handler is installed only where the disposition is the
 * default, so the program's own handlers are untouched (and a handler the
 * program installs later simply replaces ours).  It flushes, restores the
 * default and re-raises, so the exit status is what it would have been.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "guard.h"
#include "shim.h"

_Atomic int lh_state;
/*
 * STM integration.  The STM library (stm/tx.c) registers its "is this
 * thread inside a transaction attempt?" function from a constructor through
 * a weak reference to lh_shim_stm_register(), which works whether it is
 * linked shared or static.  That constructor may run before shim_init(), so
 * registering only stores a pointer (no shim state needed).  Older STM
 * builds are still found by name (dlsym; shared library only).  Once set,
 * lh_stm_hook sends lock acquisitions to the slow path (fastpath.h) and
 * makes the I/O wrappers (intercept_io.c) ask it.
 */
int (*lh_stm_hook)(void);

int lh_in_tx(void)
{
	return lh_stm_hook && lh_stm_hook();
}

LH_EXPORT void lh_shim_stm_register(int (*in_attempt)(void))
{
	__atomic_store_n(&lh_stm_hook, in_attempt, __ATOMIC_RELEASE);
}

static void stm_resolve(void)
{
	void *f;

	if (__atomic_load_n(&lh_stm_hook, __ATOMIC_ACQUIRE))
		return;              /* registered already: keep it */
	f = dlsym(RTLD_DEFAULT, "lh_stm_in_attempt");
	if (f)
		*(void **)&lh_stm_hook = f;
}

void shim_flush_everything(int stats)
{
	int saved = lh_in_shim;

	lh_in_shim = 1;
	tw_modules_maybe_rescan(lh_self);
	if (atomic_load(&lh_guard_on) && lh_self && !atomic_load(&lh_self->exited))
		guard_epoch_end(lh_self);   /* the calling thread's observations */
	if (stats && atomic_load(&lh_guard_dropped)) {
		char n[24];

		lh_say(fmt_u64(n, atomic_exchange(&lh_guard_dropped, 0)),
				" observations of guarded memory were lost (more than 256 in one lock epoch,"
				" or a thread without a ring): races on them can be missed", LH_END);
	}
	if (stats)
		tw_stats(lh_self);
	tw_flush_all(0);
	lh_in_shim = saved;
}

void shim_init(void)
{
	int z = 0;
	const char *env;
	struct lh_thread *t;

	if (!atomic_compare_exchange_strong(&lh_state, &z, 1))
		return;
	lh_in_shim = 1;
	real_resolve();
	env = getenv("LOCKHOUND_OPTIONS");
	options_parse(env);
	if (lh_opt.log_path && *lh_opt.log_path) {
		int fd = open(lh_opt.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0)
			lh_log_fd = fd;
		else
			lh_say("cannot open log_path ", lh_opt.log_path, ": ", strerror(errno), LH_END);
	}
	if (lh_opt.verbose) {
		char pid[24];

		lh_say("shim ", LH_VERSION, " active in pid ", fmt_u64(pid, (uint64_t)getpid()), LH_END);
		options_print();
	}
	if (table_init()) {
		atomic_store(&lh_state, 3);
		lh_in_shim = 0;
		return;
	}
	stack_init_self_range();
	t = thread_new(0, 0);
	if (!t) {
		atomic_store(&lh_state, 3);
		lh_in_shim = 0;
		return;
	}
	thread_register(t);
	lh_self = t;
	tw_open(0, (uint64_t)getppid());
	tw_process_and_modules(0);
	thread_start(t);
	if (lh_opt.levels && *lh_opt.levels)
		levels_load(lh_opt.levels);
	stm_resolve();
	signals_install();
	guard_init();
	guard_sym_init(t);
	heap_sample_init();
	tw_flush(&t->buf);
	atomic_store(&lh_state, LH_READY);
	if (lh_opt.deadlock_timeout_ms > 0)
		watchdog_start();
	lh_in_shim = 0;
}

__attribute__((constructor)) static void shim_ctor(void)
{
	shim_init();
}

__attribute__((destructor)) static void shim_dtor(void)
{
	if (atomic_load(&lh_state) != LH_READY)
		return;
	shim_flush_everything(1);
	atomic_store(&lh_state, 3);
}

/* ---- fatal signals ---------------------------------------------------------- */

static const int fatal_sigs[] = {
	SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGTERM, SIGINT,
	SIGQUIT, SIGHUP, SIGPIPE, SIGXCPU, SIGXFSZ, SIGALRM, SIGUSR1, SIGUSR2,
};

static void fatal_handler(int sig)
{
	struct sigaction sa;
	int saved_errno = errno;

	lh_in_shim = 1;
	tw_flush_all(1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	errno = saved_errno;
	raise(sig);   /* blocked until we return, then the default action */
}

void signals_install(void)
{
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++) {
		if (sigaction(fatal_sigs[i], NULL, &old) != 0)
			continue;
		if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
			sigaction(fatal_sigs[i], &sa, NULL);
	}
}

/* ---- fork --------------------------------------------------------------------- */

LH_EXPORT pid_t fork(void)
{
	struct lh_thread *t = shim_enter();
	uint64_t fork_id;
	pid_t pid, ppid = getpid();

	if (!t)
		return REAL(fork)();
	if (atomic_load(&lh_guard_on))
		guard_epoch_end(t);   /* the child starts a new trace */
	lh_in_shim = 1;
	tw_flush(&t->buf);
	fork_id = atomic_load(&lh_next_lock_id);
	heap_sample_fork_prepare();
	depot_fork_prepare();
	table_fork_prepare();
	arena_fork_prepare();
	pid = real_fork();
	if (pid != 0) {
		arena_fork_parent();
		table_fork_parent();
		depot_fork_parent();
		heap_sample_fork_parent();
		lh_in_shim = 0;
		return pid;
	}
	arena_fork_child();
	table_fork_child();
	depot_fork_child();
	heap_sample_fork_child();
	tw_fork_child();
	finding_fork_child();
	thread_fork_child(t);
	atomic_store(&lh_ndeps, 0);
	atomic_store(&lh_nlocks_written, 0);
	atomic_store(&lh_nthreads, 0);
	atomic_store(&lh_exited_ops, 0);
	tw_open(1, (uint64_t)ppid);
	tw_process_and_modules(fork_id);
	thread_start(t);
	guard_fork_child(t);
	tw_flush(&t->buf);
	watchdog_fork_child();
	lh_in_shim = 0;
	return 0;
}

/* ---- exec ----------------------------------------------------------------------- */

static void exec_before(void)
{
	if (shim_enter())
		shim_flush_everything(1);
}

LH_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	exec_before();
	return REAL(execve)(path, argv, envp);
}

LH_EXPORT int execv(const char *path, char *const argv[])
{
	exec_before();
	return REAL(execve)(path, argv, environ);
}

LH_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	exec_before();
	return REAL(execvpe)(file, argv, envp);
}

LH_EXPORT int execvp(const char *file, char *const argv[])
{
	exec_before();
	return REAL(execvpe)(file, argv, environ);
}

LH_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	exec_before();
	return REAL(fexecve)(fd, argv, envp);
}

/* execl family: collect the variadic arguments into an array on the stack */
#define EXECL_ARGV(first, ap, argv) \
	do { \
		va_list cp; \
		size_t n_ = 1; \
		va_copy(cp, (ap)); \
		while (va_arg(cp, char *)) \
			n_++; \
		va_end(cp); \
		(argv) = __builtin_alloca((n_ + 1) * sizeof(char *)); \
		(argv)[0] = (char *)(first); \
		for (size_t i_ = 1; i_ <= n_; i_++) \
			(argv)[i_] = va_arg((ap), char *); \
	} while (0)

LH_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv;

	va_start(ap, arg);
	EXECL_ARGV(arg, ap, argv);
	va_end(ap);
	exec_before();
	return REAL(execve)(path, argv, environ);
}

LH_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	char **argv;

	va_start(ap, arg);
	EXECL_ARGV(arg, ap, argv);
	va_end(ap);
	exec_before();
	return REAL(execvpe)(file, argv, environ);
}

LH_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv, **envp = NULL;

	va_start(ap, arg);
	EXECL_ARGV(arg, ap, argv);
	envp = va_arg(ap, char **);
	va_end(ap);
	exec_before();
	return REAL(execve)(path, argv, envp);
}

/* ---- _exit ------------------------------------------------------------------------ */

LH_EXPORT void _exit(int status)
{
	if (shim_enter()) {
		shim_flush_everything(1);
		atomic_store(&lh_state, 3);
	}
	REAL(_exit)(status);
	__builtin_unreachable();
}

LH_EXPORT void _Exit(int status)
{
	_exit(status);
}

/* ---- dlopen / dlclose ----------------------------------------------------------------
 * dlopen is deliberately NOT interposed: glibc's dlopen resolves relative
 * names with the RPATH/RUNPATH of its *caller*, and a wrapper would make the
 * shim the caller, changing which library a program loads.  New modules are
 * noticed instead through dl_iterate_phdr's load counter (dlpi_adds), checked
 * before every new stack is captured (stack.c) and at exit.  dlclose is
 * interposed (no such problem) so unloads are recorded at once. */

LH_EXPORT int dlclose(void *h)
{
	struct lh_thread *t = shim_enter();
	int r = REAL(dlclose)(h);

	if (t && r == 0)
		tw_modules_rescan(t);
	if (t && !lh_stm_hook)
		stm_resolve();
	return r;
}
