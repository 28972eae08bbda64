/*
 * test_suppress.c - suppressions, baseline, levels files, offline level
 * violations, --suggest-levels, and online FINDING records
 * (analyzer/suppress.c, baseline.c, levels_file.c, pass_levels.c,
 * pass_online.c) on models built by hand.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "tap.h"
#include "lh_builder.h"

#define W LH_MODE_WRITE

static char diag[8192];

static void sink(const char *msg, void *arg)
{
	size_t used = strlen(diag);

	(void)arg;
	snprintf(diag + used, sizeof(diag) - used, "%s\n", msg);
}

static char tmpdir[] = "/tmp/lh-test-suppress-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ % 4];
	FILE *fp;

	snprintf(p, 512, "%s/%s", tmpdir, name);
	fp = fopen(p, "w");
	if (!fp)
		abort();
	fputs(text, fp);
	fclose(fp);
	return p;
}

/* AB-BA between worker1 (lib/legacy.c) and worker2 (prog.c) */
static void build(lh_model *m)
{
	lh_process *p;
	lh_lock *a, *b;

	lh_model_init(m);
	p = b_proc(m);
	b_thread(p, 1, 0, 0);
	b_thread(p, 2, 1, 0);
	b_thread(p, 3, 1, 1);
	a = b_lock(p, 1, "A");
	b = b_lock(p, 2, "B");
	b_dep(p, 2, 0, b, b_stack(p, 11, "worker1", "/src/lib/legacy.c"), W, 1, a,
	      b_stack(p, 10, "worker1", "/src/lib/legacy.c"), W);
	b_dep(p, 3, 0, a, b_stack(p, 21, "worker2", "/src/prog.c"), W, 1, b,
	      b_stack(p, 20, "worker2", "/src/prog.c"), W);
}

static int run(lh_model *m, const char *supp, const char *baseline, const char *levels)
{
	lh_analysis_opts o = { .suppressions = supp, .baseline = baseline, .levels = levels };

	diag[0] = '\0';
	return lh_analyze(m, &o);
}

static void test_suppressions(void)
{
	lh_model m;
	int rc;

	build(&m);
	rc = run(&m, write_file("s1", "# legacy code\n\npotential-deadlock:legacy_*\n"
				"*:worker1   # by function\n"), NULL, NULL);
	tap_ok(rc == 0 && m.nfindings == 1 && m.findings[0].suppressed,
	       "suppression by function glob hides the finding");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, write_file("s2", "potential-deadlock:legacy.c\n"), NULL, NULL);
	tap_ok(rc == 0 && m.findings[0].suppressed, "suppression by file basename");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, write_file("s3", "*:/src/lib/*\n"), NULL, NULL);
	tap_ok(rc == 0 && m.findings[0].suppressed, "suppression by full path glob");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, write_file("s4", "*:prog\n"), NULL, NULL);
	tap_ok(rc == 0 && m.findings[0].suppressed, "suppression by module");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, write_file("s5", "potential-deadlock:nothing_like_it\nlock-order:worker1\n"),
		 NULL, NULL);
	tap_ok(rc == 0 && m.nfindings == 1 && !m.findings[0].suppressed,
	       "non-matching pattern and other kind: not suppressed");
	lh_model_free(&m);

	build(&m);
	run(&m, NULL, NULL, NULL);
	{
		char rule[64], id[17];
		lh_model m2;

		memcpy(id, m.findings[0].id, sizeof(id));
		snprintf(rule, sizeof(rule), "id:%s\n", id);
		build(&m2);
		rc = run(&m2, write_file("s6", rule), NULL, NULL);
		tap_ok(rc == 0 && m2.findings[0].suppressed, "id:ID suppresses by id");
		lh_model_free(&m2);
		snprintf(rule, sizeof(rule), "potential-deadlock:id:%s\n", id);
		build(&m2);
		rc = run(&m2, write_file("s7", rule), NULL, NULL);
		tap_ok(rc == 0 && m2.findings[0].suppressed, "KIND:id:ID suppresses by id");
		lh_model_free(&m2);
	}
	lh_model_free(&m);

	build(&m);
	rc = run(&m, write_file("s8", "potential-deadlock:ok\nno colon here\n"
				"bogus-kind:x\nmisuse:\nid:xyz\n"), NULL, NULL);
	tap_ok(rc == -EINVAL, "malformed suppressions file: -EINVAL");
	tap_ok(strstr(diag, "s8:2: malformed") && strstr(diag, "s8:3: unknown kind") &&
	       strstr(diag, "s8:4: empty pattern") && strstr(diag, "s8:5: bad id"),
	       "every malformed line reported as FILE:LINE");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, "/nonexistent/supp", NULL, NULL);
	tap_ok(rc == -ENOENT && strstr(diag, "/nonexistent/supp"), "missing suppressions file");
	lh_model_free(&m);
}

