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

/* ---- internals of the sensor (guard_table.c, guard_sensor.c, guard_epoch.c,
 * api_guard.c).  Regions are never freed (a fault handler may hold one);
 * removed ones stay allocated in the arena. */
struct lh_region {
	uint64_t id;              /* REGION id, from 1                          */
	uintptr_t addr;           /* the object                                 */
	size_t len;
	uintptr_t pg_lo, pg_hi;   /* watched pages [pg_lo, pg_hi)               */
	uint64_t lock_id;         /* declared lock's id, 0 if none              */
	uintptr_t lock_addr;      /* declared lock's address, 0 if none         */
	uint64_t alloc_stack;
	uint32_t flags;           /* LH_REGION_* source bits (+ SHARED_PAGE)     */
	uint32_t tid, seg;        /* who guarded it                             */
	int pkey;                 /* pku backend: its key, else -1              */
	const char *name;         /* arena copy or NULL                         */
	_Atomic uint32_t traps;   /* faults taken on it                         */
	_Atomic int armed;        /* 1 watched; 0 disarmed or removed           */
	_Atomic int open;         /* threads that opened its pages (steps, I/O) */
	_Atomic int ended;        /* REGION END record written                  */
	_Atomic int disarm_why;   /* set in the handler: GUARD_WHY_*            */
	/* online lockset state (pku steady state, guard_sensor.c): fed by the
	 * observations at epoch ends, read at lock operations; ol_lock guards */
	lh_spin ol_lock;
	uint32_t ol_state;        /* GUARD_OL_*                                  */
	uint32_t ol_owner;        /* Exclusive: the owner's tid                  */
	uint32_t ol_nc;           /* candidate locks in ol_c                     */
	uint64_t ol_c[4];         /* the candidate set C (lock ids)              */
};
enum { GUARD_OL_VIRGIN = 0, GUARD_OL_EXCL, GUARD_OL_SHARED, GUARD_OL_SM, GUARD_OL_NEVER };
enum { GUARD_WHY_NONE = 0, GUARD_WHY_BUDGET = 1, GUARD_WHY_LOCK = 2 };

/* table (guard_table.c); lookups are async-signal-safe and lock-free */
struct lh_region *guard_find(uintptr_t addr);       /* armed region watching addr's page */
struct lh_region *guard_find_any(uintptr_t addr);   /* same, armed or not           */
/* fn on every region of the table (lock-free read), until it returns
 * non-zero (that value is returned); -E2BIG without a call when there are
 * more than max regions. */
int guard_each(int (*fn)(struct lh_region *r, void *arg), void *arg, uint32_t max);
/* Before a call that may hand obj to futex(2) (barriers, semaphores,
 * condition variables): a guarded page there is disarmed first.  Cheap
 * when nothing is guarded; does nothing inside the shim. */
void guard_sync_check(const void *obj);
void guard_disarm_page_async(uintptr_t addr);     /* a lock lives there: disarm its page */
int guard_page_armed(uintptr_t page);               /* some armed region covers it  */
/* Handler side: stop watching r now (pages back to read/write unless another
 * armed region needs them); the REGION record and the stderr line follow at
 * the next guard_disarm_flush().  Async-signal-safe. */
void guard_disarm_async(struct lh_region *r, int why);
void guard_disarm_flush(struct lh_thread *t);       /* records for async disarms */
extern _Atomic int lh_guard_disarm_todo;
/* A lock object at obj is being used: disarm a region that contains it. */
void guard_lock_check(struct lh_thread *t, const void *obj);
void guard_fork_child(struct lh_thread *t);          /* REGION records again */
/* guard_add flag (not recorded): the rest of the pages is unused (a
 * guarded allocation), so LH_REGION_SHARED_PAGE is not added */
#define GUARD_OWN_PAGES (1u << 15)

/* sensor (guard_sensor.c) */
int sensor_init(void);                   /* probe the backend; idempotent  */
int sensor_arm(struct lh_region *r);     /* protect its pages; 0 or -errno */
void sensor_disarm(struct lh_region *r); /* pages back to read/write       */
void sensor_protect_range(uintptr_t lo, uintptr_t hi); /* PROT_NONE / key, async-safe */
void sensor_epoch_close(struct lh_thread *t); /* pku: deny the keys again   */
/* pku: the thread's held set just changed: open the keys whose regions its
 * accesses cannot change (no traps in a correctly locked steady state) */
void sensor_epoch_open(struct lh_thread *t);
/* pku: an observation of the region at addr by t with its current held set */
void sensor_online_observe(struct lh_thread *t, uintptr_t addr, int write);
extern _Atomic int lh_guard_ol_open;     /* some region could be left open */
extern int lh_guard_pku;                 /* 1: pku backend, 0: mprotect    */
/* Around a system call that hands [addr, addr + len) to the kernel: open
 * the guarded pages in it (and observe the access: to_mem = the kernel
 * writes the memory), then close them again. */
void guard_io_open(uintptr_t addr, size_t len, int to_mem);
void guard_io_close(uintptr_t addr, size_t len);

/* epochs (guard_epoch.c) */
/* Record an observation of r at addr by the calling thread (handler side,
 * async-signal-safe).  uc: the signal context for the stack, or NULL to
 * capture here (not in a handler). */
void guard_observe(struct lh_region *r, uintptr_t addr, int write, int kernel, void *uc);
/* The thread's lock epoch ends (before its lockset changes): its
 * observations become ACCESS records with its held set. */
void guard_epoch_end(struct lh_thread *t);
int guard_ring_alloc(struct lh_thread *t);           /* not in a handler */
void guard_rings_for_all(void);                      /* every registered thread */
void guard_thread_start(struct lh_thread *t);
extern _Atomic uint64_t lh_guard_dropped;            /* observations lost */

#endif
