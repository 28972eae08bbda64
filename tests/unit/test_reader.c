/*
 * test_reader.c - the trace reader against traces written by hand with the
 * format of common/trace_format.h: every record type, references resolved
 * across blocks, unknown records skipped, truncation at every byte, flipped
 * bytes, foreign files, wrong versions, forked children, 10M events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer.h"
#include "tap.h"
#include "trace_bytes.h"

/* ---- diagnostics captured --------------------------------------------- */

static char last_diag[1024];
static int ndiag;

static void diag_sink(const char *msg, void *arg)
{
	(void)arg;
	snprintf(last_diag, sizeof(last_diag), "%s", msg);
	ndiag++;
}

static long diag_offset(void)
{
	const char *b = strstr(last_diag, ": byte ");

	return b ? strtol(b + 7, NULL, 10) : -1;
}

/* ---- the sample trace ----------------------------------------------------- */

static char dir[256];

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* Writes the main sample: 4 blocks; deps and findings use locks and stacks
 * whose records come in later blocks. */
static void sample(tw *w)
{
	tw_header(w, LH_TRACE_VERSION, 100, 1, 0, 1000);
	{
		lh_rec_process p = { .pid = 100, .ppid = 1, .argc = 2 };
		static const char tail[] = "/bin/prog\0prog\0-x";

		tw_rec(w, LH_REC_PROCESS, &p, sizeof(p), tail, sizeof(tail));
	}
	{
		lh_rec_module m = { .h.flags = LH_MOD_MAIN, .base = 0x400000, .lo = 0x400000, .hi = 0x500000 };

		tw_rec(w, LH_REC_MODULE, &m, sizeof(m), "/bin/prog", 10);
	}
	{
		lh_rec_thread t = { .tid = 1, .parent_tid = 0 };

		tw_rec(w, LH_REC_THREAD, &t, sizeof(t), "", 1);
		t.tid = 2;
		t.parent_tid = 1;
		t.parent_seg = 0;
		t.create_stack = 0x5555;
		tw_rec(w, LH_REC_THREAD, &t, sizeof(t), "worker", 7);
	}
	{       /* DEP before its locks and stacks exist */
		struct { lh_rec_dep d; lh_dep_held h[1]; } d = {
			.d = { .tid = 2, .seg = 0, .lock = 11, .stack = 0x7777, .mode = LH_MODE_WRITE, .nheld = 1 },
			.h = { { .lock = 10, .stack = 0x6666, .mode = LH_MODE_WRITE } },
		};

		tw_rec(w, LH_REC_DEP, &d, sizeof(d), NULL, 0);
	}
	tw_flush(w, 2);
	{
		lh_rec_lock l = { .id = 10, .addr = 0x601000, .init_stack = 0x6666, .kind = LH_LOCK_MUTEX };

		tw_rec(w, LH_REC_LOCK, &l, sizeof(l), "", 1);
		l.id = 11;
		l.addr = 0x601040;
		l.kind = LH_LOCK_RWLOCK;
		l.attrs = LH_ATTR_PREFER_WRITER;
		tw_rec(w, LH_REC_LOCK, &l, sizeof(l), "table lock", 11);
	}
	{
		lh_rec_lock_level lv = { .id = 10, .level = 20 };
		lh_rec_lock_name ln = { .id = 10 };
		lh_rec_lock_free lf = { .id = 11, .stack = 0x6666 };

		tw_rec(w, LH_REC_LOCK_LEVEL, &lv, sizeof(lv), NULL, 0);
		tw_rec(w, LH_REC_LOCK_NAME, &ln, sizeof(ln), "accounts", 9);
		tw_rec(w, LH_REC_LOCK_FREE, &lf, sizeof(lf), NULL, 0);
	}
	{       /* a record type from the future: skipped */
		lh_rec_header h = { 0 };
		static const char junk[21] = "from a future version";

		tw_rec(w, 99, &h, sizeof(h), junk, sizeof(junk));
	}
	{
		lh_rec_event e = { .tid = 1, .op = LH_EV_ACQUIRE, .mode = LH_MODE_WRITE, .lock = 10 };

		for (int i = 0; i < 3; i++)
			tw_rec(w, LH_REC_EVENT, &e, sizeof(e), NULL, 0);
	}
	tw_flush(w, 1);
	{
		struct { lh_rec_stack s; uint64_t pcs[3]; } s = {
			.s = { .id = 0x6666, .depth = 3 }, .pcs = { 0x401000, 0x401100, 0x401200 },
		};

		tw_rec(w, LH_REC_STACK, &s, sizeof(s), NULL, 0);
		s.s.id = 0x7777;
		s.s.depth = 1;
		tw_rec(w, LH_REC_STACK, &s, sizeof(s.s) + 8, NULL, 0);
		s.s.id = 0x5555;
		tw_rec(w, LH_REC_STACK, &s, sizeof(s.s) + 8, NULL, 0);
	}
	{
		lh_rec_thread_name tn = { .tid = 1 };
		lh_rec_join j = { .joiner = 1, .joiner_seg = 1, .joined = 2, .joined_seg = 0, .stack = 0x7777 };
		lh_rec_thread_exit x = { .tid = 2, .seg = 0, .held = 1 };

		tw_rec(w, LH_REC_THREAD_NAME, &tn, sizeof(tn), "main", 5);
		tw_rec(w, LH_REC_JOIN, &j, sizeof(j), NULL, 0);
		tw_rec(w, LH_REC_THREAD_EXIT, &x, sizeof(x), NULL, 0);
	}
	tw_flush(w, 1);
	{
		struct { lh_rec_finding f; lh_finding_part p[2]; } f = {
			.f = { .kind = LH_FIND_MISUSE, .subkind = LH_MIS_UNLOCK_NOT_HELD, .tid = 2, .nparts = 2, .err = 0 },
			.p = { { .tid = 2, .role = LH_ROLE_WAITS, .lock = 11, .stack = 0x7777, .level = LH_NO_LEVEL },
			       { .tid = 1, .role = LH_ROLE_HOLDS, .lock = 0, .stack = 0, .level = 5 } },
		};
		lh_rec_stats st = { .lock_ops = 42, .deps = 1, .locks = 2, .threads = 2, .stacks = 3 };
		lh_rec_region rg = { .h.flags = LH_REGION_API, .id = 1, .addr = 0x602000, .len = 64, .lock = 10,
				     .alloc_stack = 0x6666, .tid = 1, .seg = 0 };
		struct { lh_rec_access a; lh_access_lock locks[2]; } ac = {
			.a = { .h.flags = LH_ACCESS_WRITE, .seq = 7, .region = 1, .addr = 0x602008, .stack = 0x7777,
			       .tid = 2, .seg = 3, .nlocks = 2 },
			.locks = { { 10, LH_MODE_WRITE, 0 }, { 11, LH_MODE_READ, 0 } },
		};

		tw_rec(w, LH_REC_FINDING, &f, sizeof(f), "unlock of a mutex not held", 27);
		tw_rec(w, LH_REC_STATS, &st, sizeof(st), NULL, 0);
		tw_rec(w, LH_REC_REGION, &rg, sizeof(rg), "balance", 8);
		tw_rec(w, LH_REC_ACCESS, &ac, sizeof(ac), NULL, 0);
	}
	tw_flush(w, 2);
}

