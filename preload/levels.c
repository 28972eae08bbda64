/*
 * levels.c - lock levels: the check at every acquisition, and the levels
 * file for binaries that cannot be changed.
 *
 * The rule (Nim's lock hierarchy; jemalloc's witness ranks): a thread that
 * holds locks with levels, the lowest of them M, may only acquire a lock of
 * level N < M.  N >= M is a violation, except N == M inside lh_lock_many
 * (which takes same-level locks in address order).  A leaf lock
 * (lh_lock_leaf) sits below every level: nothing may be acquired while it is
 * held.  Locks without a level are not checked (they stay in the lock-order
 * graph).  Checked before the thread can block; one finding per pair of
 * sites (held lock's acquisition stack, caller of the violating lock call).
 *
 * Levels file: "LOCKNAME LEVEL" a line, '#' comments.  LOCKNAME is looked up
 * as a defined object symbol in the .symtab and .dynsym of the executable
 * and every loaded library (parsed here from an mmap of the file, at init,
 * outside any interceptor); a name that is no symbol is kept as an
 * annotation name for lh_lock_name() and reported as unknown.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "shim.h"

int lh_levels_active;

struct lv_ent {
	uintptr_t addr;           /* 0 for an annotation name only            */
	int64_t level;
	char *name;
};
static struct lv_ent *lv;
static size_t lv_n, lv_cap;

/* ---- the check -------------------------------------------------------------- */

void acq_check_level(struct lh_thread *t, struct lh_lock *lk, uint64_t id, uint32_t mode, void *caller)
{
	int64_t n = atomic_load_explicit(&lk->level, memory_order_relaxed), m = LH_NO_LEVEL;
	lh_finding_part parts[2];
	char tb[24], nb[24], mb[24], name1[160], name2[160];
	int hi = -1;
	uint32_t i, serial;

	if (lk->attrs & LH_ATTR_LEAF && n == LH_NO_LEVEL)
		n = LH_LEVEL_LEAF;
	for (i = 0; i < t->nheld; i++)
		if (t->held[i].level != LH_NO_LEVEL && (m == LH_NO_LEVEL || t->held[i].level < m)) {
			m = t->held[i].level;
			hi = (int)i;
		}
	if (hi < 0)
		return;
	if (m != LH_LEVEL_LEAF && n == LH_NO_LEVEL)
		return;
	if (n != LH_NO_LEVEL && n < m)
		return;
	if (n == m && t->in_many && m != LH_LEVEL_LEAF)
		return;
	if (t->held[hi].lk == lk)
		return;             /* relock: reported elsewhere */
	serial = finding_once(LH_FIND_LEVEL_VIOLATION, 0, t->held[hi].stack ^ t->held[hi].id,
			(uint64_t)(uintptr_t)caller ^ id);
	if (!serial)
		return;
	lh_in_shim = 1;
	memset(parts, 0, sizeof(parts));
	parts[0].tid = t->tid;
	parts[0].role = LH_ROLE_HOLDS;
	parts[0].lock = t->held[hi].id;
	parts[0].stack = t->held[hi].stack;
	parts[0].level = m;
	parts[0].mode = t->held[hi].mode;
	parts[1].tid = t->tid;
	parts[1].role = LH_ROLE_WAITS;
	parts[1].lock = id;
	parts[1].stack = stack_here(lh_opt.stack_depth ? (int)lh_opt.stack_depth : 24);
	parts[1].level = n;
	parts[1].mode = mode;
	finding_write(t, LH_FIND_LEVEL_VIOLATION, 0, 0, serial, parts, 2,
			m == LH_LEVEL_LEAF ? "lock acquired while holding a leaf lock"
					   : "lock acquired at a level not below the lowest level held");
	lock_label(lk, name1, sizeof(name1));
	lock_label(t->held[hi].lk, name2, sizeof(name2));
	if (m == LH_LEVEL_LEAF)
		lh_say("level violation: thread T", fmt_u64(tb, t->tid), " acquires ", name1,
				" while holding leaf lock ", name2, LH_END);
	else
		lh_say("level violation: thread T", fmt_u64(tb, t->tid), " acquires ", name1, " (level ",
				n == LH_LEVEL_LEAF ? "leaf" : (n < 0 ? "-" : ""),
				n == LH_LEVEL_LEAF ? "" : fmt_u64(nb, (uint64_t)(n < 0 ? -n : n)),
				") while holding ", name2, " (level ", m < 0 ? "-" : "",
				fmt_u64(mb, (uint64_t)(m < 0 ? -m : m)), "); rule: acquire only levels below the lowest held",
				LH_END);
	lh_say("  acquired at:", LH_END);
	finding_print_stack(parts[1].stack);
	lh_say("  held lock taken at:", LH_END);
	finding_print_stack(parts[0].stack);
	tw_flush(tw_buf(t));
	lh_in_shim = 0;
}

