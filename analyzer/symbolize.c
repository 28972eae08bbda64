/*
 * symbolize.c - program counters to function, file, line and module, offline,
 * with libdwfl.
 *
 * One Dwfl per process, built lazily from its MODULE records (a forked
 * child that wrote none uses its parent's).  Each module is reported with
 * dwfl_report_elf at its load bias; objects that no longer exist on disk
 * (vdso, deleted files) are skipped and their pcs keep only the module
 * name.  Results are cached per (pc, return-address flag); every string a
 * frame points to is interned in the process's cache and lives until
 * lh_model_free.
 *
 * Return addresses (every frame but the innermost) are looked up at pc - 1
 * so that a call that is the last instruction of a function, or of a line,
 * is attributed to the caller's line, not the next one.
 */
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer.h"
#include "symbolize.h"

typedef struct sym_str {
	UT_hash_handle hh;
	char           s[];                /* key */
} sym_str;

typedef struct sym_pc {
	uint64_t       key;                /* pc << 1 | ret (user pcs < 2^63) */
	lh_frame       f;
	UT_hash_handle hh;
} sym_pc;

typedef struct sym_state {
	Dwfl     *dwfl;                    /* NULL if nothing could be reported */
	int       tried;
	sym_str  *strs;
	sym_pc   *pcs;
} sym_state;

