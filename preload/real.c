/*
 * real.c - pointers to the functions the shim interposes, resolved with
 * dlsym(RTLD_NEXT).  The condition-variable functions are versioned in
 * glibc: programs built since glibc 2.3.2 bind pthread_cond_wait@@GLIBC_2.3.2
 * (the new condvar); RTLD_NEXT without a version could hand us the
 * 2.2.5 compatibility symbol, which uses a different object layout.  So those
 * two are looked up with dlvsym and the exact version.
 *
 * real_resolve() is idempotent and may run concurrently in several threads
 * (each stores the same values).  It is called by shim_init() first thing and
 * by REAL() on the pass-through path before init.
 */
#include <dlfcn.h>
#include <pthread.h>

#include "shim.h"

#define LH_REAL_DEF(ret, name, args) ret (*real_##name) args; /* NOLINT(bugprone-macro-parentheses) */
LH_REAL_LIST(LH_REAL_DEF)
#undef LH_REAL_DEF
int (*real_pthread_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
int (*real_pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
int (*real_pthread_cond_signal)(pthread_cond_t *);
int (*real_pthread_cond_broadcast)(pthread_cond_t *);

void real_resolve(void)
{
	int saved = lh_in_shim;

	lh_in_shim = 1;
#define LH_REAL_SET(ret, name, args) \
	if (!real_##name) \
		*(void **)&real_##name = dlsym(RTLD_NEXT, #name);
	LH_REAL_LIST(LH_REAL_SET)
#undef LH_REAL_SET
	if (!real_pthread_cond_wait)
		*(void **)&real_pthread_cond_wait = dlvsym(RTLD_NEXT, "pthread_cond_wait", "GLIBC_2.3.2");
	if (!real_pthread_cond_timedwait)
		*(void **)&real_pthread_cond_timedwait =
			dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
	if (!real_pthread_cond_signal)
		*(void **)&real_pthread_cond_signal = dlvsym(RTLD_NEXT, "pthread_cond_signal", "GLIBC_2.3.2");
	if (!real_pthread_cond_broadcast)
		*(void **)&real_pthread_cond_broadcast =
			dlvsym(RTLD_NEXT, "pthread_cond_broadcast", "GLIBC_2.3.2");
	if (!real_pthread_cond_signal)
		*(void **)&real_pthread_cond_signal = dlsym(RTLD_NEXT, "pthread_cond_signal");
	if (!real_pthread_cond_broadcast)
		*(void **)&real_pthread_cond_broadcast = dlsym(RTLD_NEXT, "pthread_cond_broadcast");
	if (!real_pthread_cond_wait)
		*(void **)&real_pthread_cond_wait = dlsym(RTLD_NEXT, "pthread_cond_wait");
	if (!real_pthread_cond_timedwait)
		*(void **)&real_pthread_cond_timedwait = dlsym(RTLD_NEXT, "pthread_cond_timedwait");
	lh_in_shim = saved;
}
