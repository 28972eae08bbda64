/*
 * guard_sensor.c - how guarded memory is watched: the fault handlers, the two
 * backends, and the interposed signal functions that keep our handlers in
 * place.
 *
 * mprotect backend (any x86-64 CPU).  Guarded pages are PROT_NONE.  A fault
 * in one is observed (guard_observe), the page is opened (read-only on a
 * read fault, so a later write of the same instruction stream still traps),
 * the trap flag is set in the signal frame and the handler returns: the
 * instruction runs once, SIGTRAP follows, and the page is closed again.  A
 * per-region count of open steppers keeps one thread from closing a page
 * another is stepping through; a thread that re-faults (its page was closed
 * early) just repeats the dance.  While a page is open every thread can use
 * it unobserved: accesses can be missed (said once on stderr).
 *
 * pku backend (CPU with protection keys; option pku=1).  Guarded pages get a
 * key that is denied in every thread's PKRU.  A fault (SEGV_PKUERR) is
 * observed and the key opened in the signal frame's XSAVE image (read-only
 * first), and stays open until the thread's next lock operation, where
 * sensor_epoch_close() denies it again.  Keys: up to 15, shared by regions
 * with the same declared lock, the rest rotated.  A fault with one of our
 * keys and no armed region (disarmed on the way) is let through.  The
 * development machines have no pku: tests/pku/run.sh runs this backend
 * under QEMU's emulated CPU (-cpu max).
 *
 * Handlers.  Installed when the first region is armed (SA_SIGINFO, and
 * SA_NODEFER so that the program's own SIGSEGV handler, called from ours,
 * can itself touch guarded memory; no SA_ONSTACK: alternate stacks are
 * usually too small for the signal frame).  sigaction() and signal() are
 * interposed: a program installing a SIGSEGV (or SIGTRAP, mprotect backend)
 * handler has it recorded, and is handed back its previous one; faults that
 * are not ours go to it with the same arguments, or, when it has none, to
 * the default action after the trace is flushed.  sigprocmask() and
 * pthread_sigmask() never block those signals while the sensor is on: a
 * synchronous fault with its signal blocked kills the process.
 *
 * Everything the handlers do is async-signal-safe: lock-free table lookups,
 * atomics, mprotect, the per-thread ring; errno is saved and restored.
 */
#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "guard.h"

#define TF_BIT 0x100ull           /* EFLAGS.TF: single step               */
#define PF_WRITE 2ull             /* page fault error code: write access  */
#define STEP_MAX 4

int lh_guard_pku;
static _Atomic int sensor_ready, sensor_installed;
static lh_spin sensor_lock;
static uintptr_t pg_size = 4096;

/* ---- real signal functions ---------------------------------------------------- */
typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef int (*sigmask_fn)(int, const sigset_t *, sigset_t *);
typedef void (*sighandler_fn)(int);
typedef sighandler_fn (*signal_fn)(int, sighandler_fn);
static sigaction_fn real_sigaction_p;
static sigmask_fn real_sigprocmask_p, real_pthread_sigmask_p;
static signal_fn real_signal_p;

static void sensor_resolve(void)
{
	int saved = lh_in_shim;

	lh_in_shim = 1;
	if (!real_sigaction_p)
		*(void **)&real_sigaction_p = dlsym(RTLD_NEXT, "sigaction");
	if (!real_sigprocmask_p)
		*(void **)&real_sigprocmask_p = dlsym(RTLD_NEXT, "sigprocmask");
	if (!real_pthread_sigmask_p)
		*(void **)&real_pthread_sigmask_p = dlsym(RTLD_NEXT, "pthread_sigmask");
	if (!real_signal_p)
		*(void **)&real_signal_p = dlsym(RTLD_NEXT, "signal");
	lh_in_shim = saved;
}