static void test_baseline(void)
{
	lh_model m;
	char json[512];
	int rc;

	build(&m);
	run(&m, NULL, NULL, NULL);
	snprintf(json, sizeof(json),
		 "{\n  \"version\": 1,\n  \"findings\": [\n    { \"kind\": \"x\", \"count\": 2,"
		 " \"threads\": [{\"id\": 1, \"name\": \"a\\\"b\"}],\n      \"id\"  :  \"%s\" },"
		 " {\"id\":\"0000000000000001\", \"fix\": \"\\u00e9 [x]\"}\n  ],"
		 " \"stats\": {\"threads\": 1.5e3, \"ok\": true, \"n\": null}\n}\n",
		 m.findings[0].id);
	lh_model_free(&m);

	build(&m);
	rc = run(&m, NULL, write_file("b1.json", json), NULL);
	tap_ok(rc == 0 && m.findings[0].known && !m.findings[0].suppressed,
	       "baseline: the same finding is known");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, NULL, write_file("b2.json", "{\"version\":1,\"findings\":[{\"id\":\"0123456789abcdef\"}],"
					   "\"stats\":{}}"), NULL);
	tap_ok(rc == 0 && !m.findings[0].known, "baseline: a new finding is not known");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, NULL, write_file("b3.json", "{\"version\":1,\"findings\":[{\"id\":\"01\",}]}"), NULL);
	tap_ok(rc == -EINVAL && strstr(diag, "b3.json: byte"), "baseline: invalid JSON is an error");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, NULL, write_file("b4.json", "[1, 2]"), NULL);
	tap_ok(rc == -EINVAL, "baseline: not a report is an error");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, NULL, "/nonexistent/base.json", NULL);
	tap_ok(rc == -ENOENT, "baseline: unreadable file is an error");
	lh_model_free(&m);
}

static void test_levels(void)
{
	lh_model m;
	lh_levels_entry *e;
	size_t n;
	const lh_finding *f;
	int rc;

	diag[0] = '\0';
	rc = levels_parse(write_file("l1", "# levels\nA 20\nB  10  # comment\n\n"), &e, &n);
	tap_ok(rc == 0 && n == 2 && !strcmp(e[0].name, "A") && e[0].level == 20 &&
	       e[1].level == 10 && e[1].line == 3, "levels file parsed");
	if (!rc)
		levels_free(e, n);
	rc = levels_parse(write_file("l2", "A 20\nB ten\nC\nA 5\nD 1 2\nE -3\n"), &e, &n);
	tap_ok(rc == -EINVAL && strstr(diag, "l2:2: bad level 'ten'") &&
	       strstr(diag, "l2:3: malformed") && strstr(diag, "l2:4: duplicate lock A (first given at line 1)") &&
	       strstr(diag, "l2:5: malformed"), "levels file errors carry line numbers");
	tap_ok(rc == -EINVAL && n == 2 && e[0].level == 20 && !strcmp(e[1].name, "E") &&
	       e[1].level == -3, "levels file with errors: the valid entries are kept");
	if (rc == -EINVAL)
		levels_free(e, n);
	/* and applied: B 10 valid, junk line ignored */
	build(&m);
	rc = run(&m, NULL, NULL, write_file("l2b", "A 20\nB 10\nC\n"));
	tap_ok(rc == 0 && b_count(&m, LH_KIND_LEVEL_VIOLATION) == 1 && strstr(diag, "l2b:3: malformed"),
	       "--levels with a bad line: reported, the valid levels still checked");
	lh_model_free(&m);

	/* A (20) held while taking B (10): fine; B -> A in worker2: violation */
	build(&m);
	rc = run(&m, NULL, NULL, write_file("l3", "A 20\nB 10\n"));
	f = b_first(&m, LH_KIND_LEVEL_VIOLATION);
	tap_ok(rc == 0 && b_count(&m, LH_KIND_LEVEL_VIOLATION) == 1 && f &&
	       f->locks[0]->name[0] == 'B' && f->locks[1]->name[0] == 'A' &&
	       strstr(f->summary, "acquiring A (level 20) while holding B (level 10)"),
	       "offline level violation: %s", f && f->summary ? f->summary : "none");
	tap_ok(f && f->nevents == 2 && !strcmp(f->events[0].what, "hold") &&
	       !strcmp(f->events[1].what, "acquire") && f->fix && f->detail,
	       "level violation: hold + acquire events, fix and rule");
	lh_model_free(&m);

	build(&m);
	rc = run(&m, NULL, NULL, write_file("l4", "A 10\nB 10\n"));
	f = b_first(&m, LH_KIND_LEVEL_VIOLATION);
	tap_ok(rc == 0 && b_count(&m, LH_KIND_LEVEL_VIOLATION) == 2 && f &&
	       strstr(f->fix, "lh_lock_many"), "same level outside lh_lock_many: violations");
	lh_model_free(&m);
}