static void test_sample(void)
{
	char path[300];
	lh_model m;
	tw w;
	lh_process *p;
	lh_lock *l10, *l11;
	lh_thread *t1, *t2;
	lh_online *on;
	int rc;

	sample(&w);
	path_in(path, sizeof(path), "lockhound.100.trace");
	tw_save(&w, path, w.len);
	lh_model_init(&m);
	ndiag = 0;
	rc = lh_read_trace(&m, path);
	tap_ok(rc == 0 && ndiag == 0, "sample trace reads without error (rc %d, %s)", rc, ndiag ? last_diag : "");
	tap_ok(m.nprocs == 1, "one process");
	p = m.procs[0];
	tap_ok(p->pid == 100 && p->ppid == 1 && !strcmp(p->exe, "/bin/prog"), "PROCESS pid, ppid, exe");
	tap_ok(p->argc == 2 && !strcmp(p->argv[0], "prog") && !strcmp(p->argv[1], "-x"), "PROCESS argv");
	tap_ok(p->nmodules == 1 && p->modules[0].is_main && p->modules[0].base == 0x400000 &&
	       !strcmp(p->modules[0].path, "/bin/prog"), "MODULE");
	t1 = lh_thread_find(p, 1);
	t2 = lh_thread_find(p, 2);
	tap_ok(t1 && t2 && !strcmp(t1->name, "main") && !strcmp(t2->name, "worker") &&
	       t2->parent_tid == 1, "THREAD and THREAD_NAME");
	tap_ok(t2 && t2->created_at && t2->created_at->id == 0x5555, "thread creation stack resolved from a later block");
	tap_ok(t2 && t2->exited && t2->held_at_exit == 1, "THREAD_EXIT");
	tap_ok(p->njoins == 1 && p->joins[0].joiner == 1 && p->joins[0].joined == 2 &&
	       p->joins[0].joiner_seg == 1, "JOIN kept");
	tap_ok(t1 && t1->last_seg == 2, "joiner's last segment is after the join (%u)", t1 ? t1->last_seg : 0);
	l10 = lh_lock_find(p, 10);
	l11 = lh_lock_find(p, 11);
	tap_ok(l10 && !l10->placeholder && l10->addr == 0x601000 && l10->kind == LH_LOCK_MUTEX &&
	       l10->level == 20 && l10->annotation && !strcmp(l10->annotation, "accounts"),
	       "LOCK, LOCK_LEVEL, LOCK_NAME");
	tap_ok(l11 && l11->kind == LH_LOCK_RWLOCK && l11->attrs == LH_ATTR_PREFER_WRITER &&
	       l11->annotation && !strcmp(l11->annotation, "table lock") && l11->freed,
	       "LOCK with a name tail, LOCK_FREE");
	tap_ok(p->ndeps == 1 && p->deps[0].lock == l11 && p->deps[0].nheld == 1 &&
	       p->deps[0].held[0].lock == l10 && p->deps[0].held[0].stack == 0x6666 &&
	       p->deps[0].tid == 2 && p->deps[0].stack == 0x7777,
	       "DEP resolved to locks whose records come later");
	tap_ok(lh_stack_find(p, 0x6666) && lh_stack_find(p, 0x6666)->depth == 3 &&
	       lh_stack_find(p, 0x6666)->pcs[2] == 0x401200 && !lh_stack_find(p, 0), "STACK");
	on = p->online;
	tap_ok(p->nonline == 1 && on[0].kind == LH_FIND_MISUSE && on[0].subkind == LH_MIS_UNLOCK_NOT_HELD &&
	       on[0].nparts == 2 && on[0].parts[0].lock == l11 && on[0].parts[1].lock == NULL &&
	       on[0].parts[1].level == 5 && !strcmp(on[0].message, "unlock of a mutex not held"),
	       "FINDING kept as lh_online with resolved parts");
	tap_ok(p->has_stats && p->stats.lock_ops == 42, "STATS");
	tap_ok(p->event_records == 3 && p->events == 3, "EVENT records counted (events %llu)",
	       (unsigned long long)p->events);
	tap_ok(p->nregions == 1 && !strcmp(p->regions[0].name, "balance") && p->regions[0].len == 64 &&
	       p->regions[0].flags == LH_REGION_API && p->regions[0].lock == 10 &&
	       p->naccesses == 1 && p->accesses[0].nlocks == 2 && p->accesses[0].locks[1].lock == 11 &&
	       p->accesses[0].locks[1].mode == LH_MODE_READ && p->accesses[0].seq == 7 &&
	       p->accesses[0].write == 1 && (p->accesses[0].flags & LH_ACCESS_WRITE), "REGION and ACCESS");
	tap_ok(HASH_COUNT(p->locks) == 2, "no placeholder locks left");
	lh_model_free(&m);
	tw_free(&w);
}