static const Dwfl_Callbacks sym_callbacks = {
	.find_elf        = NULL,
	.find_debuginfo  = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static const char *sym_intern(sym_state *st, const char *s)
{
	sym_str *e = NULL;
	size_t n;

	if (!s || !*s)
		return "";
	n = strlen(s);
	HASH_FIND(hh, st->strs, s, n, e);
	if (e)
		return e->s;
	e = malloc(sizeof(*e) + n + 1);
	if (!e)
		return "";
	memcpy(e->s, s, n + 1);
	HASH_ADD_KEYPTR(hh, st->strs, e->s, n, e);
	return e->s;
}

/* The process whose module list describes p's address space. */
static lh_process *sym_owner(lh_process *p)
{
	while (p->nmodules == 0 && p->parent)
		p = p->parent;
	return p;
}

static sym_state *sym_get(lh_process *p)
{
	sym_state *st = p->dwfl;

	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	p->dwfl = st;
	return st;
}

static Dwfl *sym_dwfl(lh_process *p, sym_state *st)
{
	int reported = 0;

	if (st->tried)
		return st->dwfl;
	st->tried = 1;
	st->dwfl = dwfl_begin(&sym_callbacks);
	if (!st->dwfl)
		return NULL;
	dwfl_report_begin(st->dwfl);
	for (size_t i = 0; i < p->nmodules; i++) {
		const lh_module *mod = &p->modules[i];
		const char *base = strrchr(mod->path, '/');

		struct stat sb;

		if (mod->path[0] != '/')
			continue;          /* vdso, anonymous */
		/* only regular files: a trace naming a FIFO or a device must
		 * not make the analysis block in open(2) or read forever */
		if (stat(mod->path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (dwfl_report_elf(st->dwfl, base ? base + 1 : mod->path, mod->path,
				    -1, mod->base, false))
			reported++;
	}
	dwfl_report_end(st->dwfl, NULL, NULL);
	if (!reported) {
		dwfl_end(st->dwfl);
		st->dwfl = NULL;
	}
	return st->dwfl;
}

/* C++ names through libstdc++'s __cxa_demangle when it can be loaded. */
typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

static char *sym_demangle(const char *name)
{
	static demangle_fn fn;
	static int tried;
	int status = -1;
	char *out;

	if (strncmp(name, "_Z", 2) != 0)
		return NULL;
	if (!tried) {
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);

		tried = 1;
		if (h)
			*(void **)&fn = dlsym(h, "__cxa_demangle");
	}
	if (!fn)
		return NULL;
	out = fn(name, NULL, NULL, &status);
	if (status != 0) {
		free(out);
		return NULL;
	}
	// cppcheck-suppress returnDanglingLifetime ; status is only an out parameter
	return out;
}

static const char *sym_basename(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* Module of pc from the MODULE records alone (no debug info needed). */
static const lh_module *sym_module_of(const lh_process *p, uint64_t pc)
{
	for (size_t i = p->nmodules; i-- > 0;)
		if (pc >= p->modules[i].lo && pc < p->modules[i].hi)
			return &p->modules[i];
	return NULL;
}

/* The compilation directory of a CU DIE, or NULL. */
static const char *sym_comp_dir(Dwarf_Die *cu)
{
	Dwarf_Attribute a;

	if (!cu || !dwarf_attr(cu, DW_AT_comp_dir, &a))
		return NULL;
	return dwarf_formstring(&a);
}

/* Source line of addr when libdwfl found none: objects without
 * .debug_aranges (clang does not emit it) defeat dwfl_module_getsrc in
 * elfutils 0.188, so walk the compilation units and ask the one whose
 * ranges hold the address.  *dir gets the CU's compilation directory. */
static const char *sym_line_by_cu(Dwfl_Module *mod, uint64_t addr, int *line, const char **dir)
{
	Dwarf_Addr bias = 0;
	Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (!dw)
		return NULL;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_haspc(&cu, addr - bias) == 1) {
			Dwarf_Line *l = dwarf_getsrc_die(&cu, addr - bias);
			const char *file = l ? dwarf_linesrc(l, NULL, NULL) : NULL;

			if (file && dwarf_lineno(l, line) == 0) {
				*dir = sym_comp_dir(&cu);
				return file;
			}
			return NULL;
		}
		off = next;
	}
	return NULL;
}

int lh_symbolize_pc(lh_process *p, uint64_t pc, int ret, lh_frame *f)
{
	lh_process *o = sym_owner(p);
	sym_state *st = sym_get(o);
	uint64_t key = pc << 1 | (ret ? 1u : 0u);
	uint64_t addr = ret && pc ? pc - 1 : pc;
	const lh_module *lm;
	sym_pc *e = NULL;
	Dwfl *d;

	f->pc = pc;
	f->function = f->file = f->module = f->dir = "";
	f->line = 0;
	if (!st)
		return -ENOMEM;
	HASH_FIND(hh, st->pcs, &key, sizeof(key), e);
	if (e) {
		*f = e->f;
		return 0;
	}
	lm = sym_module_of(o, addr);
	if (lm)
		f->module = sym_intern(st, sym_basename(lm->path));
	d = sym_dwfl(o, st);
	if (d) {
		Dwfl_Module *mod = dwfl_addrmodule(d, addr);

		if (mod) {
			const char *mname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
			const char *fn = dwfl_module_addrname(mod, addr);
			Dwfl_Line *ln = dwfl_module_getsrc(mod, addr);

			if (mname && !*f->module)
				f->module = sym_intern(st, sym_basename(mname));
			if (fn) {
				char *dm = sym_demangle(fn);
				char plain[512];
				const char *at = strchr(fn, '@');

				/* "__libc_start_main@@GLIBC_2.34" -> "__libc_start_main" */
				if (!dm && at && (size_t)(at - fn) < sizeof(plain)) {
					memcpy(plain, fn, (size_t)(at - fn));
					plain[at - fn] = '\0';
					fn = plain;
				}
				f->function = sym_intern(st, dm ? dm : fn);
				free(dm);
			}
			int line = 0;
			const char *dir = NULL;
			const char *file = ln ? dwfl_lineinfo(ln, NULL, &line, NULL, NULL, NULL)
					      : sym_line_by_cu(mod, addr, &line, &dir);

			if (file) {
				f->file = sym_intern(st, file);
				f->line = line;
				if (file[0] != '/') {
					Dwarf_Addr bias = 0;

					if (ln)
						dir = sym_comp_dir(dwfl_module_addrdie(mod, addr, &bias));
					if (dir && dir[0])
						f->dir = sym_intern(st, dir);
				}
			}
		}
	}
	e = calloc(1, sizeof(*e));
	if (e) {
		e->key = key;
		e->f = *f;
		HASH_ADD(hh, st->pcs, key, sizeof(e->key), e);
	}
	return 0;
}

int lh_symbolize_stack(lh_process *p, lh_stack *s)
{
	if (!s || s->frames)
		return 0;
	s->frames = calloc(s->depth ? s->depth : 1, sizeof(*s->frames));
	if (!s->frames)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->depth; i++)
		lh_symbolize_pc(p, s->pcs[i], i > 0, &s->frames[i]);
	return 0;
}

