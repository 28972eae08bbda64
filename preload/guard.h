/*
 * guard.h - guarded memory inside the shim (race detection).
 *
 * A region is memory the shim watches: every thread's first read and first
 * write of it in each lock epoch (between two of its lock operations) is
 * observed by a fault and written as an ACCESS record with the thread's
 * lockset; the analyzer (analyzer/pass_races.c) runs the lockset algorithm on
 * them.  Regions come from the API (api_guard.c), guard=SYMBOL (guard_sym.c)
 * and heap_sample=N (heap_sample.c); they all go through guard_add().
 *
 * The sensor (guard_sensor.c) is per-thread memory protection keys when the
 * CPU has them (pku), else mprotect + single-stepping the faulting
 * instruction, which can miss accesses by other threads during the step.
 */
#ifndef LH_GUARD_H
#define LH_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "shim.h"

/* Set once any region was armed: interceptors that hand user memory to the
 * kernel and the lock path check it before doing anything else. */
extern _Atomic int lh_guard_on;

/* At shim start, after options_parse: set up the sensor when guard= or
 * heap_sample= asks for it (also done lazily by the first guard_add). */
int guard_init(void);

/*
 * Watch [addr, addr + len): pages are rounded outwards (flags
 * LH_REGION_SHARED_PAGE is added when the region does not fill them).
 * `lock_obj`: declared protecting lock or NULL.  `name` copied (may be NULL).
 * `alloc_stack`: stack id of the allocation/guard site (0: capture here).
 * flags: LH_REGION_API | LH_REGION_SYMBOL | LH_REGION_HEAP.
 * Writes the REGION record.  Returns the region id (> 0) or a negative errno.
 * Not async-signal-safe; called from interceptors and API functions.
 */
int64_t guard_add(struct lh_thread *t, uintptr_t addr, size_t len, const void *lock_obj,
		const char *name, uint64_t alloc_stack, uint32_t flags);

/* Stop watching the region that starts at addr (pages made accessible
 * again, REGION record with LH_REGION_END).  0 or -ENOENT. */
int guard_remove(struct lh_thread *t, uintptr_t addr);

/* 1 when [addr, addr + len) touches a guarded page.  Async-signal-safe,
 * lock-free; cheap when nothing is guarded (one load of lh_guard_on). */
int guard_touches(uintptr_t addr, size_t len);

#endif