/* Cuts the sample at every byte: never a crash; complete blocks kept; the
 * message names the offset of the block that was cut. */
static void test_truncation(void)
{
	char path[300];
	int bad_rc = 0, bad_off = 0, bad_keep = 0, total = 0;
	tw w;

	sample(&w);
	path_in(path, sizeof(path), "cut.trace");
	for (size_t n = 0; n < w.len; n++) {
		size_t start = sizeof(lh_file_header), whole = 0;
		int at_bound = n == sizeof(lh_file_header);
		lh_model m;
		int rc;

		for (size_t b = 0; b < w.nbounds; b++) {
			if (w.bounds[b] <= n) {
				start = w.bounds[b];
				whole = b + 1;
			}
			if (w.bounds[b] == n)
				at_bound = 1;
		}
		tw_save(&w, path, n);
		lh_model_init(&m);
		last_diag[0] = '\0';
		rc = lh_read_trace(&m, path);
		total++;
		if (n < sizeof(lh_file_header)) {
			if (rc != -EBADMSG || m.nprocs != 0)
				bad_rc++;
		} else if (at_bound) {
			if (rc != 0)
				bad_rc++;
		} else {
			if (rc != -EBADMSG)
				bad_rc++;
			if (diag_offset() != (long)start)
				bad_off++;
		}
		if (n >= sizeof(lh_file_header)) {
			/* the DEP is in block 1, the LOCKs in block 2 */
			lh_process *p = m.nprocs ? m.procs[0] : NULL;
			size_t want_deps = whole >= 1 ? 1 : 0;

			if (!p || p->ndeps != want_deps || (whole >= 2) != (lh_lock_find(p, 10) && !lh_lock_find(p, 10)->placeholder))
				bad_keep++;
		}
		lh_model_free(&m);
	}
	tap_ok(bad_rc == 0, "truncated at each of %d bytes: right return code (%d wrong)", total, bad_rc);
	tap_ok(bad_off == 0, "truncated: error names the offset of the cut block (%d wrong)", bad_off);
	tap_ok(bad_keep == 0, "truncated: every complete block kept, nothing more (%d wrong)", bad_keep);
	tw_free(&w);
}

