/*
 * heap_sample.c - heap_sample=N: 1 in N small heap allocations on a page of
 * their own, guarded (race detection), with their allocation stack kept.
 *
 * The malloc family is interposed in every run, so the common case must
 * cost nothing: while hs_slow is 0 (resolved, heap_sample=0, no bootstrap
 * memory handed out) each function is one predictable branch and a call
 * through the real function pointer.  Everything else goes to a *_slow path.
 *
 * Bootstrap.  The real functions are the NEXT definitions in the lookup
 * order (dlsym(RTLD_NEXT): glibc, or an ASan or other allocator loaded after
 * us), resolved on the first call, which can come from the dynamic linker
 * before any constructor.  dlsym may itself call malloc/calloc: while this
 * thread resolves (hs_resolving) those are served from a static bump arena,
 * recognised later by address (free ignores them, realloc copies them out,
 * malloc_usable_size knows their size); hs_slow then stays 1 for good.
 *
 * Sampling (heap_sample=N > 0, once the shim is ready).  Per-thread
 * countdown; the Nth eligible allocation of 1..page size bytes, not made by
 * the shim (lh_in_shim) nor by the C library or the dynamic linker
 * themselves (stdio buffers are written by the kernel, ld.so's by ld.so
 * under its own locks), gets fresh anonymous pages: the object at the start
 * of the first page (so any alignment up to the page size holds; calloc's
 * zeroes come with the mapping), recorded in hs_tab, then guard_add()ed
 * with the allocation stack.  free() recognises a sample by its page-aligned
 * address and a look-up in hs_tab (a shim spin lock, never a program lock),
 * calls guard_remove() and munmap()s it.  realloc of a sample moves it to
 * an ordinary allocation (guard_remove before the copy: the pages are
 * watched).  When a mapping, the table or guard_add fails, sampling stops
 * with one message; samples already made keep being recognised.
 *
 * Fork: the pages are MAP_PRIVATE anonymous and survive in the child as
 * they are; hs_lock is taken across fork (the fork triple in process.c).
 * Lock nesting: hs_lock -> arena lock.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"
#include "guard.h"
#include "shim.h"

/* ---- the real functions ------------------------------------------------------ */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static size_t (*real_malloc_usable_size)(void *);

/* 1 while anything but a plain forward may be needed (see top). */
static int hs_slow = 1;
static int hs_resolved;       /* every real_* above is set                  */
static int hs_boot_used;      /* bootstrap memory was handed out            */
static _Atomic unsigned long hs_rate;   /* N, 0 = not sampling             */
static uintptr_t hs_page = 4096;
static __thread int hs_resolving __attribute__((tls_model("initial-exec")));
static __thread unsigned long hs_count __attribute__((tls_model("initial-exec")));

/* ---- bootstrap arena (dlsym's allocations while resolving) ------------------------ */
#define HS_BOOT_SIZE ((size_t)65536)
struct hs_boot_hdr {
	size_t size;
	size_t pad;
};
_Static_assert(sizeof(struct hs_boot_hdr) == 16, "bootstrap blocks stay 16-aligned");
static _Alignas(4096) unsigned char hs_boot[HS_BOOT_SIZE];
static _Atomic size_t hs_boot_top;

static int hs_is_boot(const void *p)
{
	return (const unsigned char *)p >= hs_boot && (const unsigned char *)p < hs_boot + HS_BOOT_SIZE;
}

static void *hs_boot_alloc(size_t n, size_t align)
{
	size_t old = atomic_load(&hs_boot_top), start, end;

	if (align < 16)
		align = 16;
	do {
		start = (old + sizeof(struct hs_boot_hdr) + align - 1) & ~(align - 1);
		end = start + ((n + 15) & ~(size_t)15);
		if (end > HS_BOOT_SIZE || end < start) {
			errno = ENOMEM;
			return NULL;
		}
	} while (!atomic_compare_exchange_weak(&hs_boot_top, &old, end));
	((struct hs_boot_hdr *)(hs_boot + start))[-1].size = n;
	__atomic_store_n(&hs_boot_used, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&hs_slow, 1, __ATOMIC_RELEASE);
	return hs_boot + start;   /* static storage never reused: already zero */
}