/* ---- the program's handlers for the signals we own ------------------------------- */
/* Double-buffered so that a handler reading one never sees it half written. */
struct prog_act {
	struct sigaction sa[2];
	_Atomic int cur;
};
static struct prog_act prog[2];   /* [0] SIGSEGV, [1] SIGTRAP */
static lh_spin prog_lock;

static int sig_slot(int sig)
{
	if (sig == SIGSEGV)
		return 0;
	if (sig == SIGTRAP && !lh_guard_pku)
		return 1;
	return -1;
}

static void prog_get(int slot, struct sigaction *out)
{
	*out = prog[slot].sa[atomic_load(&prog[slot].cur)];
}

static void prog_set(int slot, const struct sigaction *in)
{
	int nx;

	spin_lock(&prog_lock);
	nx = 1 - atomic_load(&prog[slot].cur);
	prog[slot].sa[nx] = *in;
	atomic_store(&prog[slot].cur, nx);
	spin_unlock(&prog_lock);
}

static long sys_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	return syscall(SYS_rt_sigprocmask, how, set, old, (size_t)(_NSIG / 8));
}

/* A signal that is not ours: the program's handler, or the default action. */
static void sensor_chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction pa, dfl;
	sigset_t m, old;
	int slot = sig == SIGSEGV ? 0 : 1;

	prog_get(slot, &pa);
	if (!(pa.sa_flags & SA_SIGINFO) && (pa.sa_handler == SIG_DFL || pa.sa_handler == SIG_IGN)) {
		if (pa.sa_handler == SIG_IGN && si->si_code <= 0)
			return;                   /* an ignored kill(): ignored */
		lh_in_shim = 1;
		tw_flush_all(1);
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		real_sigaction_p(sig, &dfl, NULL);
		/* a fault repeats when we return; anything else is raised again */
		if (sig != SIGSEGV || si->si_code <= 0)
			raise(sig);
		return;
	}
	if (pa.sa_flags & SA_RESETHAND) {
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		prog_set(slot, &dfl);
	}
	m = pa.sa_mask;
	sigdelset(&m, SIGSEGV);
	sigdelset(&m, SIGTRAP);
	sys_sigmask(SIG_BLOCK, &m, &old);
	if (pa.sa_flags & SA_SIGINFO)
		pa.sa_sigaction(sig, si, uc);
	else
		pa.sa_handler(sig);
	sys_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- pku backend ----------------------------------------------------------------- */
#define PK_KEYS 15
static int pk_key[PK_KEYS];
static uint64_t pk_lock_of[PK_KEYS];   /* declared lock sharing the key, 0 none */
static int pk_n, pk_rot;
static _Atomic uint32_t pk_deny;       /* PKRU bits of every guard key         */
static uint32_t pk_xoff;               /* PKRU offset in the XSAVE image       */
/* PKRU before the keys were opened for a system call's buffers; pk_io_open
 * says it is saved: a call with several buffers (readv) opens them one by
 * one, and only the first open may save */
static __thread uint32_t pk_io_saved __attribute__((tls_model("initial-exec")));
static __thread int pk_io_open __attribute__((tls_model("initial-exec")));

