/*
 * trace_writer.c - per-thread buffers sealed into CRC-32C blocks and
 * appended to lockhound.<pid>.trace (format: common/trace_format.h).
 *
 * A buffer's memory is [lh_block_header][records...]; sealing fills in the
 * header and writes header and records with one write(2) on the O_APPEND
 * descriptor, so blocks of different threads never interleave.
 *
 * The busy flag.  A buffer is written by its owner thread only, except at
 * process exit, exec, fork and fatal signals, when one thread flushes every
 * buffer.  Both sides take the buffer's busy flag (tid+1 of the taker) for
 * the short time they touch it.  A flusher running in a signal handler
 * never waits for a flag held by its own thread (it would wait forever): it
 * skips that buffer; for other threads it waits a bounded time, then skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arena.h"
#include "shim.h"

#define TBUF_SIZE (64u << 10)

int lh_trace_fd = -1;
struct lh_tbuf lh_pbuf;
_Atomic uint64_t lh_ndeps, lh_nlocks_written, lh_nthreads, lh_dropped, lh_exited_ops;
static uint64_t tw_start_ns;

struct lh_tbuf *tw_buf(struct lh_thread *t)
{
	return t ? &t->buf : &lh_pbuf;
}

static void tw_write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = lh_sys_write(lh_trace_fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Seal and write the buffer; the caller holds b->busy. */
static void tw_seal(struct lh_tbuf *b)
{
	lh_block_header *bh;

	if (!b->mem || b->used == 0)
		return;
	if (lh_trace_fd >= 0) {
		bh = (lh_block_header *)b->mem;
		bh->magic = LH_BLOCK_MAGIC;
		bh->payload_len = b->used;
		bh->crc32c = lh_crc32c(0, b->mem + sizeof(*bh), b->used);
		bh->writer_tid = b->tid;
		tw_write_all(b->mem, sizeof(*bh) + b->used);
	}
	b->used = 0;
}

static uint32_t tw_me(void)
{
	struct lh_thread *t = lh_self;

	return t ? t->tid + 1 : 0x7fffffffu;
}

static void tw_take(struct lh_tbuf *b)
{
	uint32_t me = tw_me(), z;

	for (;;) {
		z = 0;
		if (atomic_compare_exchange_weak_explicit(&b->busy, &z, me,
				memory_order_acquire, memory_order_relaxed))
			return;
		spin_relax();
	}
}

/* bounded take for flushers; 0 on success */
static int tw_take_bounded(struct lh_tbuf *b, int from_signal)
{
	uint32_t me = tw_me(), z;
	long i;

	for (i = 0; i < 2000000; i++) {
		z = 0;
		if (atomic_compare_exchange_weak_explicit(&b->busy, &z, me,
				memory_order_acquire, memory_order_relaxed))
			return 0;
		if (from_signal && z == me)
			return -1;
		spin_relax();
	}
	return -1;
}

static void tw_give(struct lh_tbuf *b)
{
	atomic_store_explicit(&b->busy, 0, memory_order_release);
}

static int tw_mem(struct lh_tbuf *b, size_t need)
{
	size_t sz = TBUF_SIZE;
	char *m;

	while (sz < need + sizeof(lh_block_header))
		sz *= 2;
	m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		arena_oom();
		return -ENOMEM;
	}
	if (b->mem)
		munmap(b->mem, b->mem_size);
	b->mem = m;
	b->mem_size = sz;
	b->cap = (uint32_t)(sz - sizeof(lh_block_header));
	b->used = 0;
	return 0;
}

void *tw_begin(struct lh_tbuf *b, uint32_t size)
{
	char *p;

	tw_take(b);
	if (b->mem && b->used + size > b->cap)
		tw_seal(b);
	if (!b->mem || size > b->cap) {
		if (tw_mem(b, size)) {
			atomic_fetch_add_explicit(&lh_dropped, 1, memory_order_relaxed);
			tw_give(b);
			return NULL;
		}
	}
	p = b->mem + sizeof(lh_block_header) + b->used;
	memset(p, 0, size);
	return p;
}