static size_t hs_boot_size(const void *p)
{
	return ((const struct hs_boot_hdr *)p)[-1].size;
}

static void hs_update_slow(void)
{
	int slow = !__atomic_load_n(&hs_resolved, __ATOMIC_ACQUIRE) ||
		__atomic_load_n(&hs_boot_used, __ATOMIC_RELAXED) || atomic_load(&hs_rate) != 0;

	__atomic_store_n(&hs_slow, slow, __ATOMIC_RELEASE);
}

static void hs_resolve(void)
{
	hs_resolving = 1;
#define HS_SET(name) \
	if (!real_##name) \
		__atomic_store_n((void **)&real_##name, dlsym(RTLD_NEXT, #name), __ATOMIC_RELEASE);
	HS_SET(malloc)
	HS_SET(calloc)
	HS_SET(realloc)
	HS_SET(free)
	HS_SET(posix_memalign)
	HS_SET(aligned_alloc)
	HS_SET(memalign)
	HS_SET(valloc)
	HS_SET(pvalloc)
	HS_SET(malloc_usable_size)
#undef HS_SET
	hs_resolving = 0;
	if (real_malloc && real_calloc && real_realloc && real_free && real_posix_memalign &&
	    real_aligned_alloc && real_memalign && real_valloc && real_pvalloc && real_malloc_usable_size)
		__atomic_store_n(&hs_resolved, 1, __ATOMIC_RELEASE);
	hs_update_slow();
}

/* ---- the table of samples ------------------------------------------------------- */
struct hs_ent {
	uintptr_t page;           /* 0: empty slot                               */
	size_t size;              /* the size asked for                          */
};
static lh_spin hs_lock;
static struct hs_ent *hs_tab;
static size_t hs_mask, hs_n;  /* capacity - 1 (power of two), entries     */

static size_t hs_slot(uintptr_t page)
{
	return (size_t)(((uint64_t)page >> 12) * 0x9e3779b97f4a7c15ull >> 20) & hs_mask;
}

/* with hs_lock held */
static int hs_tab_grow(void)
{
	size_t cap = hs_tab ? 2 * (hs_mask + 1) : 256, old = hs_tab ? hs_mask + 1 : 0, i, j;
	struct hs_ent *tab = arena_alloc(cap * sizeof(*tab)), *prev = hs_tab;

	if (!tab)
		return -ENOMEM;
	hs_tab = tab;
	hs_mask = cap - 1;
	for (i = 0; i < old; i++) {
		if (!prev[i].page)
			continue;
		for (j = hs_slot(prev[i].page); tab[j].page; j = (j + 1) & hs_mask)
			;
		tab[j] = prev[i];
	}
	arena_free(prev, old * sizeof(*prev));
	return 0;
}

static int hs_tab_add(uintptr_t page, size_t size)
{
	size_t j;

	spin_lock(&hs_lock);
	if ((!hs_tab || 2 * (hs_n + 1) > hs_mask + 1) && hs_tab_grow()) {
		spin_unlock(&hs_lock);
		return -ENOMEM;
	}
	for (j = hs_slot(page); hs_tab[j].page; j = (j + 1) & hs_mask)
		;
	hs_tab[j].page = page;
	hs_tab[j].size = size;
	hs_n++;
	spin_unlock(&hs_lock);
	return 0;
}

/* with hs_lock held: the slot of page or -1 */
static long hs_tab_find(uintptr_t page)
{
	size_t j;

	if (!hs_tab)
		return -1;
	for (j = hs_slot(page); hs_tab[j].page; j = (j + 1) & hs_mask)
		if (hs_tab[j].page == page)
			return (long)j;
	return -1;
}

/* with hs_lock held: linear probing deletion by backward shift */
static void hs_tab_del_slot(size_t j)
{
	size_t i = j, k;

	hs_tab[j].page = 0;
	for (;;) {
		i = (i + 1) & hs_mask;
		if (!hs_tab[i].page)
			break;
		k = hs_slot(hs_tab[i].page);
		/* move i back to j unless its home slot k lies cyclically in (j, i] */
		if (j <= i ? (j < k && k <= i) : (j < k || k <= i))
			continue;
		hs_tab[j] = hs_tab[i];
		hs_tab[i].page = 0;
		j = i;
	}
	hs_n--;
}

/* The size of sample p, or 0 when p is no sample. */
static size_t hs_sample_size(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	size_t size = 0;
	long j;

	if (!a || (a & (hs_page - 1)))
		return 0;
	spin_lock(&hs_lock);
	j = hs_tab_find(a);
	if (j >= 0)
		size = hs_tab[j].size;
	spin_unlock(&hs_lock);
	return size;
}

/*
 * Release sample p if it is one: stop guarding it, copy min(its size, len)
 * bytes to `to` (if any), unmap it.  1 if p was a sample, else 0.
 */
static int hs_release(void *p, void *to, size_t len)
{
	uintptr_t a = (uintptr_t)p;
	struct lh_thread *t;
	size_t size;
	long j;
	int saved;

	if (!a || (a & (hs_page - 1)))
		return 0;
	spin_lock(&hs_lock);
	j = hs_tab_find(a);
	if (j < 0) {
		spin_unlock(&hs_lock);
		return 0;
	}
	size = hs_tab[j].size;
	hs_tab_del_slot((size_t)j);
	spin_unlock(&hs_lock);
	saved = lh_in_shim;
	lh_in_shim = 1;
	/* a thread that has finished (pthread key destructors), or frees after
	 * the shim's destructor: the record goes to the process buffer */
	t = atomic_load(&lh_state) == LH_READY ? lh_self : NULL;
	if (t && atomic_load_explicit(&t->exited, memory_order_relaxed))
		t = NULL;
	guard_remove(t, a);
	if (to)
		memcpy(to, p, size < len ? size : len);
	munmap(p, (size + hs_page - 1) & ~(hs_page - 1));
	lh_in_shim = saved;
	return 1;
}

/* ---- sampling --------------------------------------------------------------------- */
/* code ranges of the C library and the dynamic linker: their allocations are
 * not sampled (grown by heap_sample_init, read without a lock after) */
static uintptr_t hs_skip_lo[2], hs_skip_hi[2];

static void hs_stop(const char *why)
{
	static int said;

	atomic_store(&hs_rate, 0);
	if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
		lh_say("heap_sample: ", why, "; sampling stopped (objects already sampled stay guarded)",
				LH_END);
}

/*
 * Place a sample of n bytes (1 <= n <= page) on pages of its own and guard
 * it; NULL when this allocation is not sampled (the caller then allocates
 * normally).  `caller` is the return address of the interposed function.
 */
static void *hs_sample(size_t n, const void *caller)
{
	uintptr_t c = (uintptr_t)caller;
	unsigned long rate = atomic_load_explicit(&hs_rate, memory_order_relaxed);
	struct lh_thread *t;
	size_t len;
	uint64_t stack;
	int64_t id;
	void *p;

	if (!rate || n == 0 || n > hs_page || lh_in_shim)
		return NULL;
	if ((c >= hs_skip_lo[0] && c < hs_skip_hi[0]) || (c >= hs_skip_lo[1] && c < hs_skip_hi[1]))
		return NULL;
	if (++hs_count < rate)
		return NULL;
	hs_count = 0;
	t = shim_enter();
	if (!t)
		return NULL;
	lh_in_shim = 1;
	len = (n + hs_page - 1) & ~(hs_page - 1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		hs_stop("cannot map a page for a sample (out of memory or mappings)");
		p = NULL;
		goto out;
	}
	if (hs_tab_add((uintptr_t)p, n)) {
		munmap(p, len);
		hs_stop("out of memory for the table of samples");
		p = NULL;
		goto out;
	}
	stack = lh_opt.stack_depth ? stack_here((int)lh_opt.stack_depth) : 0;
	id = guard_add(t, (uintptr_t)p, n, NULL, NULL, stack, LH_REGION_HEAP | GUARD_OWN_PAGES);
	if (id < 0) {
		spin_lock(&hs_lock);
		hs_tab_del_slot((size_t)hs_tab_find((uintptr_t)p));
		spin_unlock(&hs_lock);
		munmap(p, len);
		hs_stop(id == -ENOMEM ? "cannot guard a sample (out of memory)" : "cannot guard a sample");
		p = NULL;
	}
out:
	lh_in_shim = 0;
	return p;
}

static int hs_skip_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *name = info->dlpi_name ? info->dlpi_name : "", *base = strrchr(name, '/');
	int slot, i;

	(void)size;
	(void)data;
	base = base ? base + 1 : name;
	if (!strncmp(base, "libc.so", 7))
		slot = 0;
	else if (!strncmp(base, "ld-linux", 8))
		slot = 1;
	else
		return 0;
	hs_skip_lo[slot] = UINTPTR_MAX;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (info->dlpi_addr + ph->p_vaddr < hs_skip_lo[slot])
			hs_skip_lo[slot] = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hs_skip_hi[slot])
			hs_skip_hi[slot] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (hs_skip_hi[slot] == 0)
		hs_skip_lo[slot] = 0;
	return 0;
}

