/*
 * arena.c - the shim's allocator (see arena.h).  A single spin lock guards
 * the bump pointer and the free lists: allocation happens only on rare paths
 * (new lock address, table growth, new thread, new stack), never on the
 * common lock/unlock path.
 */
#include "arena.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spin.h"

#define ARENA_CHUNK     (1u << 20)
#define ARENA_MIN_SHIFT 5u
#define ARENA_MAX_SHIFT 18u               /* 256 KiB: larger goes to mmap */
#define ARENA_CLASSES   (ARENA_MAX_SHIFT - ARENA_MIN_SHIFT + 1u)

_Static_assert((1u << ARENA_MAX_SHIFT) <= ARENA_CHUNK, "a class fits in a chunk");

struct arena_free_blk {
	struct arena_free_blk *next;
};

static lh_spin arena_lock;
static char *arena_cur, *arena_end;
static struct arena_free_blk *arena_free_list[ARENA_CLASSES];
int lh_arena_oom;

void arena_oom(void)
{
	static const char msg[] = "lockhound: out of memory; some locks or records are not tracked\n";

	if (!__atomic_exchange_n(&lh_arena_oom, 1, __ATOMIC_RELAXED)) {
		/* raw syscall: write(2) is interposed (intercept_io.c) */
		long r = syscall(SYS_write, 2, msg, sizeof(msg) - 1);
		(void)r;
	}
}

static unsigned arena_shift(size_t n)
{
	unsigned s = ARENA_MIN_SHIFT;

	while (((size_t)1 << s) < n)
		s++;
	return s;
}

static void *arena_map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		arena_oom();
		return NULL;
	}
	return p;
}

void *arena_alloc(size_t n)
{
	unsigned s = arena_shift(n ? n : 1);
	size_t sz = (size_t)1 << s;
	struct arena_free_blk *b;
	void *p;

	if (s > ARENA_MAX_SHIFT)
		return arena_map(sz);   /* fresh mappings are zeroed */
	spin_lock(&arena_lock);
	b = arena_free_list[s - ARENA_MIN_SHIFT];
	if (b) {
		arena_free_list[s - ARENA_MIN_SHIFT] = b->next;
		spin_unlock(&arena_lock);
		memset(b, 0, sz);
		return b;
	}
	/* blocks of 64 bytes and more start on a cache line: a lock entry
	 * (lh_lock) is then read with one line (chunks are page-aligned, so
	 * the rounding never passes arena_end) */
	if (sz >= 64)
		arena_cur = (char *)(((uintptr_t)arena_cur + 63u) & ~(uintptr_t)63u);
	if ((size_t)(arena_end - arena_cur) < sz) {
		char *c = arena_map(ARENA_CHUNK);

		if (!c) {
			spin_unlock(&arena_lock);
			return NULL;
		}
		/* the tail of the old chunk is abandoned: at most 256 KiB per MiB */
		arena_cur = c;
		arena_end = c + ARENA_CHUNK;
	}
	p = arena_cur;
	arena_cur += sz;
	spin_unlock(&arena_lock);
	return p;
}

void arena_free(void *p, size_t n)
{
	unsigned s;
	struct arena_free_blk *b = p;

	if (!p)
		return;
	s = arena_shift(n ? n : 1);
	if (s > ARENA_MAX_SHIFT) {
		munmap(p, (size_t)1 << s);
		return;
	}
	spin_lock(&arena_lock);
	b->next = arena_free_list[s - ARENA_MIN_SHIFT];
	arena_free_list[s - ARENA_MIN_SHIFT] = b;
	spin_unlock(&arena_lock);
}

void arena_fork_prepare(void) { spin_lock(&arena_lock); }
void arena_fork_parent(void) { spin_unlock(&arena_lock); }
void arena_fork_child(void) { spin_reset(&arena_lock); }
