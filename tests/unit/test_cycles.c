/*
 * test_cycles.c - the lock-order graph, cycles and precision rules
 * (analyzer/pass_cycles.c, hb.c, ids.c) on models built by hand.
 * Each precision rule of ARCHITECTURE.md is one scenario here.
 */
#include <stdio.h>

#include "tap.h"
#include "lh_builder.h"

#define W LH_MODE_WRITE
#define R LH_MODE_READ

static lh_model M;
static lh_process *P;

static void fresh(void)
{
	lh_model_free(&M);
	lh_model_init(&M);
	P = b_proc(&M);
	b_thread(P, 1, 0, 0);
}

static lh_stack *st(uint64_t id, const char *fn)
{
	return b_stack(P, id, fn, "/src/prog.c");
}

/* thread tid, segment seg: holding `a` acquires `b` */
static void ab(uint32_t tid, uint32_t seg, lh_lock *a, lh_lock *b, uint32_t ma, uint32_t mb,
	       const char *fn)
{
	b_dep(P, tid, seg, b, st(1000 + tid * 10 + 1, fn), mb, 1, a,
	      st(1000 + tid * 10, fn), ma);
}

static int has_pruned(const char *reason_part)
{
	for (size_t i = 0; i < M.npruned; i++)
		if (strstr(M.pruned[i].reason, reason_part))
			return 1;
	return 0;
}

static void test_abba(void)
{
	lh_lock *a, *b;
	const lh_finding *f;

	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	ab(2, 0, a, b, W, W, "worker1");
	ab(3, 0, b, a, W, W, "worker2");
	tap_ok(b_analyze(&M) == 0, "AB-BA: analyze succeeds");
	f = b_first(&M, LH_KIND_POTENTIAL_DEADLOCK);
	tap_ok(M.nfindings == 1 && f, "AB-BA in two concurrent threads: one potential-deadlock");
	tap_ok(f && f->nlocks == 2 && f->nevents == 4 && f->nthreads == 2,
	       "AB-BA: 2 locks, 4 events (hold+acquire per edge), 2 threads");
	tap_ok(f && !strcmp(f->events[0].what, "hold") && !strcmp(f->events[1].what, "acquire") &&
	       f->events[0].lock == f->locks[0] && f->events[1].lock == f->locks[1] &&
	       f->events[0].thread == f->events[1].thread,
	       "AB-BA: events pair up per edge: hold L_i, acquire L_i+1, same thread");
	tap_ok(f && f->summary && strstr(f->summary, "potential deadlock: 2 threads take mutexes"),
	       "AB-BA: summary '%s'", f && f->summary ? f->summary : "");
	tap_ok(f && f->fix && strstr(f->fix, "always take") && strstr(f->fix, "lh_atomically"),
	       "AB-BA: fix names an order and the STM rewrite");
	tap_ok(f && strlen(f->id) == 16 && f->count == 1, "AB-BA: 16-digit id, count 1");
	tap_ok(M.nedges == 2 && M.nthreads == 3 && M.nlocks == 2, "AB-BA: stats");
}

static void test_single_thread(void)
{
	lh_lock *a, *b;
	const lh_finding *f;

	fresh();
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	ab(1, 0, a, b, W, W, "path1");
	b_dep(P, 1, 0, a, st(31, "path2"), W, 1, b, st(30, "path2"), W);
	b_analyze(&M);
	f = b_first(&M, LH_KIND_LOCK_ORDER);
	tap_ok(M.nfindings == 1 && f && strstr(f->summary, "single thread"),
	       "AB-BA in one thread: lock-order (single thread): %s", f && f->summary ? f->summary : "none");
}