static void test_damage(void)
{
	char path[300];
	lh_model m;
	size_t b1 = 0;
	tw w;
	int rc;

	sample(&w);
	path_in(path, sizeof(path), "flip.trace");
	b1 = w.bounds[0];
	/* a payload byte of block 2 */
	w.buf[b1 + sizeof(lh_block_header) + 3] ^= 0x40;
	tw_save(&w, path, w.len);
	lh_model_init(&m);
	rc = lh_read_trace(&m, path);
	tap_ok(rc == -EBADMSG && strstr(last_diag, "checksum") && diag_offset() == (long)b1,
	       "flipped payload byte: checksum error at the block's offset (%s)", last_diag);
	tap_ok(m.nprocs == 1 && m.procs[0]->ndeps == 1, "flipped byte: the block before it is kept");
	lh_model_free(&m);
	w.buf[b1 + sizeof(lh_block_header) + 3] ^= 0x40;

	/* block magic */
	w.buf[b1] ^= 1;
	tw_save(&w, path, w.len);
	lh_model_init(&m);
	rc = lh_read_trace(&m, path);
	tap_ok(rc == -EBADMSG && strstr(last_diag, "magic") && diag_offset() == (long)b1,
	       "bad block magic reported at its offset (%s)", last_diag);
	lh_model_free(&m);
	w.buf[b1] ^= 1;

	/* a record size that is not a multiple of 8, CRC recomputed */
	{
		uint8_t *pl = w.buf + sizeof(lh_file_header) + sizeof(lh_block_header);
		lh_block_header *bh = (void *)(w.buf + sizeof(lh_file_header));
		lh_rec_header *rh = (void *)pl;

		rh->size += 4;
		bh->crc32c = lh_crc32c(0, pl, bh->payload_len);
		tw_save(&w, path, w.len);
		lh_model_init(&m);
		rc = lh_read_trace(&m, path);
		tap_ok(rc == -EBADMSG && strstr(last_diag, "record size") &&
		       diag_offset() == (long)(sizeof(lh_file_header) + sizeof(lh_block_header)),
		       "bad record size reported at the record's offset (%s)", last_diag);
		lh_model_free(&m);
	}
	tw_free(&w);

	/* wrong version */
	tw_header(&w, LH_TRACE_VERSION + 1, 5, 1, 0, 0);
	tw_save(&w, path, w.len);
	lh_model_init(&m);
	rc = lh_read_trace(&m, path);
	tap_ok(rc == -EBADMSG && strstr(last_diag, "version") && m.nprocs == 0,
	       "another format version: clear error, nothing read (%s)", last_diag);
	lh_model_free(&m);
	tw_free(&w);

	/* foreign file */
	{
		FILE *f = fopen(path, "w");

		fputs("#!/bin/sh\necho this is not a trace, but it is long enough to have a header.......\n", f);
		fclose(f);
	}
	lh_model_init(&m);
	rc = lh_read_trace(&m, path);
	tap_ok(rc == -EBADMSG && strstr(last_diag, "not a lockhound trace") && m.nprocs == 0,
	       "foreign file: clear error (%s)", last_diag);
	lh_model_free(&m);

	/* empty file */
	tw_save(&(tw){ .buf = (uint8_t *)"" }, path, 0);
	lh_model_init(&m);
	rc = lh_read_trace(&m, path);
	tap_ok(rc == -EBADMSG && diag_offset() == 0, "empty file: error at byte 0 (%s)", last_diag);
	lh_model_free(&m);

	/* missing file */
	path_in(path, sizeof(path), "no-such.trace");
	lh_model_init(&m);
	rc = lh_read_trace(&m, path);
	tap_ok(rc == -ENOENT && strstr(last_diag, "no-such.trace"), "missing file: -ENOENT, named (%s)", last_diag);
	rc = lh_read_path(&m, path);
	tap_ok(rc == -ENOENT, "missing path: -ENOENT");
	lh_model_free(&m);
}

