/*
 * test_symbolize.c - the symbolizer and the lock naming on this very test
 * binary: the process model gets MODULE entries from dl_iterate_phdr, as the
 * shim would write them, and pcs / data addresses of this file are looked up.
 */
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer.h"
#include "symbolize.h"
#include "tap.h"

pthread_mutex_t test_global_lock = PTHREAD_MUTEX_INITIALIZER;
struct two_locks { pthread_mutex_t a, b; } test_pair;

static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	lh_process *p = arg;
	uint64_t lo = UINT64_MAX, hi = 0;
	char exe[4096];
	const char *path = info->dlpi_name;
	lh_module *m;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < lo)
			lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (!path || !*path) {
		ssize_t n;

		if (p->nmodules)
			return 0;             /* the vdso */
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return 0;
		exe[n] = '\0';
		path = exe;
	}
	p->modules = realloc(p->modules, (p->nmodules + 1) * sizeof(*p->modules));
	m = &p->modules[p->nmodules++];
	m->base = info->dlpi_addr;
	m->lo = lo;
	m->hi = hi;
	m->path = strdup(path);
	m->is_main = p->nmodules == 1;
	m->unloaded = 0;
	return 0;
}

static __attribute__((noinline)) uint64_t return_address(void)
{
	return (uint64_t)(uintptr_t)__builtin_return_address(0);
}

static int call_line;

static __attribute__((noinline)) uint64_t known_caller(void)
{
	uint64_t ra = return_address(); call_line = __LINE__;

	__asm__ volatile("" ::: "memory");      /* keep the call a call */
	return ra;
}

static lh_stack *add_stack(lh_process *p, uint64_t id, const uint64_t *pcs, uint32_t depth)
{
	lh_stack *s = calloc(1, sizeof(*s) + depth * sizeof(uint64_t));

	s->id = id;
	s->depth = depth;
	s->pcs = (uint64_t *)(s + 1);
	memcpy(s->pcs, pcs, depth * sizeof(uint64_t));
	HASH_ADD(hh, p->stacks, id, sizeof(s->id), s);
	return s;
}

static lh_lock *add_lock(lh_process *p, uint64_t id, uint64_t addr, uint64_t init_stack)
{
	lh_lock *l = calloc(1, sizeof(*l));

	l->id = id;
	l->addr = addr;
	l->kind = LH_LOCK_MUTEX;
	l->init_stack = init_stack;
	l->level = LH_NO_LEVEL;
	l->proc = p;
	HASH_ADD(hh, p->locks, id, sizeof(l->id), l);
	return l;
}

int main(void)
{
	lh_model m;
	lh_process *p;
	lh_frame f, g;
	uint64_t ra, pcs[2];
	const char *sym;
	lh_lock *lg, *lp, *lheap, *lann;
	lh_stack *s;

	tap_plan(15);
	lh_model_init(&m);
	p = calloc(1, sizeof(*p));
	p->exe = strdup("test_symbolize");
	m.procs = calloc(1, sizeof(*m.procs));
	m.procs[m.nprocs++] = p;
	dl_iterate_phdr(add_module, p);
	tap_ok(p->nmodules >= 2, "modules of this process (%zu)", p->nmodules);

	ra = known_caller();
	lh_symbolize_pc(p, ra, 1, &f);
	tap_ok(!strcmp(f.function, "known_caller"), "return address -> function known_caller (%s)", f.function);
	tap_ok(strstr(f.file, "test_symbolize.c") != NULL, "file is this file (%s)", f.file);
	tap_ok(f.line == call_line, "line of the call (%d, want %d)", f.line, call_line);
	{
		/* a relative file comes with the compilation directory it is
		 * relative to, so it can be found from any cwd */
		char path[8192];
		int ok;

		if (f.file[0] == '/') {
			ok = 1;
		} else {
			snprintf(path, sizeof(path), "%s/%s", f.dir ? f.dir : "", f.file);
			ok = f.dir && f.dir[0] == '/' && access(path, R_OK) == 0;
		}
		tap_ok(ok, "relative file %s has its comp dir (%s)", f.file, f.dir ? f.dir : "NULL");
	}
	{
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		const char *base;

		exe[n > 0 ? n : 0] = '\0';
		base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
		tap_ok(!strcmp(f.module, base), "module basename (%s)", f.module);
	}
	lh_symbolize_pc(p, ra, 1, &g);
	tap_ok(g.function == f.function && g.line == f.line, "second lookup comes from the cache");

	lh_symbolize_pc(p, (uint64_t)(uintptr_t)&return_address, 0, &f);
	tap_ok(!strcmp(f.function, "return_address"), "exact pc (first frame) -> return_address (%s)", f.function);

	lh_symbolize_pc(p, (uint64_t)(uintptr_t)&getpid, 0, &f);   /* not intercepted by ASan */
	tap_ok(strncmp(f.module, "libc.so", 7) == 0, "a libc pc is in module libc (%s)", f.module);

	sym = lh_symbol_for_data(p, (uint64_t)(uintptr_t)&test_global_lock);
	tap_ok(sym && !strcmp(sym, "test_global_lock"), "global lock -> its symbol (%s)", sym ? sym : "NULL");
	sym = lh_symbol_for_data(p, (uint64_t)(uintptr_t)&test_pair.b);
	tap_ok(sym && !strncmp(sym, "test_pair+", 10), "lock inside a global struct -> symbol+offset (%s)", sym ? sym : "NULL");

	/* naming: symbol, annotation, init site */
	pcs[0] = (uint64_t)(uintptr_t)&return_address;
	pcs[1] = ra;
	s = add_stack(p, 0x42, pcs, 2);
	lg = add_lock(p, 1, (uint64_t)(uintptr_t)&test_global_lock, 0x42);
	lp = add_lock(p, 2, (uint64_t)(uintptr_t)&test_pair.b, 0x42);
	lheap = add_lock(p, 3, 0x10, 0x42);
	lann = add_lock(p, 4, 0x20, 0x42);
	lann->annotation = strdup("my lock");
	tap_ok(lh_model_name_locks(&m) == 0 && s->frames, "lh_model_name_locks");
	tap_ok(!strcmp(lg->name, "test_global_lock") && !strcmp(lg->cls->key, "sym:test_global_lock"),
	       "global lock: name and class from the symbol (%s, %s)", lg->name, lg->cls->key);
	tap_ok(!strcmp(lann->name, "my lock") && !strcmp(lann->cls->key, "name:my lock"),
	       "annotated lock: name and class from the annotation");
	tap_ok(strstr(lheap->name, "mutex at test_symbolize.c:") && !strncmp(lheap->cls->key, "site:return_address@test_symbolize.c:", 37) &&
	       lp->cls == lheap->cls,
	       "heap lock and struct member: classed by their init site (%s, %s; %s)", lheap->name, lheap->cls->key, lp->name);
	lh_model_free(&m);
	return tap_done();
}