/* The process holding stack s (findings normally say; search otherwise). */
static lh_process *sym_stack_proc(lh_model *m, lh_process *hint, const lh_stack *s)
{
	if (hint && lh_stack_find(hint, s->id) == s)
		return hint;
	for (size_t i = 0; i < m->nprocs; i++)
		if (lh_stack_find(m->procs[i], s->id) == s)
			return m->procs[i];
	return hint;
}

static int sym_finding(lh_model *m, lh_finding *f)
{
	int rc = 0;

	for (size_t i = 0; i < f->nevents; i++) {
		lh_stack *s = f->events[i].stack;
		lh_process *p;

		if (!s)
			continue;
		p = sym_stack_proc(m, f->proc, s);
		if (p && lh_symbolize_stack(p, s))
			rc = -ENOMEM;
	}
	for (size_t i = 0; i < f->nthreads; i++) {
		lh_stack *s = f->threads[i] ? f->threads[i]->created_at : NULL;
		lh_process *p = s ? sym_stack_proc(m, f->proc, s) : NULL;

		if (p && lh_symbolize_stack(p, s))
			rc = -ENOMEM;
	}
	for (size_t i = 0; i < f->nlocks; i++) {
		lh_lock *l = f->locks[i];
		lh_stack *s = l ? lh_stack_find(l->proc, l->init_stack) : NULL;

		if (s && lh_symbolize_stack(l->proc, s))
			rc = -ENOMEM;
	}
	return rc;
}

int lh_symbolize_findings(lh_model *m)
{
	int rc = 0;

	for (size_t i = 0; i < m->nfindings; i++)
		if (sym_finding(m, &m->findings[i]))
			rc = -ENOMEM;
	for (size_t i = 0; i < m->npruned; i++)
		if (sym_finding(m, &m->pruned[i].cycle))
			rc = -ENOMEM;
	return rc;
}

int lh_symbolize_model(lh_model *m)
{
	int rc = 0;

	for (size_t i = 0; i < m->nprocs; i++) {
		lh_process *p = m->procs[i];
		for (lh_stack *s = p->stacks; s; s = s->hh.next)
			if (lh_symbolize_stack(p, s))
				rc = -ENOMEM;
	}
	return rc;
}

const char *lh_symbol_for_data(lh_process *p, uint64_t addr)
{
	lh_process *o = sym_owner(p);
	sym_state *st = sym_get(o);
	Dwfl_Module *mod;
	const char *name;
	GElf_Off off = 0;
	GElf_Sym sym;
	char buf[512];
	Dwfl *d;

	if (!st || !addr)
		return NULL;
	d = sym_dwfl(o, st);
	if (!d)
		return NULL;
	mod = dwfl_addrmodule(d, addr);
	if (!mod)
		return NULL;
	name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
	if (!name || !*name)
		return NULL;
	if (GELF_ST_TYPE(sym.st_info) != STT_OBJECT && GELF_ST_TYPE(sym.st_info) != STT_TLS)
		return NULL;
	if (off >= sym.st_size && !(off == 0 && sym.st_size == 0))
		return NULL;
	if (off == 0)
		return sym_intern(st, name);
	snprintf(buf, sizeof(buf), "%s+%llu", name, (unsigned long long)off);
	return sym_intern(st, buf);
}

void lh_symbolize_free(lh_process *p)
{
	sym_state *st = p->dwfl;
	sym_str *s, *s2;
	sym_pc *e, *e2;

	if (!st)
		return;
	/* HASH_CLEAR frees the table, the items' next links stay valid */
	e = st->pcs;
	HASH_CLEAR(hh, st->pcs);
	for (; e; e = e2) {
		e2 = e->hh.next;
		free(e);
	}
	s = st->strs;
	HASH_CLEAR(hh, st->strs);
	for (; s; s = s2) {
		s2 = s->hh.next;
		free(s);
	}
	if (st->dwfl)
		dwfl_end(st->dwfl);
	free(st);
	p->dwfl = NULL;
}