/* A -> B -> C consistent, from two threads */
static void build_chain(lh_model *m, int reverse)
{
	lh_process *p;
	lh_lock *a, *b, *c;

	lh_model_init(m);
	p = b_proc(m);
	b_thread(p, 1, 0, 0);
	b_thread(p, 2, 1, 0);
	a = b_lock(p, 1, "A");
	b = b_lock(p, 2, "B");
	c = b_lock(p, 3, "C");
	b_dep(p, 1, 1, b, b_stack(p, 11, "f1", "x.c"), W, 1, a, b_stack(p, 10, "f1", "x.c"), W);
	b_dep(p, 2, 0, c, b_stack(p, 21, "f2", "x.c"), W, 1, b, b_stack(p, 20, "f2", "x.c"), W);
	b_dep(p, 2, 0, c, b_stack(p, 31, "f3", "x.c"), W, 2, a, b_stack(p, 30, "f3", "x.c"), W,
	      b, b_stack(p, 20, "f2", "x.c"), W);
	if (reverse)
		b_dep(p, 1, 1, a, b_stack(p, 41, "backwards", "y.c"), W, 1, c,
		      b_stack(p, 40, "backwards", "y.c"), W);
}

static void test_suggest(void)
{
	lh_model m;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	const char *path;
	int rc;

	build_chain(&m, 0);
	mem = open_memstream(&text, &len);
	rc = lh_suggest_levels(&m, mem);
	fclose(mem);
	tap_ok(rc == 0 && strstr(text, "\nA 30\nB 20\nC 10\n"),
	       "suggest-levels: topological order, levels 30 20 10");
	lh_model_free(&m);

	/* the suggestion applied back to the same run: no violation */
	path = write_file("suggested", text);
	build_chain(&m, 0);
	rc = run(&m, NULL, NULL, path);
	tap_ok(rc == 0 && m.nfindings == 0, "suggested levels applied back: no violation");
	lh_model_free(&m);
	/* ...and a run that reverses an order now violates it */
	build_chain(&m, 1);
	rc = run(&m, NULL, NULL, path);
	tap_ok(rc == 0 && b_count(&m, LH_KIND_LEVEL_VIOLATION) >= 1,
	       "suggested levels catch a reversed order");
	lh_model_free(&m);
	free(text);

	/* a cycle: one edge to change, named with its site */
	build_chain(&m, 1);
	text = NULL;
	mem = open_memstream(&text, &len);
	rc = lh_suggest_levels(&m, mem);
	fclose(mem);
	tap_ok(rc == 0 && strstr(text, "# change: C is taken before A at y.c:41 (backwards)") &&
	       strstr(text, "\nA 30\nB 20\nC 10\n"),
	       "suggest-levels with a cycle: the minority edge is the place to change");
	{
		/* the output parses as a levels file */
		lh_levels_entry *e;
		size_t n;

		rc = levels_parse(write_file("suggested2", text), &e, &n);
		tap_ok(rc == 0 && n == 3, "suggest-levels output parses as a levels file");
		if (!rc)
			levels_free(e, n);
	}
	free(text);
	/* the fix text of the cycle uses that order */
	run(&m, NULL, NULL, NULL);
	{
		const lh_finding *f = b_first(&m, LH_KIND_POTENTIAL_DEADLOCK);

		tap_ok(f && strstr(f->fix, "always take A before C") &&
		       strstr(f->fix, "Change y.c:41 (backwards), which takes A while holding C"),
		       "fix text: the order and the line to change: %s", f && f->fix ? f->fix : "");
	}
	lh_model_free(&m);
}