void heap_sample_init(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	if (!__atomic_load_n(&hs_resolved, __ATOMIC_ACQUIRE))
		hs_resolve();
	if (lh_opt.heap_sample <= 0)
		return;
	if (!hs_resolved) {
		lh_say("heap_sample: the C library's malloc functions were not found; not sampling", LH_END);
		return;
	}
	if (pg > 0)
		hs_page = (uintptr_t)pg;
	dl_iterate_phdr(hs_skip_cb, NULL);
	atomic_store(&hs_rate, (unsigned long)lh_opt.heap_sample);
	hs_update_slow();
}

void heap_sample_fork_prepare(void)
{
	spin_lock(&hs_lock);
}

void heap_sample_fork_parent(void)
{
	spin_unlock(&hs_lock);
}

void heap_sample_fork_child(void)
{
	spin_reset(&hs_lock);
}

/* ---- slow paths ------------------------------------------------------------------ */
static int hs_ready(void)
{
	if (hs_resolving)
		return 0;
	if (!__atomic_load_n(&hs_resolved, __ATOMIC_ACQUIRE))
		hs_resolve();
	return __atomic_load_n(&hs_resolved, __ATOMIC_ACQUIRE);
}

static void *hs_malloc_slow(size_t n, const void *caller)
{
	void *p;

	if (!hs_ready())
		return hs_boot_alloc(n, 16);
	p = hs_sample(n, caller);
	return p ? p : real_malloc(n);
}