static void test_ordered(void)
{
	lh_lock *a, *b;
	const lh_finding *f;

	/* T1 creates T2 in seg 0, T2 takes A->B, T1 joins T2 (seg 1 -> 2),
	 * then T1 takes B->A: ordered by join */
	fresh();
	b_thread(P, 2, 1, 0);
	b_join(P, 1, 1, 2, 0);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	ab(2, 0, a, b, W, W, "child");
	ab(1, 2, b, a, W, W, "parent");
	b_analyze(&M);
	f = b_first(&M, LH_KIND_LOCK_ORDER);
	tap_ok(M.nfindings == 1 && f && strstr(f->summary, "create/join"),
	       "AB-BA ordered by join: lock-order (%s)", f && f->summary ? f->summary : "none");

	/* T1 takes A->B in seg 0, then creates T2, which takes B->A */
	fresh();
	b_thread(P, 2, 1, 0);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	ab(1, 0, a, b, W, W, "parent");
	ab(2, 0, b, a, W, W, "child");
	b_analyze(&M);
	tap_ok(M.nfindings == 1 && b_count(&M, LH_KIND_LOCK_ORDER) == 1,
	       "AB-BA ordered by create: lock-order");

	/* the same, but the parent's A->B comes after the create: concurrent */
	fresh();
	b_thread(P, 2, 1, 0);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	ab(1, 1, a, b, W, W, "parent");
	ab(2, 0, b, a, W, W, "child");
	b_analyze(&M);
	tap_ok(M.nfindings == 1 && b_count(&M, LH_KIND_POTENTIAL_DEADLOCK) == 1,
	       "parent after create vs child: potential-deadlock");

	/* transitive: T1 creates T2 (seg 0), T2 creates T3 (seg 0), T3 A->B,
	 * T2 joins T3 (seg 1 -> 2), T1 joins T2 (seg 1 -> 2), T1 B->A */
	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 2, 0);
	b_join(P, 2, 1, 3, 0);
	b_join(P, 1, 1, 2, 2);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	ab(3, 0, a, b, W, W, "grandchild");
	ab(1, 2, b, a, W, W, "parent");
	b_analyze(&M);
	tap_ok(b_count(&M, LH_KIND_LOCK_ORDER) == 1 && M.nfindings == 1,
	       "ordered through a grandchild's join: lock-order");
}

static void test_gate(void)
{
	lh_lock *a, *b, *g;

	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	g = b_lock(P, 3, "G");
	b_dep(P, 2, 0, b, st(21, "w1"), W, 2, g, st(19, "w1"), W, a, st(20, "w1"), W);
	b_dep(P, 3, 0, a, st(31, "w2"), W, 2, g, st(29, "w2"), W, b, st(30, "w2"), W);
	b_analyze(&M);
	tap_ok(M.nfindings == 0, "gate lock: no finding");
	tap_ok(M.npruned == 1 && has_pruned("gate lock G"),
	       "gate lock: pruned with reason '%s'", M.npruned ? M.pruned[0].reason : "");

	/* a common rwlock held in READ mode by both is no gate */
	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	g = b_lock_kind(P, 3, "G", LH_LOCK_RWLOCK, 0);
	b_dep(P, 2, 0, b, st(21, "w1"), W, 2, g, st(19, "w1"), R, a, st(20, "w1"), W);
	b_dep(P, 3, 0, a, st(31, "w2"), W, 2, g, st(29, "w2"), R, b, st(30, "w2"), W);
	b_analyze(&M);
	tap_ok(b_count(&M, LH_KIND_POTENTIAL_DEADLOCK) == 1,
	       "rwlock held for reading on both edges is not a gate: potential-deadlock");
}