void tw_end(struct lh_tbuf *b, uint32_t size)
{
	b->used += size;
	tw_give(b);
}

void tw_flush(struct lh_tbuf *b)
{
	tw_take(b);
	tw_seal(b);
	tw_give(b);
}

void tw_release(struct lh_tbuf *b)
{
	tw_take(b);
	tw_seal(b);
	if (b->mem)
		munmap(b->mem, b->mem_size);
	b->mem = NULL;
	b->mem_size = 0;
	b->cap = 0;
	tw_give(b);
}

void tw_flush_all(int from_signal)
{
	struct lh_thread *t;

	for (t = thread_first(); t; t = t->next) {
		if (tw_take_bounded(&t->buf, from_signal))
			continue;
		tw_seal(&t->buf);
		tw_give(&t->buf);
	}
	if (tw_take_bounded(&lh_pbuf, from_signal) == 0) {
		tw_seal(&lh_pbuf);
		tw_give(&lh_pbuf);
	}
}

int tw_record(struct lh_thread *t, uint16_t type, const void *fixed, uint32_t fixed_len,
		const void *tail, uint32_t tail_len)
{
	struct lh_tbuf *b = tw_buf(t);
	uint32_t size = (uint32_t)LH_REC_ALIGN(fixed_len + tail_len);
	char *p = tw_begin(b, size);
	lh_rec_header *h;

	if (!p)
		return -ENOMEM;
	memcpy(p, fixed, fixed_len);
	if (tail_len)
		memcpy(p + fixed_len, tail, tail_len);
	h = (lh_rec_header *)p;
	h->type = type;
	h->size = size;
	tw_end(b, size);
	return 0;
}

/* ---- the file ----------------------------------------------------------- */

static size_t tw_path(char *buf, size_t len, uint64_t pid, unsigned n)
{
	char num[24];
	size_t i = 0;
	const char *dir = lh_opt.trace_dir && *lh_opt.trace_dir ? lh_opt.trace_dir : ".";
	const char *parts[6];
	int k, np = 0;

	parts[np++] = dir;
	parts[np++] = "/lockhound.";
	parts[np++] = fmt_u64(num, pid);
	for (k = 0; k < np; k++) {
		size_t l = strlen(parts[k]);

		if (i + l >= len)
			return 0;
		memcpy(buf + i, parts[k], l);
		i += l;
	}
	if (n) {
		char nb[24];
		size_t l;

		fmt_u64(nb, n);
		l = strlen(nb);
		if (i + l + 1 >= len)
			return 0;
		buf[i++] = '.';
		memcpy(buf + i, nb, l);
		i += l;
	}
	if (i + 7 >= len)
		return 0;
	memcpy(buf + i, ".trace", 7);
	return i + 6;
}

int tw_open(int forked, uint64_t ppid)
{
	char path[4096];
	uint64_t pid = (uint64_t)getpid();
	lh_file_header fh;
	struct timespec ts;
	unsigned n;
	int fd = -1;

	if (lh_trace_fd >= 0)
		close(lh_trace_fd);
	lh_trace_fd = -1;
	for (n = 0; n < 1000; n++) {
		if (!tw_path(path, sizeof(path), pid, n))
			break;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		lh_say("cannot create trace file ", path, ": ", strerror(errno), "; not tracing", LH_END);
		return -errno;
	}
	lh_trace_fd = fd;
	memset(&fh, 0, sizeof(fh));
	memcpy(fh.magic, LH_TRACE_MAGIC, 8);
	fh.version = LH_TRACE_VERSION;
	fh.header_size = sizeof(fh);
	fh.pid = pid;
	fh.ppid = ppid;
	clock_gettime(CLOCK_REALTIME, &ts);
	fh.start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	tw_start_ns = fh.start_ns;
	fh.flags = (lh_opt.full ? LH_FILE_FULL : 0) | (forked ? LH_FILE_FORKED : 0);
	tw_write_all((const char *)&fh, sizeof(fh));
	return 0;
}