static inline uint32_t pk_read(void)
{
	uint32_t eax, edx;

	__asm__ __volatile__(".byte 0x0f,0x01,0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	(void)edx;
	return eax;
}

static inline void pk_write(uint32_t v)
{
	__asm__ __volatile__(".byte 0x0f,0x01,0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

static int pk_probe(void)
{
	unsigned a, b, c, d;
	long k;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(c & (1u << 3)) || !(c & (1u << 4)))
		return 0;             /* PKU, OSPKE */
	if (!__get_cpuid_count(0xd, 9, &a, &b, &c, &d) || b == 0)
		return 0;
	pk_xoff = b;
	k = syscall(SYS_pkey_alloc, 0, 0);   /* the kernel must agree too */
	if (k <= 0)
		return 0;
	syscall(SYS_pkey_free, k);
	return 1;
}

/* A key for r (under the table lock): the one of its declared lock, else a
 * new one, else the next in rotation (regions on one key hide each other's
 * accesses within an epoch). */
static int pk_key_for(const struct lh_region *r)
{
	long k;
	int i;

	for (i = 0; r->lock_id && i < pk_n; i++)
		if (pk_lock_of[i] == r->lock_id)
			return pk_key[i];
	if (pk_n < PK_KEYS) {
		k = syscall(SYS_pkey_alloc, 0, 0);
		if (k > 0) {
			pk_lock_of[pk_n] = r->lock_id;
			pk_key[pk_n++] = (int)k;
			return (int)k;
		}
	}
	if (pk_n == 0)
		return -1;
	if (pk_rot == 0)
		lh_say("more guarded regions than memory protection keys: regions now share keys,"
				" and regions on one key hide each other's accesses within a lock epoch"
				" (coverage drops; fewer guards, or one declared lock per group, keep it)", LH_END);
	return pk_key[pk_rot++ % pk_n];
}

static int pk_arm(struct lh_region *r)
{
	struct lh_thread *o;
	int key = pk_key_for(r);

	if (key < 0)
		return -ENOSPC;
	if (syscall(SYS_pkey_mprotect, r->pg_lo, r->pg_hi - r->pg_lo, PROT_READ | PROT_WRITE, key) != 0)
		return -errno;
	r->pkey = key;
	atomic_fetch_or(&pk_deny, 3u << (2 * key));
	pk_write(pk_read() | atomic_load(&pk_deny));
	for (o = thread_first(); o; o = o->next)   /* the others deny at their next lock op */
		atomic_store(&o->guard_pending, 1);
	return 0;
}

/* Open key in the interrupted context (read-only unless `write`); key -1:
 * every key of ours, read/write. */
static void pk_open_in_frame(ucontext_t *uc, int key, int write)
{
	char *x = (char *)uc->uc_mcontext.fpregs;
	uint64_t *bv;
	uint32_t *pkru;

	/* the software-reserved bytes of the FXSAVE area (464) say XSAVE */
	if (!x || *(const uint32_t *)(const void *)(x + 464) != FP_XSTATE_MAGIC1)
		return;
	bv = (uint64_t *)(void *)(x + 512);
	pkru = (uint32_t *)(void *)(x + pk_xoff);
	if (!(*bv & (1ull << 9))) {
		*pkru = atomic_load(&pk_deny);
		*bv |= 1ull << 9;
	}
	if (key < 0)
		*pkru &= ~atomic_load(&pk_deny);
	else
		*pkru &= ~((write ? 3u : 1u) << (2 * key));
}

/* One of the keys the sensor allocated (so a fault with it is ours even
 * when no armed region is found: one disarmed on the way). */
static int pk_is_ours(int key)
{
	return key > 0 && key < 16 && (atomic_load(&pk_deny) & (3u << (2 * key))) != 0;
}

/* ---- mprotect backend: single steps ------------------------------------------------ */
struct step_state {
	int active, n;
	uintptr_t page[STEP_MAX];
	struct lh_region *r[STEP_MAX];
};
static __thread struct step_state step __attribute__((tls_model("initial-exec")));

void sensor_protect_range(uintptr_t lo, uintptr_t hi)
{
	if (lh_guard_pku)
		return;
	mprotect((void *)lo, hi - lo, PROT_NONE);
}

static void step_open(struct lh_region *r, uintptr_t page, int write)
{
	int i, first = 0;

	for (i = 0; i < step.n && step.page[i] != page; i++)
		;
	if (i == step.n) {
		if (step.n == STEP_MAX) {
			mprotect((void *)page, pg_size, PROT_READ | PROT_WRITE);
			return;   /* one instruction touching that many pages: left open */
		}
		step.page[i] = page;
		step.r[i] = r;
		step.n++;
		first = atomic_fetch_add(&r->open, 1) == 0;
	}
	mprotect((void *)page, pg_size, write || !first ? PROT_READ | PROT_WRITE : PROT_READ);
	step.active = 1;
}

static void step_close(void)
{
	int i;

	for (i = 0; i < step.n; i++) {
		struct lh_region *r = step.r[i];

		if (atomic_fetch_sub(&r->open, 1) == 1 && atomic_load(&r->armed))
			sensor_protect_range(r->pg_lo, r->pg_hi);
	}
	step.n = 0;
	step.active = 0;
}

/* ---- the handlers ------------------------------------------------------------------ */

/* A fault on a page of r (armed). */
static void sensor_fault(struct lh_region *r, uintptr_t a, ucontext_t *uc, const siginfo_t *si)
{
	struct lh_thread *t = lh_self;
	int write = (uc->uc_mcontext.gregs[REG_ERR] & PF_WRITE) != 0;
	uint32_t n;

	if (lh_in_shim) {
		/* the shim itself (a real lock call on a lock on a guarded page):
		 * every region on that page lets go of it */
		guard_disarm_page_async(a);
	} else {
		n = atomic_fetch_add(&r->traps, 1) + 1;
		if (lh_opt.guard_budget > 0 && n > (uint32_t)lh_opt.guard_budget)
			guard_disarm_async(r, GUARD_WHY_BUDGET);
		else if (a - r->addr < r->len) {
			/* an access to the object itself; a neighbour on its page
			 * (another variable, a GOT entry the dynamic linker fills)
			 * only costs the trap */
			lh_in_shim = 1;  /* libunwind may lock: pass through, no epoch end */
			guard_observe(r, a, write, 0, uc);
			lh_in_shim = 0;
		}
	}
	if (t && atomic_load(&lh_guard_disarm_todo))
		atomic_store(&t->guard_pending, 1);
	if (lh_guard_pku) {
		if (!atomic_load(&r->armed))
			write = 1;
		/* si_pkey is the page's key (the last region armed on a shared
		 * page gave it); 0 when the page was disarmed on the way */
		pk_open_in_frame(uc, pk_is_ours((int)si->si_pkey) ? (int)si->si_pkey : -1, write);
		/* the key stays open until the thread's next lock operation
		 * closes it: make sure that one takes the slow path even when
		 * nothing was observed (a neighbour on the page, a fault inside
		 * the shim), or the key would stay open past it and the
		 * thread's later accesses, unlocked ones included, be missed */
		if (t)
			atomic_store(&t->guard_pending, 1);
		return;
	}
	if (!atomic_load(&r->armed) && !(r = guard_find(a)))
		return;                    /* disarmed: the page is open again */
	step_open(r, a & ~(pg_size - 1), write);
	uc->uc_mcontext.gregs[REG_EFL] |= (greg_t)TF_BIT;
}

static void sensor_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uintptr_t a = (uintptr_t)si->si_addr;
	struct lh_region *r;
	int saved = errno;
	int ours = lh_guard_pku ? si->si_code == SEGV_PKUERR : si->si_code == SEGV_ACCERR;

	if (ours && (r = guard_find(a)) != NULL) {
		sensor_fault(r, a, uc, si);
		errno = saved;
		return;
	}
	if (ours && lh_guard_pku && (pk_is_ours((int)si->si_pkey) || guard_find_any(a))) {
		/* a region disarmed or removed while this access was on its
		 * way: the page still had the key at the access, but si_pkey
		 * may already say 0 (the kernel reads the key of the mapping
		 * when it sends the signal).  Let the access through with
		 * every key of ours open; the next lock op closes them. */
		pk_open_in_frame(uc, -1, 1);
		if (lh_self)
			atomic_store(&lh_self->guard_pending, 1);
		errno = saved;
		return;
	}
	if (ours && !lh_guard_pku && guard_find_any(a)) {
		/* a page of a region disarmed or removed while this access was
		 * on its way (or closed by another stepper): open it, try again */
		if (!guard_page_armed(a & ~(pg_size - 1)))
			mprotect((void *)(a & ~(pg_size - 1)), pg_size, PROT_READ | PROT_WRITE);
		errno = saved;
		return;
	}
	sensor_chain(sig, si, uc);
	errno = saved;
}

static void sensor_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	int saved = errno;

	if (step.active) {
		step_close();
		uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)TF_BIT;
		errno = saved;
		return;
	}
	sensor_chain(sig, si, uc);
	errno = saved;
}