static void test_suggest_same_class(void)
{
	lh_model m;
	lh_process *p;
	lh_lock *a, *b;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	lh_model_init(&m);
	p = b_proc(&m);
	b_thread(p, 1, 0, 0);
	a = b_lock(p, 1, "account");
	b = b_lock(p, 2, "account");
	b_dep(p, 1, 0, b, b_stack(p, 11, "transfer", "bank.c"), W, 1, a,
	      b_stack(p, 10, "transfer", "bank.c"), W);
	mem = open_memstream(&text, &len);
	rc = lh_suggest_levels(&m, mem);
	fclose(mem);
	tap_ok(rc == 0 && strstr(text, "\naccount 10\n") &&
	       strstr(text, "# same level: two locks of class account are held together at "
			    "bank.c:11 (transfer): take them with lh_lock_many()"),
	       "suggest-levels: one class taken twice is one level, with an lh_lock_many() note");
	free(text);
	lh_model_free(&m);
}

static lh_online *add_online(lh_process *p, uint32_t kind, uint32_t sub, const char *msg,
			     uint32_t nparts)
{
	lh_online *on = realloc(p->online, (p->nonline + 1) * sizeof(*on));

	if (!on)
		abort();
	p->online = on;
	on = &on[p->nonline++];
	memset(on, 0, sizeof(*on));
	on->kind = kind;
	on->subkind = sub;
	on->tid = 2;
	on->nparts = nparts;
	on->parts = b_alloc(nparts * sizeof(*on->parts));
	on->message = b_strdup(msg);
	return on;
}

static void part(lh_online *on, uint32_t i, uint32_t tid, uint32_t role, lh_lock *l,
		 uint64_t stack, int64_t level)
{
	on->parts[i] = (lh_online_part){ .tid = tid, .role = role, .lock = l,
					 .lock_id = l ? l->id : 0, .stack = stack,
					 .level = level, .mode = W };
}

static const lh_finding *find_summary(const lh_model *m, const char *part)
{
	for (size_t i = 0; i < m->nfindings; i++)
		if (m->findings[i].summary && strstr(m->findings[i].summary, part))
			return &m->findings[i];
	return NULL;
}