/* ---- PROCESS and MODULE records ------------------------------------------- */

struct tw_mod {
	uintptr_t base, lo, hi;
	int live, seen;
};
static struct tw_mod *tw_mods;
static size_t tw_nmods, tw_capmods;
static lh_spin tw_mod_lock;
static char tw_exe[4096];

static void tw_module_record(struct lh_thread *t, const struct tw_mod *m, const char *path, uint16_t flags)
{
	lh_rec_module rec;

	memset(&rec, 0, sizeof(rec));
	rec.h.flags = flags;
	rec.base = m->base;
	rec.lo = m->lo;
	rec.hi = m->hi;
	tw_record(t, LH_REC_MODULE, &rec, sizeof(rec), path, (uint32_t)strlen(path) + 1);
}

static int tw_module_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct lh_thread *t = data;
	struct tw_mod m = { info->dlpi_addr, UINTPTR_MAX, 0, 1, 1 };
	const char *path = info->dlpi_name;
	uint16_t flags = 0;
	size_t i;
	int k;

	(void)size;
	for (k = 0; k < info->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[k];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < m.lo)
			m.lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > m.hi)
			m.hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (m.hi == 0)
		return 0;
	for (i = 0; i < tw_nmods; i++)
		if (tw_mods[i].live && tw_mods[i].base == m.base && tw_mods[i].lo == m.lo) {
			tw_mods[i].seen = 1;
			return 0;
		}
	if (tw_nmods == 0) {
		flags = LH_MOD_MAIN;
		path = tw_exe;
	}
	if (!path || !*path)
		path = "";
	if (tw_nmods == tw_capmods) {
		size_t cap = tw_capmods ? 2 * tw_capmods : 32;
		struct tw_mod *n = arena_alloc(cap * sizeof(*n));

		if (!n)
			return 0;
		if (tw_mods)
			memcpy(n, tw_mods, tw_nmods * sizeof(*n));
		arena_free(tw_mods, tw_capmods * sizeof(*n));
		tw_mods = n;
		tw_capmods = cap;
	}
	tw_mods[tw_nmods++] = m;
	tw_module_record(t, &m, path, flags);
	return 0;
}

void tw_modules_rescan(struct lh_thread *t)
{
	size_t i;
	int saved = lh_in_shim;

	lh_in_shim = 1;
	spin_lock(&tw_mod_lock);
	for (i = 0; i < tw_nmods; i++)
		tw_mods[i].seen = 0;
	dl_iterate_phdr(tw_module_cb, t);
	for (i = 0; i < tw_nmods; i++)
		if (tw_mods[i].live && !tw_mods[i].seen) {
			tw_mods[i].live = 0;
			tw_module_record(t, &tw_mods[i], "", LH_MOD_UNLOAD);
		}
	spin_unlock(&tw_mod_lock);
	lh_in_shim = saved;
}

static _Atomic unsigned long long tw_adds = ~0ull, tw_subs = ~0ull;

static int tw_counts_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	unsigned long long *c = data;

	if (size < offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
		return 1;
	c[0] = info->dlpi_adds;
	c[1] = info->dlpi_subs;
	return 1;
}

/* Rescan when a library was loaded or unloaded since the last scan. */
void tw_modules_maybe_rescan(struct lh_thread *t)
{
	unsigned long long c[2] = { 0, 0 };
	int saved = lh_in_shim;

	lh_in_shim = 1;
	dl_iterate_phdr(tw_counts_cb, c);
	lh_in_shim = saved;
	if (c[0] == atomic_load(&tw_adds) && c[1] == atomic_load(&tw_subs))
		return;
	atomic_store(&tw_adds, c[0]);
	atomic_store(&tw_subs, c[1]);
	tw_modules_rescan(t);
}