static void test_chain_broken(void)
{
	lh_lock *a, *b, *c;

	/* T1: A, B, unlock A, C   T2: C, A */
	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	c = b_lock(P, 3, "C");
	ab(2, 0, a, b, W, W, "t1");
	b_dep(P, 2, 0, c, st(25, "t1c"), W, 1, b, st(24, "t1c"), W);
	ab(3, 0, c, a, W, W, "t2");
	b_analyze(&M);
	tap_ok(M.nfindings == 0, "chain broken by an early unlock: no finding");
	tap_ok(has_pruned("chain broken: the 3 edges come from 2 threads"),
	       "chain broken: pruned with its reason (%s)", M.npruned ? M.pruned[0].reason : "");

	/* T1 holds A and B when taking C: the 2-cycle A<->C is real */
	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	c = b_lock(P, 3, "C");
	ab(2, 0, a, b, W, W, "t1");
	b_dep(P, 2, 0, c, st(25, "t1c"), W, 2, a, st(20, "t1"), W, b, st(24, "t1c"), W);
	ab(3, 0, c, a, W, W, "t2");
	b_analyze(&M);
	tap_ok(b_count(&M, LH_KIND_POTENTIAL_DEADLOCK) == 1 &&
	       b_first(&M, LH_KIND_POTENTIAL_DEADLOCK)->nlocks == 2,
	       "chain held whole: the smallest real cycle (A, C) is reported");
}

static void test_trylock(void)
{
	lh_lock *a, *b;

	/* T2: A then B; T3: B then trylock A */
	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	ab(2, 0, a, b, W, W, "t1");
	ab(3, 0, b, a, W, W | LH_MODE_TRY, "t2");
	b_analyze(&M);
	tap_ok(M.nfindings == 0 && M.npruned == 0, "reverse trylock: nothing");

	/* T2: trylock A (held), then B blocking; T3: B then A blocking */
	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock(P, 1, "A");
	b = b_lock(P, 2, "B");
	b_dep(P, 2, 0, a, st(20, "t1"), W | LH_MODE_TRY, 0);
	ab(2, 0, a, b, W | LH_MODE_TRY, W, "t1");
	ab(3, 0, b, a, W, W, "t2");
	b_analyze(&M);
	tap_ok(b_count(&M, LH_KIND_POTENTIAL_DEADLOCK) == 1,
	       "trylock-held lock then blocking reverse: potential-deadlock");
}

static void test_rwlock(void)
{
	lh_lock *a, *b;

	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock_kind(P, 1, "RA", LH_LOCK_RWLOCK, 0);
	b = b_lock_kind(P, 2, "RB", LH_LOCK_RWLOCK, 0);
	ab(2, 0, a, b, R, R, "t1");
	ab(3, 0, b, a, R, R, "t2");
	b_analyze(&M);
	tap_ok(M.nfindings == 0 && has_pruned("read-read on reader-preferring rwlock"),
	       "rwlock read-read (reader-preferring): pruned");

	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock_kind(P, 1, "RA", LH_LOCK_RWLOCK, 0);
	b = b_lock_kind(P, 2, "RB", LH_LOCK_RWLOCK, 0);
	ab(2, 0, a, b, W, R, "t1");
	ab(3, 0, b, a, W, R, "t2");
	b_analyze(&M);
	tap_ok(b_count(&M, LH_KIND_POTENTIAL_DEADLOCK) == 1 &&
	       strstr(b_first(&M, LH_KIND_POTENTIAL_DEADLOCK)->summary, "rwlocks"),
	       "rwlock write-read: potential-deadlock");

	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock_kind(P, 1, "RA", LH_LOCK_RWLOCK, 0);
	b = b_lock_kind(P, 2, "RB", LH_LOCK_RWLOCK, 0);
	ab(2, 0, a, b, R, W, "t1");
	ab(3, 0, b, a, R, R, "t2");
	b_analyze(&M);
	tap_ok(b_count(&M, LH_KIND_POTENTIAL_DEADLOCK) == 0 && M.npruned == 1,
	       "one read-read edge (RA read-held, read-requested) breaks the cycle");

	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	a = b_lock_kind(P, 1, "RA", LH_LOCK_RWLOCK, LH_ATTR_PREFER_WRITER);
	b = b_lock_kind(P, 2, "RB", LH_LOCK_RWLOCK, LH_ATTR_PREFER_WRITER);
	ab(2, 0, a, b, R, R, "t1");
	ab(3, 0, b, a, R, R, "t2");
	b_analyze(&M);
	tap_ok(b_count(&M, LH_KIND_POTENTIAL_DEADLOCK) == 1,
	       "read-read on writer-preferring rwlocks: potential-deadlock (policy)");
}