static void test_online(void)
{
	lh_model m;
	lh_process *p;
	lh_lock *a, *b;
	lh_online *on;
	const lh_finding *f;
	int ok;

	build(&m);
	p = m.procs[0];
	a = lh_lock_find(p, 1);
	b = lh_lock_find(p, 2);
	on = add_online(p, LH_FIND_DEADLOCK, LH_DL_CYCLE, "deadlock: T2 and T3", 4);
	part(on, 0, 2, LH_ROLE_WAITS, b, 11, LH_NO_LEVEL);
	part(on, 1, 2, LH_ROLE_HOLDS, a, 10, LH_NO_LEVEL);
	part(on, 2, 3, LH_ROLE_WAITS, a, 21, LH_NO_LEVEL);
	part(on, 3, 3, LH_ROLE_HOLDS, b, 20, LH_NO_LEVEL);
	on = add_online(p, LH_FIND_DEADLOCK, LH_DL_CYCLE, "deadlock: T3 and T2", 4);
	part(on, 0, 3, LH_ROLE_WAITS, a, 21, LH_NO_LEVEL);
	part(on, 1, 3, LH_ROLE_HOLDS, b, 20, LH_NO_LEVEL);
	part(on, 2, 2, LH_ROLE_WAITS, b, 11, LH_NO_LEVEL);
	part(on, 3, 2, LH_ROLE_HOLDS, a, 10, LH_NO_LEVEL);
	on = add_online(p, LH_FIND_DEADLOCK, LH_DL_SELF, "relock", 2);
	part(on, 0, 2, LH_ROLE_HOLDS, a, 10, LH_NO_LEVEL);
	part(on, 1, 2, LH_ROLE_WAITS, a, 11, LH_NO_LEVEL);
	on = add_online(p, LH_FIND_MISUSE, LH_MIS_UNLOCK_NOT_HELD, "unlock of A not held", 1);
	part(on, 0, 2, LH_ROLE_OTHER, a, 10, LH_NO_LEVEL);
	on = add_online(p, LH_FIND_MISUSE, LH_MIS_UNLOCK_NOT_OWNER, "unlock of A by T2", 1);
	part(on, 0, 2, LH_ROLE_OTHER, a, 10, LH_NO_LEVEL);
	on = add_online(p, LH_FIND_MISUSE, LH_MIS_ERROR_RETURN, "EINVAL", 1);
	on->err = EINVAL;
	part(on, 0, 2, LH_ROLE_OTHER, a, 10, LH_NO_LEVEL);
	/* the online twin of the offline violation B(10) held, A(20) taken */
	on = add_online(p, LH_FIND_LEVEL_VIOLATION, 0, "level violation", 2);
	part(on, 0, 3, LH_ROLE_HOLDS, b, 20, 10);
	part(on, 1, 3, LH_ROLE_WAITS, a, 21, 20);
	run(&m, NULL, NULL, write_file("l5", "A 20\nB 10\n"));

	f = b_first(&m, LH_KIND_DEADLOCK);
	tap_ok(b_count(&m, LH_KIND_DEADLOCK) == 2, "online deadlocks: cycle (two reports merged) + self");
	ok = f && f->count == 2 && f->nthreads == 2 && f->nevents == 4 && f->detail &&
	     !strcmp(f->events[0].what, "wait") && strstr(f->summary, "2 threads wait for each other");
	tap_ok(ok, "deadlock cycle: wait/hold events per thread, same id whichever thread reported: %s",
	       ok ? f->summary : "");
	f = find_summary(&m, "relocks");
	tap_ok(f && f->kind == LH_KIND_DEADLOCK &&
	       strstr(f->summary, "deadlock: thread T2 relocks mutex A it already holds"),
	       "self-deadlock summary: %s", f && f->summary ? f->summary : "");
	tap_ok(b_count(&m, LH_KIND_MISUSE) == 3, "misuse sub-kinds at one site stay apart");
	f = b_first(&m, LH_KIND_MISUSE);
	tap_ok(f && strstr(f->summary, "unlock of a mutex that is not locked: A") &&
	       !strcmp(f->detail, "unlock of A not held") && f->fix,
	       "misuse: summary names sub-kind and lock, detail is the message");
	f = find_summary(&m, "returned an error");
	tap_ok(f && strstr(f->summary, "call on mutex A returned an error (EINVAL)"),
	       "error return names the errno: %s", f && f->summary ? f->summary : "");
	f = b_first(&m, LH_KIND_LEVEL_VIOLATION);
	tap_ok(b_count(&m, LH_KIND_LEVEL_VIOLATION) == 1 && f && f->count == 1 &&
	       strstr(f->detail, "level violation"),
	       "online level violation and its offline twin: one finding (count %u)", f ? f->count : 0);
	tap_ok(b_count(&m, LH_KIND_POTENTIAL_DEADLOCK) == 0,
	       "the real deadlock subsumes the potential-deadlock of the same locks");
	lh_model_free(&m);
}

int main(void)
{
	char cmd[600];

	tap_plan(37);
	if (!mkdtemp(tmpdir))
		return 1;
	lh_diag_set_sink(sink, NULL);
	test_suppressions();
	test_baseline();
	test_levels();
	test_suggest();
	test_suggest_same_class();
	test_online();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		tap_ok(0, "cleanup");
	return tap_done();
}