static void *hs_calloc_slow(size_t k, size_t n, const void *caller)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(k, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (!hs_ready())
		return hs_boot_alloc(total, 16);
	p = hs_sample(total, caller);
	return p ? p : real_calloc(k, n);
}

static void hs_free_slow(void *p)
{
	if (!p || hs_is_boot(p))
		return;
	if (!hs_ready())
		return;              /* cannot happen: p came from somewhere */
	if (hs_release(p, NULL, 0))
		return;
	real_free(p);
}

static void *hs_realloc_slow(void *p, size_t n, const void *caller)
{
	size_t size;
	void *q;

	if (!p)
		return hs_malloc_slow(n, caller);
	if (hs_is_boot(p)) {
		size = hs_boot_size(p);
		q = hs_ready() ? real_malloc(n ? n : 1) : hs_boot_alloc(n, 16);
		if (q)
			memcpy(q, p, size < n ? size : n);
		return q;
	}
	if (!hs_ready())
		return NULL;         /* cannot happen */
	size = hs_sample_size(p);
	if (!size)
		return real_realloc(p, n);
	if (n == 0) {            /* glibc: realloc(p, 0) frees p */
		hs_release(p, NULL, 0);
		return NULL;
	}
	q = real_malloc(n);
	if (q)
		hs_release(p, q, n);
	return q;
}