/* ---- lookups ------------------------------------------------------------------- */

int64_t levels_for_addr(uintptr_t addr)
{
	size_t i;

	for (i = 0; i < lv_n; i++)
		if (lv[i].addr == addr)
			return lv[i].level;
	return LH_NO_LEVEL;
}

int64_t levels_for_name(const char *name)
{
	size_t i;

	for (i = 0; i < lv_n; i++)
		if (lv[i].name && !strcmp(lv[i].name, name))
			return lv[i].level;
	return LH_NO_LEVEL;
}

/* ---- ELF symbol tables ------------------------------------------------------------ */

struct lv_find {
	const char *name;
	uintptr_t addr;
	size_t size;
};

/*
 * Call cb(name, address, size, is_global, data) for every defined object
 * symbol (STT_OBJECT) in the .symtab and .dynsym of the ELF file at `path`
 * loaded with load bias `bias`; a non-zero return from cb stops the walk and
 * is returned.  The file is mmap'd and parsed in place: no malloc.  A symbol
 * present in both tables is reported twice.
 */
static int elf_objects(const char *path, uintptr_t bias, levels_sym_fn cb, void *data)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), stop = 0;
	struct stat st;
	const unsigned char *m;
	const ElfW(Ehdr) *eh;
	const ElfW(Shdr) *sh;
	size_t i;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(*eh)) {
		close(fd);
		return 0;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return 0;
	eh = (const ElfW(Ehdr) *)m;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff == 0 || eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > (size_t)st.st_size)
		goto out;
	sh = (const ElfW(Shdr) *)(m + eh->e_shoff);
	for (i = 0; i < eh->e_shnum && !stop; i++) {
		const ElfW(Sym) *sym;
		const char *str;
		size_t k, n;

		if (sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM)
			continue;
		if (sh[i].sh_link >= eh->e_shnum ||
		    sh[i].sh_offset + sh[i].sh_size > (size_t)st.st_size ||
		    sh[sh[i].sh_link].sh_offset + sh[sh[i].sh_link].sh_size > (size_t)st.st_size)
			continue;
		sym = (const ElfW(Sym) *)(m + sh[i].sh_offset);
		str = (const char *)(m + sh[sh[i].sh_link].sh_offset);
		n = sh[i].sh_size / sizeof(*sym);
		for (k = 0; k < n && !stop; k++) {
			if (sym[k].st_shndx == SHN_UNDEF || sym[k].st_name >= sh[sh[i].sh_link].sh_size)
				continue;
			if (ELF64_ST_TYPE(sym[k].st_info) != STT_OBJECT)
				continue;
			if (memchr(str + sym[k].st_name, 0, sh[sh[i].sh_link].sh_size - sym[k].st_name) == NULL)
				continue;
			stop = cb(str + sym[k].st_name, bias + sym[k].st_value, (size_t)sym[k].st_size,
					ELF64_ST_BIND(sym[k].st_info) != STB_LOCAL, data);
		}
	}
out:
	munmap((void *)m, (size_t)st.st_size);
	return stop;
}

struct lv_each {
	levels_sym_fn cb;
	void *data;
	char exe[4096];
};

static int lv_each_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct lv_each *e = data;
	const char *path = info->dlpi_name;

	(void)size;
	if (!path || !*path)
		path = e->exe;
	if (!*path || !strncmp(path, "linux-vdso", 10))
		return 0;
	return elf_objects(path, info->dlpi_addr, e->cb, e->data);
}

int levels_sym_each(levels_sym_fn cb, void *data)
{
	struct lv_each *e = arena_alloc(sizeof(*e));
	ssize_t n;
	int r;

	if (!e)
		return -ENOMEM;
	e->cb = cb;
	e->data = data;
	n = readlink("/proc/self/exe", e->exe, sizeof(e->exe) - 1);
	e->exe[n > 0 ? n : 0] = 0;
	r = dl_iterate_phdr(lv_each_cb, e);
	arena_free(e, sizeof(*e));
	return r;
}