static void sensor_install(void)
{
	struct sigaction sa, old;

	if (atomic_load(&sensor_installed))
		return;
	spin_lock(&sensor_lock);
	if (!atomic_load(&sensor_installed)) {
		memset(&sa, 0, sizeof(sa));
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
		real_sigaction_p(SIGSEGV, NULL, &old);
		prog_set(0, &old);
		sa.sa_sigaction = sensor_segv;
		real_sigaction_p(SIGSEGV, &sa, NULL);
		if (!lh_guard_pku) {
			real_sigaction_p(SIGTRAP, NULL, &old);
			prog_set(1, &old);
			sa.sa_sigaction = sensor_trap;
			real_sigaction_p(SIGTRAP, &sa, NULL);
			lh_say("no memory protection keys (pku) here", lh_opt.pku ? "" : " (pku=0)",
					": guarded memory is watched with mprotect and single-stepping,"
					" slower, and accesses by other threads during a step can be missed", LH_END);
		}
		atomic_store(&sensor_installed, 1);
	}
	spin_unlock(&sensor_lock);
}

/* ---- the backend interface (guard.h) ------------------------------------------------ */

int sensor_init(void)
{
	if (atomic_load(&sensor_ready))
		return 0;
	sensor_resolve();
	if (!real_sigaction_p)
		return -ENOSYS;
	spin_lock(&sensor_lock);
	if (!atomic_load(&sensor_ready)) {
		pg_size = (uintptr_t)sysconf(_SC_PAGESIZE);
		lh_guard_pku = lh_opt.pku && pk_probe();
		atomic_store(&sensor_ready, 1);
	}
	spin_unlock(&sensor_lock);
	return 0;
}