/* Parent (pid 200) has locks 1, 2; its forked child (pid 201) uses them in a
 * DEP and makes lock 3.  Either reading order links them. */
static void write_fork_pair(void)
{
	char path[300];
	tw w;

	tw_header(&w, LH_TRACE_VERSION, 200, 1, 0, 10);
	{
		lh_rec_process p = { .pid = 200, .ppid = 1, .argc = 0 };
		lh_rec_lock l = { .id = 1, .addr = 0x1000, .kind = LH_LOCK_MUTEX };

		tw_rec(&w, LH_REC_PROCESS, &p, sizeof(p), "/bin/parent", 12);
		tw_rec(&w, LH_REC_LOCK, &l, sizeof(l), "", 1);
		l.id = 2;
		l.addr = 0x2000;
		tw_rec(&w, LH_REC_LOCK, &l, sizeof(l), "", 1);
	}
	tw_flush(&w, 1);
	path_in(path, sizeof(path), "fork/lockhound.200.trace");
	tw_save(&w, path, w.len);
	tw_free(&w);

	tw_header(&w, LH_TRACE_VERSION, 201, 200, LH_FILE_FORKED, 20);
	{
		lh_rec_process p = { .pid = 201, .ppid = 200, .fork_lock_id = 3 };
		lh_rec_lock l = { .id = 3, .addr = 0x3000, .kind = LH_LOCK_MUTEX };
		struct { lh_rec_dep d; lh_dep_held h[2]; } d = {
			.d = { .tid = 1, .lock = 3, .nheld = 2 },
			.h = { { .lock = 1 }, { .lock = 2 } },
		};

		tw_rec(&w, LH_REC_PROCESS, &p, sizeof(p), "/bin/child", 11);
		tw_rec(&w, LH_REC_LOCK, &l, sizeof(l), "", 1);
		tw_rec(&w, LH_REC_DEP, &d, sizeof(d), NULL, 0);
	}
	tw_flush(&w, 1);
	path_in(path, sizeof(path), "fork/lockhound.201.trace");
	tw_save(&w, path, w.len);
	tw_free(&w);
}

