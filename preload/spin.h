/*
 * spin.h - the shim's own lock: a three-state futex word (0 free, 1 locked,
 * 2 locked with waiters), after Drepper's "Futexes are tricky".  Used for the
 * shim's rare global paths (arena, lock-table inserts, stack depot, thread
 * registry).  It never goes through an intercepted function, so the shim
 * cannot recurse into itself or deadlock with the program's locks.
 *
 * Lock nesting inside the shim (outer to inner):
 *   registry_lock -> buffer busy flags -> table shard lock -> depot shard lock -> arena lock
 * No shim lock is ever held while calling a real lock function of the program.
 */
#ifndef LH_SPIN_H
#define LH_SPIN_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct lh_spin {
	_Atomic int v;
} lh_spin;

#if defined(__x86_64__) || defined(__i386__)
#define spin_relax() __builtin_ia32_pause()
#else
#define spin_relax() __asm__ __volatile__("" ::: "memory")
#endif

static inline void spin_futex(_Atomic int *w, int op, int val)
{
	syscall(SYS_futex, (int *)w, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static inline int spin_trylock(lh_spin *s)
{
	int c = 0;

	return atomic_compare_exchange_strong_explicit(&s->v, &c, 1,
			memory_order_acquire, memory_order_relaxed);
}

static inline void spin_lock(lh_spin *s)
{
	int i;

	if (spin_trylock(s))
		return;
	for (i = 0; i < 64; i++) {
		spin_relax();
		if (atomic_load_explicit(&s->v, memory_order_relaxed) == 0 && spin_trylock(s))
			return;
	}
	while (atomic_exchange_explicit(&s->v, 2, memory_order_acquire) != 0)
		spin_futex(&s->v, FUTEX_WAIT, 2);
}

static inline void spin_unlock(lh_spin *s)
{
	if (atomic_exchange_explicit(&s->v, 0, memory_order_release) == 2)
		spin_futex(&s->v, FUTEX_WAKE, 1);
}

/* After fork() in the child: only the forking thread survives, so any shim
 * lock some other thread held is simply reset. */
static inline void spin_reset(lh_spin *s)
{
	atomic_store_explicit(&s->v, 0, memory_order_relaxed);
}

#endif