/* n threads, lock i held while taking lock i+1 (mod n) */
static void ring(size_t n, const char *fn)
{
	lh_lock **l = calloc(n, sizeof(lh_lock *));

	fresh();
	for (size_t i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "L%02zu", i);
		b_thread(P, (uint32_t)(2 + i), 1, (uint32_t)i);
		l[i] = b_lock(P, 1 + i, name);
	}
	for (size_t i = 0; i < n; i++)
		b_dep(P, (uint32_t)(2 + i), 0, l[(i + 1) % n], st(5000 + 2 * i + 1, fn), W, 1,
		      l[i], st(5000 + 2 * i, fn), W);
	free(l);
	b_analyze(&M);
}

static void test_rings(void)
{
	const lh_finding *f;

	ring(3, "three");
	f = b_first(&M, LH_KIND_POTENTIAL_DEADLOCK);
	tap_ok(M.nfindings == 1 && f && f->nlocks == 3 && f->nevents == 6 && f->nthreads == 3,
	       "3-lock cycle in 3 threads: reported whole");
	tap_ok(f && strstr(f->summary, "in a cycle"), "3-lock: summary '%s'", f && f->summary ? f->summary : "");

	ring(5, "philosopher");
	f = b_first(&M, LH_KIND_POTENTIAL_DEADLOCK);
	tap_ok(M.nfindings == 1 && f && f->nlocks == 5 && f->nthreads == 5,
	       "5 dining philosophers: one finding, whole ring");

	ring(30, "long");
	f = b_first(&M, LH_KIND_POTENTIAL_DEADLOCK);
	tap_ok(M.nfindings == 1 && f && f->nlocks == 30 && f->nevents == 60,
	       "30-lock cycle: reported whole (%zu locks)", f ? f->nlocks : 0);
	tap_ok(f && !strcmp(f->locks[0]->name, "L00"),
	       "30-lock cycle: canonical start at the least lock class");
}

static void test_chain(void)
{
	const size_t n = 100000;
	lh_lock **l = calloc(n, sizeof(lh_lock *));
	int rc;

	fresh();
	for (size_t i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "C%zu", i);
		l[i] = b_lock(P, 1 + i, name);
	}
	for (size_t i = 0; i + 1 < n; i++)
		b_dep(P, 1, 0, l[i + 1], st(7, "chain"), W, 1, l[i], st(6, "chain"), W);
	free(l);
	rc = b_analyze(&M);
	tap_ok(rc == 0 && M.nfindings == 0 && M.npruned == 0 && M.nedges == n - 1,
	       "100,000 locks in a chain: no cycle, %llu edges", (unsigned long long)M.nedges);
}

/* AB-BA built with the given lock ids/addresses and stack ids/pcs */
static void build_abba(lh_model *m, uint64_t lid, uint64_t sid, const char *fn2)
{
	lh_process *p;
	lh_lock *a, *b;

	lh_model_init(m);
	p = b_proc(m);
	b_thread(p, 1, 0, 0);
	b_thread(p, 2, 1, 0);
	b_thread(p, 3, 1, 1);
	a = b_lock(p, lid, "A");
	b = b_lock(p, lid + 1, "B");
	a->addr += lid * 4096;
	b->addr += lid * 8192;
	b_dep(p, 2, 0, b, b_stack(p, sid + 1, "worker1", "/home/x/prog.c"), W, 1, a,
	      b_stack(p, sid, "worker1", "/home/x/prog.c"), W);
	b_dep(p, 3, 0, a, b_stack(p, sid + 3, fn2, "/build/y/prog.c"), W, 1, b,
	      b_stack(p, sid + 2, fn2, "/build/y/prog.c"), W);
}