/* aligned allocations: sampled when the alignment is at most a page */
static void *hs_aligned_slow(size_t align, size_t n, const void *caller)
{
	if (!hs_ready())
		return hs_boot_alloc(n, align);
	if (align <= hs_page)
		return hs_sample(n, caller);
	return NULL;
}

/* ---- the interposed functions -------------------------------------------------------- */
#define HS_FAST() LH_LIKELY(!__atomic_load_n(&hs_slow, __ATOMIC_ACQUIRE))

LH_EXPORT void *malloc(size_t n)
{
	if (HS_FAST())
		return real_malloc(n);
	return hs_malloc_slow(n, __builtin_return_address(0));
}

LH_EXPORT void *calloc(size_t k, size_t n)
{
	if (HS_FAST())
		return real_calloc(k, n);
	return hs_calloc_slow(k, n, __builtin_return_address(0));
}

LH_EXPORT void free(void *p)
{
	if (HS_FAST()) {
		real_free(p);
		return;
	}
	hs_free_slow(p);
}

LH_EXPORT void *realloc(void *p, size_t n)
{
	if (HS_FAST())
		return real_realloc(p, n);
	return hs_realloc_slow(p, n, __builtin_return_address(0));
}

LH_EXPORT void *reallocarray(void *p, size_t k, size_t n)
{
	size_t total;

	if (__builtin_mul_overflow(k, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (HS_FAST())
		return real_realloc(p, total);
	return hs_realloc_slow(p, total, __builtin_return_address(0));
}

LH_EXPORT size_t malloc_usable_size(void *p)
{
	size_t size;

	if (HS_FAST())
		return real_malloc_usable_size(p);
	if (!p)
		return 0;
	if (hs_is_boot(p))
		return hs_boot_size(p);
	if (!hs_ready())
		return 0;
	size = hs_sample_size(p);
	return size ? size : real_malloc_usable_size(p);
}

LH_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (HS_FAST())
		return real_posix_memalign(out, align, n);
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = hs_aligned_slow(align, n, __builtin_return_address(0));
	if (p) {
		*out = p;
		return 0;
	}
	if (!hs_ready())
		return ENOMEM;
	return real_posix_memalign(out, align, n);
}

LH_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	void *p;

	if (HS_FAST())
		return real_aligned_alloc(align, n);
	if (align == 0 || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	p = hs_aligned_slow(align, n, __builtin_return_address(0));
	if (p || !hs_ready())
		return p;
	return real_aligned_alloc(align, n);
}

LH_EXPORT void *memalign(size_t align, size_t n)
{
	void *p;

	if (HS_FAST())
		return real_memalign(align, n);
	p = (align & (align - 1)) ? NULL : hs_aligned_slow(align, n, __builtin_return_address(0));
	if (p || !hs_ready())
		return p;
	return real_memalign(align, n);
}

LH_EXPORT void *valloc(size_t n)
{
	void *p;

	if (HS_FAST())
		return real_valloc(n);
	p = hs_aligned_slow(hs_page, n, __builtin_return_address(0));
	if (p || !hs_ready())
		return p;
	return real_valloc(n);
}

LH_EXPORT void *pvalloc(size_t n)
{
	void *p;

	if (HS_FAST())
		return real_pvalloc(n);
	p = hs_aligned_slow(hs_page, n ? (n + hs_page - 1) & ~(hs_page - 1) : 0,
			__builtin_return_address(0));
	if (p || !hs_ready())
		return p;
	return real_pvalloc(n);
}
