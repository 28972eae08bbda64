/*
 * api_guard.c - the guarded-memory API behind include/lockhound/lockhound.h:
 * lh_shim_guard, lh_shim_unguard, lh_shim_guarded_alloc, lh_shim_guarded_free.
 *
 * Guarded allocations are whole anonymous pages (zeroed by the kernel) so
 * that nothing else shares them; they are remembered in a list so that
 * lh_guarded_free of anything else is a misuse warning, not a crash.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"
#include "guard.h"

struct galloc {
	uintptr_t p;
	size_t maplen;
	struct galloc *next;
};

static struct galloc *ga_head;
static lh_spin ga_lock;

LH_EXPORT int lh_shim_guard(const void *addr, size_t len, const void *lock, const char *name)
{
	struct lh_thread *t = shim_enter();
	int64_t id;

	if (!t)
		return -ENOSYS;
	if (!addr || len == 0)
		return -EINVAL;
	id = guard_add(t, (uintptr_t)addr, len, lock, name, 0, LH_REGION_API);
	return id < 0 ? (int)id : 0;
}

LH_EXPORT int lh_shim_unguard(const void *addr)
{
	struct lh_thread *t = shim_enter();

	if (!t)
		return -ENOSYS;
	return guard_remove(t, (uintptr_t)addr);
}

LH_EXPORT void *lh_shim_guarded_alloc(size_t len, const void *lock, const char *name)
{
	struct lh_thread *t = shim_enter();
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), maplen;
	struct galloc *g;
	int64_t id;
	void *p;

	if (!t) {
		errno = ENOSYS;
		return NULL;
	}
	if (len == 0 || len > SIZE_MAX - pg) {
		errno = EINVAL;
		return NULL;
	}
	maplen = (len + pg - 1) & ~(pg - 1);
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	lh_in_shim = 1;
	g = arena_alloc(sizeof(*g));
	lh_in_shim = 0;
	if (!g) {
		munmap(p, maplen);
		errno = ENOMEM;
		return NULL;
	}
	g->p = (uintptr_t)p;
	g->maplen = maplen;
	id = guard_add(t, (uintptr_t)p, len, lock, name, 0, LH_REGION_API | GUARD_OWN_PAGES);
	if (id < 0) {
		munmap(p, maplen);
		arena_free(g, sizeof(*g));
		errno = (int)-id;
		return NULL;
	}
	spin_lock(&ga_lock);
	g->next = ga_head;
	ga_head = g;
	spin_unlock(&ga_lock);
	return p;
}

LH_EXPORT void lh_shim_guarded_free(void *p)
{
	struct lh_thread *t = shim_enter();
	struct galloc **pp, *g = NULL;
	char hex[24];

	if (!t || !p)
		return;
	spin_lock(&ga_lock);
	for (pp = &ga_head; *pp; pp = &(*pp)->next)
		if ((*pp)->p == (uintptr_t)p) {
			g = *pp;
			*pp = g->next;
			break;
		}
	spin_unlock(&ga_lock);
	if (!g) {
		lh_say("misuse: lh_guarded_free(", fmt_hex(hex, (uint64_t)(uintptr_t)p),
				") of memory not from lh_guarded_alloc: ignored", LH_END);
		return;
	}
	guard_remove(t, g->p);
	munmap(p, g->maplen);
	lh_in_shim = 1;
	arena_free(g, sizeof(*g));
	lh_in_shim = 0;
}