static int lv_find_cb(const char *name, uintptr_t addr, size_t size, int global, void *data)
{
	struct lv_find *f = data;

	if (strcmp(name, f->name) != 0 || (f->addr && !global))
		return 0;
	f->addr = addr;
	f->size = size;
	return global;           /* a local (static) one may be bettered by a global */
}

int levels_sym_find(const char *name, uintptr_t *addr, size_t *size)
{
	struct lv_find f;

	memset(&f, 0, sizeof(f));
	f.name = name;
	levels_sym_each(lv_find_cb, &f);
	if (!f.addr)
		return -ENOENT;
	*addr = f.addr;
	if (size)
		*size = f.size;
	return 0;
}

static void lv_err(const char *file, unsigned line, const char *a, const char *b, const char *c)
{
	char lb[24];

	lh_say("levels ", file, ":", fmt_u64(lb, line), ": ", a, b, c, LH_END);
}

static int lv_add(uintptr_t addr, int64_t level, const char *name, size_t nl)
{
	if (lv_n == lv_cap) {
		size_t cap = lv_cap ? 2 * lv_cap : 16;
		struct lv_ent *n = arena_alloc(cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		if (lv)
			memcpy(n, lv, lv_n * sizeof(*n));
		arena_free(lv, lv_cap * sizeof(*n));
		lv = n;
		lv_cap = cap;
	}
	lv[lv_n].addr = addr;
	lv[lv_n].level = level;
	lv[lv_n].name = arena_alloc(nl + 1);
	if (lv[lv_n].name)
		memcpy(lv[lv_n].name, name, nl);
	lv_n++;
	return 0;
}

int levels_load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *text;
	size_t len, pos = 0;
	unsigned line = 0;

	if (fd < 0) {
		lh_say("levels ", path, ": ", strerror(errno), LH_END);
		return -errno;
	}
	if (fstat(fd, &st) || !(text = arena_alloc((size_t)st.st_size + 1))) {
		close(fd);
		return -ENOMEM;
	}
	len = 0;
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, text + len, (size_t)st.st_size - len);

		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	while (pos < len) {
		char *l = text + pos, *end = memchr(l, '\n', len - pos), name[256], num[64];
		size_t ll, i = 0, nl, vl;
		int64_t level = 0;
		int neg = 0, bad = 0;
		uintptr_t addr = 0;

		ll = end ? (size_t)(end - l) : len - pos;
		pos += ll + 1;
		line++;
		while (i < ll && (l[i] == ' ' || l[i] == '\t' || l[i] == '\r'))
			i++;
		if (i == ll || l[i] == '#')
			continue;
		nl = 0;
		while (i < ll && l[i] != ' ' && l[i] != '\t' && l[i] != '#' && l[i] != '\r') {
			if (nl < sizeof(name) - 1)
				name[nl++] = l[i];
			i++;
		}
		name[nl] = 0;
		while (i < ll && (l[i] == ' ' || l[i] == '\t'))
			i++;
		vl = 0;
		while (i < ll && l[i] != ' ' && l[i] != '\t' && l[i] != '#' && l[i] != '\r') {
			if (vl < sizeof(num) - 1)
				num[vl++] = l[i];
			i++;
		}
		num[vl] = 0;
		while (i < ll && (l[i] == ' ' || l[i] == '\t' || l[i] == '\r'))
			i++;
		if (vl == 0 || (i < ll && l[i] != '#')) {
			lv_err(path, line, "malformed line (expected 'LOCKNAME LEVEL')", "", "");
			continue;
		}
		for (i = 0; i < vl; i++) {
			if (i == 0 && num[0] == '-' && vl > 1) {
				neg = 1;
				continue;
			}
			if (num[i] < '0' || num[i] > '9' || level > (INT64_MAX - 9) / 10) {
				bad = 1;
				break;
			}
			level = level * 10 + (num[i] - '0');
		}
		if (bad) {
			lv_err(path, line, "bad level '", num, "' (expected an integer)");
			continue;
		}
		if (neg)
			level = -level;
		if (levels_for_name(name) != LH_NO_LEVEL) {
			lv_err(path, line, "duplicate lock name '", name, "'; ignored");
			continue;
		}
		if (levels_sym_find(name, &addr, NULL))
			lv_err(path, line, "unknown symbol '", name,
					"' (kept as an annotation name for lh_lock_name)");
		lv_add(addr, level, name, nl);
	}
	lh_levels_active = lv_n > 0;
	return 0;
}