static void test_ids(void)
{
	lh_model m1, m2, m3;
	const lh_finding *f1, *f2, *f3;

	build_abba(&m1, 1, 100, "worker2");
	build_abba(&m2, 77, 9000, "worker2");
	build_abba(&m3, 1, 100, "other_function");
	b_analyze(&m1);
	b_analyze(&m2);
	b_analyze(&m3);
	f1 = b_first(&m1, LH_KIND_POTENTIAL_DEADLOCK);
	f2 = b_first(&m2, LH_KIND_POTENTIAL_DEADLOCK);
	f3 = b_first(&m3, LH_KIND_POTENTIAL_DEADLOCK);
	tap_ok(f1 && f2 && !strcmp(f1->id, f2->id),
	       "ids equal across models with other addresses, lock ids, stacks, dirs (%s)",
	       f1 ? f1->id : "");
	tap_ok(f1 && f3 && strcmp(f1->id, f3->id) != 0,
	       "ids differ when a code site differs");
	lh_model_free(&m1);
	lh_model_free(&m2);
	lh_model_free(&m3);

	/* the same cycle seen from the other start hashes the same */
	lh_model_init(&m1);
	{
		lh_process *p = b_proc(&m1);
		lh_lock *a, *b;

		b_thread(p, 1, 0, 0);
		b_thread(p, 2, 1, 0);
		b_thread(p, 3, 1, 1);
		b = b_lock(p, 1, "B");          /* B first: other node numbering */
		a = b_lock(p, 2, "A");
		b_dep(p, 3, 0, a, b_stack(p, 103, "worker2", "prog.c"), W, 1, b,
		      b_stack(p, 102, "worker2", "prog.c"), W);
		b_dep(p, 2, 0, b, b_stack(p, 101, "worker1", "prog.c"), W, 1, a,
		      b_stack(p, 100, "worker1", "prog.c"), W);
	}
	build_abba(&m2, 1, 100, "worker2");
	b_analyze(&m1);
	b_analyze(&m2);
	f1 = b_first(&m1, LH_KIND_POTENTIAL_DEADLOCK);
	f2 = b_first(&m2, LH_KIND_POTENTIAL_DEADLOCK);
	tap_ok(f1 && f2 && !strcmp(f1->id, f2->id) && !strcmp(f1->locks[0]->name, f2->locks[0]->name),
	       "a cycle found from another start has the same id and start");
	lh_model_free(&m1);
	lh_model_free(&m2);
}

static void test_dedup(void)
{
	const lh_finding *f;

	/* 1,000 lifetimes of an A/B pair, each inverted by two threads */
	fresh();
	b_thread(P, 2, 1, 0);
	b_thread(P, 3, 1, 1);
	for (uint64_t i = 0; i < 1000; i++) {
		lh_lock *a = b_lock(P, 1 + 2 * i, "A"), *b = b_lock(P, 2 + 2 * i, "B");

		ab(2, 0, a, b, W, W, "w1");
		ab(3, 0, b, a, W, W, "w2");
	}
	b_analyze(&M);
	f = b_first(&M, LH_KIND_POTENTIAL_DEADLOCK);
	tap_ok(M.nfindings == 1 && f && f->count == 1000,
	       "1,000 lifetimes of one inversion: one finding, count %u", f ? f->count : 0);

	/* two processes (two runs, or a parent and its child) with the same
	 * inversion: one finding, count 2; an inversion never spans them */
	fresh();
	for (int k = 0; k < 2; k++) {
		lh_process *p = k ? b_proc(&M) : P;
		lh_lock *a, *b;

		if (k)
			b_thread(p, 1, 0, 0);
		b_thread(p, 2, 1, 0);
		b_thread(p, 3, 1, 1);
		a = b_lock(p, 1, "A");
		b = b_lock(p, 2, "B");
		b_dep(p, 2, 0, b, b_stack(p, 11, "w1", "x.c"), W, 1, a, b_stack(p, 10, "w1", "x.c"), W);
		if (k == 0)
			b_dep(p, 3, 0, a, b_stack(p, 21, "w2", "x.c"), W, 1, b,
			      b_stack(p, 20, "w2", "x.c"), W);
	}
	b_analyze(&M);
	tap_ok(M.nfindings == 1 && M.findings[0].count == 1,
	       "an A->B of another process does not join this process's cycle (count 1)");
	P = M.procs[1];
	b_dep(P, 3, 0, lh_lock_find(P, 1), b_stack(P, 21, "w2", "x.c"), W, 1, lh_lock_find(P, 2),
	      b_stack(P, 20, "w2", "x.c"), W);
	for (size_t i = 0; i < M.nfindings; i++)
		lh_finding_release(&M.findings[i]);
	M.nfindings = 0;
	b_analyze(&M);
	f = b_first(&M, LH_KIND_POTENTIAL_DEADLOCK);
	tap_ok(M.nfindings == 1 && f && f->count == 2,
	       "the same inversion in two processes: one finding, count 2");
}