void tw_process_and_modules(uint64_t fork_lock_id)
{
	struct lh_thread *t = lh_self;
	lh_rec_process rec;
	size_t cap = 4096, len = 0, exelen;
	char *buf = NULL, *nb;
	uint32_t argc = 0;
	ssize_t r, e;
	size_t i;
	int fd;

	e = readlink("/proc/self/exe", tw_exe, sizeof(tw_exe) - 1);
	tw_exe[e > 0 ? e : 0] = 0;
	exelen = strlen(tw_exe) + 1;
	buf = arena_alloc(cap);
	if (!buf) {                 /* out of memory: the exe path, no argv */
		buf = tw_exe;
		len = exelen;
		cap = 0;
		goto record;
	}
	memcpy(buf, tw_exe, exelen);
	len = exelen;
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	while (fd >= 0) {
		if (cap - len < 1024) {
			nb = arena_alloc(cap * 2);
			if (!nb)
				break;
			memcpy(nb, buf, len);
			arena_free(buf, cap);
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (fd >= 0)
		close(fd);
	if (len > exelen && buf[len - 1] != 0)
		buf[len++] = 0;
	for (i = exelen; i < len; i++)
		if (buf[i] == 0)
			argc++;
record:
	memset(&rec, 0, sizeof(rec));
	rec.pid = (uint64_t)getpid();
	rec.ppid = (uint64_t)getppid();
	rec.fork_lock_id = fork_lock_id;
	rec.argc = argc;
	tw_record(t, LH_REC_PROCESS, &rec, sizeof(rec), buf, (uint32_t)len);
	if (cap)
		arena_free(buf, cap);
	spin_lock(&tw_mod_lock);
	tw_nmods = 0;
	spin_unlock(&tw_mod_lock);
	atomic_store(&tw_adds, ~0ull);
	tw_modules_maybe_rescan(t);
}

void tw_stats(struct lh_thread *t)
{
	lh_rec_stats rec;
	struct lh_thread *u;
	uint64_t ops = atomic_load(&lh_exited_ops);

	for (u = thread_first(); u; u = u->next)
		if (!atomic_load(&u->exited))
			ops += u->lock_ops;
	memset(&rec, 0, sizeof(rec));
	rec.lock_ops = ops;
	rec.deps = atomic_load(&lh_ndeps);
	rec.locks = atomic_load(&lh_nlocks_written);
	rec.threads = atomic_load(&lh_nthreads);
	rec.stacks = atomic_load(&lh_nstacks);
	rec.dropped = atomic_load(&lh_dropped);
	tw_record(t, LH_REC_STATS, &rec, sizeof(rec), NULL, 0);
	finding_counts_write(t);
}

void tw_lock_record(struct lh_thread *t, struct lh_lock *lk, uint64_t id, uint64_t stack)
{
	lh_rec_lock rec;
	const char *name = atomic_load_explicit(&lk->name, memory_order_acquire);

	memset(&rec, 0, sizeof(rec));
	rec.id = id;
	rec.addr = lk->addr;
	rec.init_stack = stack;
	rec.kind = lk->kind;
	rec.attrs = lk->attrs;
	tw_record(t, LH_REC_LOCK, &rec, sizeof(rec), name ? name : "", name ? (uint32_t)strlen(name) + 1 : 1);
	atomic_fetch_add_explicit(&lh_nlocks_written, 1, memory_order_relaxed);
}

/* fork child: buffers of the other (vanished) threads are discarded; the
 * surviving thread's buffer was flushed by the parent before fork. */
void tw_fork_child(void)
{
	struct lh_thread *t;

	for (t = thread_first(); t; t = t->next) {
		atomic_store(&t->buf.busy, 0);
		t->buf.used = 0;
	}
	atomic_store(&lh_pbuf.busy, 0);
	lh_pbuf.used = 0;
	spin_reset(&tw_mod_lock);
}