int guard_init(void)
{
	sensor_resolve();
	if ((lh_opt.guard && *lh_opt.guard) || lh_opt.heap_sample > 0)
		return sensor_init();
	return 0;
}

int sensor_arm(struct lh_region *r)
{
	sensor_install();
	if (lh_guard_pku)
		return pk_arm(r);
	if (mprotect((void *)r->pg_lo, r->pg_hi - r->pg_lo, PROT_NONE) != 0)
		return -errno;
	return 0;
}

void sensor_disarm(struct lh_region *r)
{
	uintptr_t p;

	for (p = r->pg_lo; p < r->pg_hi; p += pg_size) {
		if (guard_page_armed(p))
			continue;         /* still needed by another region */
		if (lh_guard_pku)
			syscall(SYS_pkey_mprotect, p, pg_size, PROT_READ | PROT_WRITE, 0);
		else
			mprotect((void *)p, pg_size, PROT_READ | PROT_WRITE);
	}
}

void sensor_epoch_close(struct lh_thread *t)
{
	uint32_t deny;

	(void)t;
	if (!lh_guard_pku || !(deny = atomic_load(&pk_deny)))
		return;
	pk_io_open = 0;      /* a close the system call's wrapper skipped */
	pk_write(pk_read() | deny);
}

/* ---- pku: no traps in a correctly locked steady state ------------------------
 *
 * The shim keeps an online copy of each region's lockset state, fed by the
 * observations at epoch ends (sensor_online_observe), and after each change
 * of a thread's held set (sensor_epoch_open) leaves a key open for the coming
 * epoch when no access the thread could make to the regions on it would
 * change their state: Shared-Modified with every candidate lock held in
 * write mode: read/write; Shared (or Shared-Modified with some candidate
 * held only for reading) with every candidate held: read-only, so that the
 * first write still traps.  Virgin, Exclusive, an empty or oversized C, more
 * than GUARD_OL_MAX regions: closed, as before.  The online state has no
 * happens-before and does not intersect the previous owner's lockset, so
 * its C contains the analyzer's: an access it lets through leaves the
 * analyzer's state unchanged too.  Once any region could be left open, a
 * thread that passed here is marked pending, so that its every lock
 * operation takes the slow path and decides again (one WRPKRU each). */