static void test_same_class(void)
{
	const lh_finding *f;
	lh_lock *acct[8];

	/* bank: transfer(from, to) locks from then to, in both directions */
	fresh();
	for (int i = 0; i < 8; i++) {
		acct[i] = b_lock(P, 1 + (uint64_t)i, "account.lock");
		b_thread(P, (uint32_t)(2 + i), 1, (uint32_t)i);
	}
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			if (i != j)
				b_dep(P, (uint32_t)(2 + i), 0, acct[j], st(41, "transfer"), W, 1,
				      acct[i], st(40, "transfer"), W);
	tap_ok(b_analyze(&M) == 0, "bank: analyze");
	f = b_first(&M, LH_KIND_POTENTIAL_DEADLOCK);
	tap_ok(b_count(&M, LH_KIND_POTENTIAL_DEADLOCK) == 1 && f && f->nlocks == 2,
	       "bank: one class-level finding, smallest cycle of 2 (%zu findings)", M.nfindings);
	tap_ok(f && f->count > 1, "bank: count sums the cycles found (%u)", f ? f->count : 0);
	tap_ok(f && strstr(f->fix, "address") && strstr(f->fix, "lh_lock_many"),
	       "bank: fix says order by address or lh_lock_many()");
}

static void test_max_cycles(void)
{
	lh_lock *l[5];
	lh_analysis_opts o = { .max_cycles = 1 };
	size_t total = 0;

	/* complete graph on 5 locks from 20 threads: many cycles */
	fresh();
	for (int i = 0; i < 5; i++) {
		char name[8];

		snprintf(name, sizeof(name), "K%d", i);
		l[i] = b_lock(P, 1 + (uint64_t)i, name);
	}
	for (int i = 0, t = 2; i < 5; i++)
		for (int j = 0; j < 5; j++)
			if (i != j) {
				b_thread(P, (uint32_t)t, 1, (uint32_t)t);
				b_dep(P, (uint32_t)t, 0, l[j], st(300 + (uint64_t)(10 * i + j), "k"), W,
				      1, l[i], st(200 + (uint64_t)(10 * i + j), "k"), W);
				t++;
			}
	lh_analyze(&M, &o);
	for (size_t i = 0; i < M.nfindings; i++)
		total += M.findings[i].count;
	tap_ok(total == 2, "max_cycles=1: smallest cycle plus one more (%zu)", total);
}

int main(void)
{
	tap_plan(42);
	lh_model_init(&M);
	test_abba();
	test_single_thread();
	test_ordered();
	test_gate();
	test_chain_broken();
	test_trylock();
	test_rwlock();
	test_rings();
	test_chain();
	test_ids();
	test_dedup();
	test_same_class();
	test_max_cycles();
	lh_model_free(&M);
	return tap_done();
}
