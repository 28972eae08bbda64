/*
 * watchdog.c - deadlocks without an owner to follow (condition variables,
 * joins, a mix): an internal thread, created with the real pthread_create
 * and invisible to the analysis, reports LH_DL_WATCHDOG when every live
 * program thread has been blocked (untimed lock, untimed condvar wait, join)
 * for at least deadlock_timeout_ms.  A thread running anything else --
 * computing, sleeping, in a timed wait, in I/O -- is not blocked, so the
 * watchdog stays quiet as long as one thread can still make progress.
 * One report per episode: it re-arms once some thread has run again.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "shim.h"

static pthread_t wd_thread;
static int wd_running;

/* 1 if every live thread has been blocked for at least ms; *n live threads */
static int wd_all_blocked(uint64_t now, uint64_t ms, uint32_t *n, uint32_t *parts)
{
	struct lh_thread *t;
	int k;

	*n = 0;
	*parts = 0;
	for (t = thread_first(); t; t = t->next) {
		if (atomic_load(&t->exited) || t->os_tid == 0)
			continue;
		(*n)++;
		k = atomic_load(&t->wait_kind);
		if (k == LH_WAIT_NONE || k == LH_WAIT_TIMED)
			return 0;
		if (now - atomic_load(&t->wait_since_ns) < ms * 1000000ull)
			return 0;
		*parts += 1 + t->nheld;
	}
	return *n > 0;
}

static void wd_report(uint32_t cap)
{
	lh_finding_part *parts = arena_alloc((size_t)cap * sizeof(*parts));
	static const char *what[] = { "running", "a lock", "a condition variable", "a thread to exit", "timed" };
	struct lh_thread *t;
	struct lh_lock *lk;
	uint32_t np = 0, i;
	char a[24], ms[24], name[160];
	int k;

	lh_say("deadlock (watchdog): every thread has been blocked for more than ",
			fmt_u64(ms, (uint64_t)lh_opt.deadlock_timeout_ms), " ms:", LH_END);
	for (t = thread_first(); t; t = t->next) {
		if (atomic_load(&t->exited) || t->os_tid == 0)
			continue;
		k = atomic_load(&t->wait_kind);
		lk = atomic_load(&t->waiting_for);
		name[0] = 0;
		if (lk)
			lock_label(lk, name, sizeof(name));
		lh_say("  thread T", fmt_u64(a, t->tid), " waits for ", what[k], lk ? " " : "", name, LH_END);
		if (!parts || np >= cap)
			continue;
		parts[np].tid = t->tid;
		parts[np].role = LH_ROLE_WAITS;
		parts[np].lock = lk ? atomic_load(&lk->id) : 0;
		parts[np].stack = t->wait_stack;
		parts[np].level = lk ? atomic_load(&lk->level) : LH_NO_LEVEL;
		parts[np].mode = t->wait_mode;
		np++;
		for (i = 0; i < t->nheld && np < cap; i++, np++) {
			parts[np].tid = t->tid;
			parts[np].role = LH_ROLE_HOLDS;
			parts[np].lock = t->held[i].id;
			parts[np].stack = t->held[i].stack;
			parts[np].level = t->held[i].level;
			parts[np].mode = t->held[i].mode;
		}
	}
	if (parts) {
		finding_write(NULL, LH_FIND_DEADLOCK, LH_DL_WATCHDOG, 0, 0, parts, np,
				"every thread blocked longer than deadlock_timeout_ms");
		arena_free(parts, (size_t)cap * sizeof(*parts));
	}
	if (lh_opt.halt_on_deadlock)
		finding_halt();
	shim_flush_everything(0);
}

static void *wd_main(void *arg)
{
	uint64_t ms = (uint64_t)lh_opt.deadlock_timeout_ms;
	uint64_t period = ms / 4 ? ms / 4 : 1;
	struct timespec ts;
	uint32_t n, cap;
	int reported = 0;

	(void)arg;
	lh_in_shim = 1;     /* everything this thread calls passes straight through */
	if (period > 200)
		period = 200;
	ts.tv_sec = (time_t)(period / 1000);
	ts.tv_nsec = (long)(period % 1000) * 1000000L;
	for (;;) {
		nanosleep(&ts, NULL);
		if (atomic_load(&lh_state) != LH_READY)
			continue;
		if (!wd_all_blocked(now_ns(), ms, &n, &cap)) {
			reported = 0;
			continue;
		}
		if (!reported) {
			reported = 1;
			wd_report(cap + 1);
		}
	}
	return NULL;
}

void watchdog_start(void)
{
	pthread_attr_t attr;
	sigset_t all, old;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 << 10);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);   /* signals go to program threads */
	if (REAL(pthread_create)(&wd_thread, &attr, wd_main, NULL) == 0)
		wd_running = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
}

void watchdog_fork_child(void)
{
	if (wd_running)
		watchdog_start();
}