#define GUARD_OL_MAX 64
_Atomic int lh_guard_ol_open;

static int ol_held(const struct lh_thread *t, uint64_t id, int write)
{
	uint32_t i;

	for (i = 0; i < t->nheld; i++)
		if (t->held[i].id == id && (!write || !(t->held[i].mode & LH_MODE_READ)))
			return 1;
	return 0;
}

void sensor_online_observe(struct lh_thread *t, uintptr_t addr, int write)
{
	struct lh_region *r = guard_find(addr);
	uint32_t i, n = 0;

	if (!r || addr - r->addr >= r->len)
		return;
	spin_lock(&r->ol_lock);
	switch (r->ol_state) {
	case GUARD_OL_VIRGIN:
		r->ol_state = GUARD_OL_EXCL;
		r->ol_owner = t->tid;
		break;
	case GUARD_OL_EXCL:
		if (r->ol_owner == t->tid)
			break;
		r->ol_state = write ? GUARD_OL_SM : GUARD_OL_SHARED;
		for (i = 0; i < t->nheld; i++) {
			if (write && (t->held[i].mode & LH_MODE_READ))
				continue;
			if (n == sizeof(r->ol_c) / sizeof(r->ol_c[0])) {
				r->ol_state = GUARD_OL_NEVER;
				break;
			}
			r->ol_c[n++] = t->held[i].id;
		}
		r->ol_nc = n;
		break;
	case GUARD_OL_SHARED:
	case GUARD_OL_SM:
		for (i = 0; i < r->ol_nc; i++)
			if (ol_held(t, r->ol_c[i], write))
				r->ol_c[n++] = r->ol_c[i];
		r->ol_nc = n;
		if (write)
			r->ol_state = GUARD_OL_SM;
		break;
	default:
		break;
	}
	if ((r->ol_state == GUARD_OL_SHARED || r->ol_state == GUARD_OL_SM) && r->ol_nc > 0)
		atomic_store(&lh_guard_ol_open, 1);
	spin_unlock(&r->ol_lock);
}

struct ol_keys {
	const struct lh_thread *t;
	uint8_t level[16];        /* 0 read/write, 1 read-only, 2 closed, 3 no region */
};

static int ol_key_level(struct lh_region *r, void *arg)
{
	struct ol_keys *k = arg;
	uint8_t lvl = 2;
	uint32_t i, rd = 0, wr = 0;

	if (r->pkey <= 0 || r->pkey > 15 || !atomic_load(&r->armed))
		return 0;
	spin_lock(&r->ol_lock);
	if ((r->ol_state == GUARD_OL_SHARED || r->ol_state == GUARD_OL_SM) && r->ol_nc > 0) {
		for (i = 0; i < r->ol_nc; i++) {
			rd += (uint32_t)ol_held(k->t, r->ol_c[i], 0);
			wr += (uint32_t)ol_held(k->t, r->ol_c[i], 1);
		}
		if (r->ol_state == GUARD_OL_SM && wr == r->ol_nc)
			lvl = 0;
		else if (rd == r->ol_nc)
			lvl = 1;
	}
	spin_unlock(&r->ol_lock);
	if (k->level[r->pkey] == 3 || lvl > k->level[r->pkey])
		k->level[r->pkey] = lvl;
	return 0;
}