static lh_process *proc_by_pid(lh_model *m, uint64_t pid)
{
	for (size_t i = 0; i < m->nprocs; i++)
		if (m->procs[i]->pid == pid)
			return m->procs[i];
	return NULL;
}

static void test_fork(void)
{
	char d[300], pp[300], cp[300];
	lh_process *par, *ch;
	lh_model m;
	int rc;

	path_in(d, sizeof(d), "fork");
	mkdir(d, 0700);
	write_fork_pair();
	lh_model_init(&m);
	rc = lh_read_path(&m, d);
	par = proc_by_pid(&m, 200);
	ch = proc_by_pid(&m, 201);
	tap_ok(rc == 0 && m.nprocs == 2 && par && ch && ch->parent == par, "directory: both traces, child linked to parent");
	tap_ok(ch && par && ch->ndeps == 1 && ch->deps[0].held[0].lock == lh_lock_find(par, 1) &&
	       ch->deps[0].held[1].lock->proc == par && ch->deps[0].lock->proc == ch,
	       "child's inherited lock ids resolve to the parent's locks");
	lh_model_free(&m);

	/* child first, then parent: placeholders adopted afterwards */
	path_in(pp, sizeof(pp), "fork/lockhound.200.trace");
	path_in(cp, sizeof(cp), "fork/lockhound.201.trace");
	lh_model_init(&m);
	rc = lh_read_trace(&m, cp);
	ch = m.procs[0];
	tap_ok(rc == 0 && ch->deps[0].held[0].lock->placeholder, "child alone: inherited locks are placeholders");
	rc = lh_read_trace(&m, pp);
	par = m.procs[1];
	tap_ok(rc == 0 && ch->parent == par && ch->deps[0].held[0].lock == lh_lock_find(par, 1) &&
	       HASH_COUNT(ch->locks) == 1, "parent read later: placeholders replaced by the parent's locks");
	lh_model_free(&m);
}

/* 10 million EVENT records in 64 KiB blocks: all counted. */
static void test_big(void)
{
	enum { N = 10 * 1000 * 1000, PER = (65536 - 16) / 24 };
	char path[300];
	FILE *f;
	lh_file_header h = { .version = LH_TRACE_VERSION, .header_size = 64, .pid = 300, .flags = LH_FILE_FULL };
	static lh_rec_event ev[PER];
	lh_model m;
	int rc;

	path_in(path, sizeof(path), "lockhound.300.trace");
	f = fopen(path, "w");
	memcpy(h.magic, LH_TRACE_MAGIC, 8);
	fwrite(&h, sizeof(h), 1, f);
	for (size_t i = 0; i < PER; i++) {
		ev[i].h.type = LH_REC_EVENT;
		ev[i].h.size = sizeof(lh_rec_event);
		ev[i].tid = 1 + (uint32_t)(i & 1);
		ev[i].op = (i & 2) ? LH_EV_RELEASE : LH_EV_ACQUIRE;
		ev[i].mode = LH_MODE_WRITE;
		ev[i].lock = 1 + i % 7;
	}
	for (size_t done = 0; done < N;) {
		size_t n = N - done < PER ? N - done : PER;
		lh_block_header b = { LH_BLOCK_MAGIC, (uint32_t)(n * sizeof(ev[0])), 0, 1 };

		b.crc32c = lh_crc32c(0, ev, b.payload_len);
		fwrite(&b, sizeof(b), 1, f);
		fwrite(ev, sizeof(ev[0]), n, f);
		done += n;
	}
	fclose(f);
	lh_model_init(&m);
	rc = lh_read_trace(&m, path);
	tap_ok(rc == 0 && m.nprocs == 1 && m.procs[0]->event_records == N && m.procs[0]->events == N,
	       "10M-event full trace: every event counted (rc %d)", rc);
	lh_model_free(&m);
	unlink(path);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_reader.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	lh_diag_set_sink(diag_sink, NULL);
	tap_plan(36);
	test_sample();
	test_truncation();
	test_damage();
	test_fork();
	test_big();
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			tap_ok(0, "cleanup");
	}
	return tap_done();
}