void sensor_epoch_open(struct lh_thread *t)
{
	struct ol_keys k;
	uint32_t deny = atomic_load(&pk_deny), pkru, want;
	int key;

	if (!lh_guard_pku || !t || !deny)
		return;
	memset(k.level, 3, sizeof(k.level));
	k.t = t;
	if (guard_each(ol_key_level, &k, GUARD_OL_MAX) != 0)
		return;
	pkru = pk_read();
	want = pkru;
	for (key = 1; key < 16; key++) {
		uint32_t bits = 3u << (2 * key);

		if (!(deny & bits))
			continue;
		want &= ~bits;
		if (k.level[key] >= 2) {
			want |= bits;                   /* access and write denied */
		} else if (k.level[key] == 1) {
			want |= 2u << (2 * key);        /* write denied: read-only  */
		}
	}
	if (want != pkru)
		pk_write(want);
	/* the next lock operation, fast path or not, must decide again (close
	 * what is open; open what the new held set allows) */
	atomic_store_explicit(&t->guard_pending, 1, memory_order_relaxed);
}

/* ---- system calls that hand user memory to the kernel ------------------------------- */

void guard_io_open(uintptr_t addr, size_t len, int to_mem)
{
	struct lh_region *r, *last = NULL;
	uintptr_t p, end = addr + len;

	if (lh_guard_pku) {
		if (!pk_io_open) {
			pk_io_saved = pk_read();
			pk_io_open = 1;
		}
		pk_write(pk_io_saved & ~atomic_load(&pk_deny));
	}
	for (p = addr & ~(pg_size - 1); p < end; p += pg_size) {
		uintptr_t at = p < addr ? addr : p;

		r = guard_find(at);
		if (!r)
			continue;
		if (r != last)
			guard_observe(r, at, to_mem, 1, NULL);
		last = r;
		if (lh_guard_pku)
			continue;
		atomic_fetch_add(&r->open, 1);
		mprotect((void *)p, pg_size, PROT_READ | PROT_WRITE);
	}
}

void guard_io_close(uintptr_t addr, size_t len)
{
	struct lh_region *r;
	uintptr_t p, end = addr + len;

	if (lh_guard_pku) {
		if (pk_io_open)
			pk_write(pk_io_saved);
		pk_io_open = 0;
		return;
	}
	for (p = addr & ~(pg_size - 1); p < end; p += pg_size) {
		r = guard_find(p < addr ? addr : p);
		if (r && atomic_fetch_sub(&r->open, 1) == 1)
			sensor_protect_range(r->pg_lo, r->pg_hi);
	}
}

/* ---- interposed signal functions ------------------------------------------------------- */

static int sensor_owns(int sig)
{
	return sig_slot(sig) >= 0 && !lh_in_shim && atomic_load(&sensor_installed);
}

LH_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int slot = sig_slot(sig);

	if (!real_sigaction_p)
		sensor_resolve();
	if (!sensor_owns(sig))
		return real_sigaction_p(sig, act, old);
	if (old)
		prog_get(slot, old);
	if (act)
		prog_set(slot, act);
	return 0;
}

LH_EXPORT sighandler_fn signal(int sig, sighandler_fn h)
{
	struct sigaction sa, old;
	sighandler_fn prev;

	if (!real_signal_p)
		sensor_resolve();
	if (!sensor_owns(sig)) {
		prev = real_signal_p(sig, h);
		return prev;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, sig);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) != 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* set without the signals the sensor needs delivered */
static const sigset_t *mask_fix(int how, const sigset_t *set, sigset_t *tmp)
{
	if (!set || how == SIG_UNBLOCK || !atomic_load(&sensor_installed))
		return set;
	*tmp = *set;
	sigdelset(tmp, SIGSEGV);
	if (!lh_guard_pku)
		sigdelset(tmp, SIGTRAP);
	return tmp;
}

LH_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t tmp;

	if (!real_sigprocmask_p)
		sensor_resolve();
	return real_sigprocmask_p(how, mask_fix(how, set, &tmp), old);
}

LH_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t tmp;

	if (!real_pthread_sigmask_p)
		sensor_resolve();
	return real_pthread_sigmask_p(how, mask_fix(how, set, &tmp), old);
}
