/*
 * test_report_model.h - a hand-built lh_model for the report writer tests
 * (no traces, no analyzer passes): everything lives in one static struct.
 *
 *   findings[0] potential-deadlock  3-lock cycle A → B → C → A, 3 threads
 *   findings[1] lock-order          2-lock cycle in one thread, known (baseline)
 *   findings[2] misuse              unlock of a lock not held, with detail
 *   findings[3] race                suppressed: no writer may show it
 *   pruned[0]   a gate-lock cycle (HTML lists it)
 *
 * fx_build(&fx, hostile): with hostile set, lock/thread names, functions,
 * file paths and texts carry HTML/JS/terminal injection attempts, quotes,
 * control characters and invalid UTF-8.
 *
 * Frames point into tests/data/report-demo.c so the HTML writer can show
 * source lines when the tests run from the repository root.
 */
#ifndef TEST_REPORT_MODEL_H
#define TEST_REPORT_MODEL_H

#include <string.h>

#include "../../report/report.h"

#define FX_DEMO "tests/data/report-demo.c"
#define FX_SHIM "/opt/lockhound/lib/liblockhound.so"
#define FX_EXE  "/opt/bank/bin/bank"

#define FX_NSTACK 16
#define FX_DEPTH  3

typedef struct fx_model {
	lh_model    m;
	lh_process  proc, *procs[1];
	lh_class    cls[5];
	lh_lock     locks[5];
	lh_thread   thr[4];
	lh_stack    st[FX_NSTACK];
	lh_frame    fr[FX_NSTACK][FX_DEPTH];
	uint64_t    pcs[FX_NSTACK][FX_DEPTH];
	lh_finding  fnd[4];
	lh_pruned   pruned[1];
	lh_fevent   ev0[6], ev1[4], ev2[1], ev3[1], evp[4];
	lh_lock    *l0[3], *l1[2], *l2[1], *l3[1], *lp[2];
	lh_thread  *t0[3], *t1[1], *t2[1], *t3[1], *tp[2];
	lh_dep      deps[6];
	lh_held     held[6];
	int         nst;
} fx_model;

/* A 3-frame stack: the shim's interceptor `top`, then fn at line, then caller. */
static lh_stack *fx_stack_top(fx_model *x, const char *top, const char *fn, int line,
			      const char *caller, int cline)
{
	int i = x->nst++;
	lh_stack *s = &x->st[i];

	s->id = 100 + (uint64_t)i;
	s->depth = FX_DEPTH;
	s->pcs = x->pcs[i];
	s->frames = x->fr[i];
	for (int k = 0; k < FX_DEPTH; k++)
		x->pcs[i][k] = 0x401000 + 0x100 * (uint64_t)i + 0x10 * (uint64_t)k;
	x->fr[i][0] = (lh_frame){ x->pcs[i][0], top, "", FX_SHIM, 0, "" };
	x->fr[i][1] = (lh_frame){ x->pcs[i][1], fn, FX_DEMO, FX_EXE, line, "" };
	x->fr[i][2] = (lh_frame){ x->pcs[i][2], caller, FX_DEMO, FX_EXE, cline, "" };
	return s;
}

static lh_stack *fx_stack(fx_model *x, const char *fn, int line, const char *caller, int cline)
{
	return fx_stack_top(x, "pthread_mutex_lock", fn, line, caller, cline);
}

static void fx_event(lh_fevent *e, const char *what, uint32_t tid, lh_lock *l, lh_stack *s)
{
	e->what = (char *)what;
	e->thread = tid;
	e->lock = l;
	e->stack = s;
	e->mode = LH_MODE_WRITE;
}

static void fx_build(fx_model *x, int hostile)
{
	static const char *const names[5] = { "acct_lock_A", "acct_lock_B", "acct_lock_C",
					       "log_lock", "gate_lock" };
	static const char *const hnames[5] = {
		"<script>alert(1)</script>", "bad\xff\xfe utf8 \"q\" 'a' &amp;",
		"ctl\x01\x1b[31mred\x7f", "</style><svg onload=alert(4)>", "\\N\\G{}[]",
	};
	static const char *const tnames[4] = { "main", "teller-1", "teller-2", "teller-3" };
	static const char *const htnames[4] = { "main", "\"'&<b>x</b>", "t\x1b]0;pwn\x07",
						"</script><script>alert(2)</script>" };
	const char *fn = hostile ? "</textarea><img src=x onerror=alert(5)>" : "transfer";
	lh_finding *f;

	memset(x, 0, sizeof(*x));
	x->procs[0] = &x->proc;
	x->m.procs = x->procs;
	x->m.nprocs = 1;
	x->m.title = (char *)(hostile ? "bank --hostile '<b>'" : "bank --accounts 3");
	x->m.nthreads = 4;
	x->m.nlocks = 5;
	x->m.nedges = 6;
	x->m.nevents = 123456;
	x->proc.pid = 4242;
	x->proc.exe = (char *)FX_EXE;

	for (int i = 0; i < 5; i++) {
		x->cls[i].key = (char *)(i < 3 ? "site:report-demo.c:33" : "sym:global");
		x->cls[i].name = (char *)(hostile ? hnames[i] : names[i]);
		x->cls[i].level = LH_NO_LEVEL;
		x->locks[i].id = (uint64_t)i + 1;
		x->locks[i].addr = 0x7ffc0000a000 + 0x40 * (uint64_t)i;
		x->locks[i].kind = LH_LOCK_MUTEX;
		x->locks[i].name = (char *)(hostile ? hnames[i] : names[i]);
		x->locks[i].level = i == 3 ? 20 : LH_NO_LEVEL;
		x->locks[i].cls = &x->cls[i];
		x->locks[i].proc = &x->proc;
	}
	for (int i = 0; i < 4; i++) {
		x->thr[i].tid = (uint32_t)i + 1;
		x->thr[i].parent_tid = i ? 1 : 0;
		x->thr[i].name = (char *)(hostile ? htnames[i] : tnames[i]);
		x->thr[i].created_at = i ? fx_stack_top(x, "pthread_create", "main", 35,
						   "__libc_start_call_main", 0) : NULL;
	}
	x->thr[3].name = (char *)(hostile ? htnames[3] : ""); /* unnamed: shown as T4 */

	/* [0] potential deadlock: teller-k holds L_k, requests L_k+1 */
	f = &x->fnd[0];
	f->kind = LH_KIND_POTENTIAL_DEADLOCK;
	strcpy(f->id, "a1b2c3d4e5f60718");
	f->count = 3;
	f->summary = (char *)(hostile
		? "cycle <script>alert(1)</script> -> bad\xff -> ctl\x01 (3 threads)"
		: "lock order cycle acct_lock_A -> acct_lock_B -> acct_lock_C -> acct_lock_A between 3 threads");
	f->fix = (char *)(hostile
		? "Take </script><script>alert(6)</script> first. \"quoted\" & 'single'"
		: "Take the locks in one global order (acct_lock_A before acct_lock_B before "
		  "acct_lock_C), or take them together with lh_lock_many(), or rewrite transfer() "
		  "with lh_atomically() so it takes no lock at all.");
	f->proc = &x->proc;
	for (int i = 0; i < 3; i++) {
		x->l0[i] = &x->locks[i];
		x->t0[i] = &x->thr[i + 1];
		fx_event(&x->ev0[2 * i], "hold", (uint32_t)i + 2, &x->locks[i],
			 fx_stack(x, fn, 9, "teller", 22));
		fx_event(&x->ev0[2 * i + 1], "acquire", (uint32_t)i + 2, &x->locks[(i + 1) % 3],
			 fx_stack(x, fn, 10, "teller", 22));
	}
	f->locks = x->l0; f->nlocks = 3;
	f->threads = x->t0; f->nthreads = 3;
	f->events = x->ev0; f->nevents = 6;

	/* [1] lock-order in one thread (main), known from a baseline */
	f = &x->fnd[1];
	f->kind = LH_KIND_LOCK_ORDER;
	strcpy(f->id, "00ff00ff00ff00ff");
	f->count = 1;
	f->known = 1;
	f->summary = (char *)"acct_lock_A and log_lock taken in both orders by one thread";
	f->fix = (char *)"Declare levels: acct_lock_A 10, log_lock 20.";
	f->proc = &x->proc;
	x->l1[0] = &x->locks[0]; x->l1[1] = &x->locks[3];
	x->t1[0] = &x->thr[0];
	fx_event(&x->ev1[0], "hold", 1, &x->locks[0], x->thr[1].created_at);
	fx_event(&x->ev1[1], "acquire", 1, &x->locks[3], x->ev0[1].stack);
	fx_event(&x->ev1[2], "hold", 1, &x->locks[3], x->ev0[2].stack);
	fx_event(&x->ev1[3], "acquire", 1, &x->locks[0], x->ev0[3].stack);
	x->ev1[2].mode = LH_MODE_READ;
	f->locks = x->l1; f->nlocks = 2;
	f->threads = x->t1; f->nthreads = 1;
	f->events = x->ev1; f->nevents = 4;

	/* [2] misuse: no cycle, one event with a stack whose frames are NULL */
	f = &x->fnd[2];
	f->kind = LH_KIND_MISUSE;
	strcpy(f->id, "1234567890abcdef");
	f->count = 2;
	f->summary = (char *)"pthread_mutex_unlock of log_lock, which this thread does not hold";
	f->fix = (char *)"Unlock only locks the thread holds.";
	f->detail = (char *)"pthread_mutex_unlock returned EPERM";
	f->proc = &x->proc;
	x->l2[0] = &x->locks[3];
	x->t2[0] = &x->thr[2];
	{
		lh_stack *s = fx_stack(x, "audit", 12, "teller", 22);

		s->frames = NULL; /* unsymbolized: writers print hex pcs */
		fx_event(&x->ev2[0], "unlock", 3, &x->locks[3], s);
	}
	f->locks = x->l2; f->nlocks = 1;
	f->threads = x->t2; f->nthreads = 1;
	f->events = x->ev2; f->nevents = 1;

	/* [3] suppressed race: never shown */
	f = &x->fnd[3];
	f->kind = LH_KIND_RACE;
	strcpy(f->id, "5555555555555555");
	f->count = 1;
	f->suppressed = 1;
	f->summary = (char *)"SUPPRESSED-RACE-MUST-NOT-APPEAR";
	f->fix = (char *)"";
	f->proc = &x->proc;
	x->l3[0] = &x->locks[4];
	x->t3[0] = &x->thr[1];
	fx_event(&x->ev3[0], "access", 2, NULL, x->ev0[0].stack);
	f->locks = x->l3; f->nlocks = 1;
	f->threads = x->t3; f->nthreads = 1;
	f->events = x->ev3; f->nevents = 1;

	x->m.findings = x->fnd;
	x->m.nfindings = 4;

	/* pruned: B <-> C, both edges under gate_lock */
	x->pruned[0].reason = (char *)(hostile ? "gate <i>lock</i> \x02 held on every edge"
					       : "gate lock gate_lock held on every edge");
	f = &x->pruned[0].cycle;
	f->kind = LH_KIND_POTENTIAL_DEADLOCK;
	strcpy(f->id, "feedfacecafebeef");
	f->count = 1;
	f->summary = (char *)"acct_lock_B -> acct_lock_C -> acct_lock_B under gate_lock";
	f->fix = (char *)"";
	f->proc = &x->proc;
	x->lp[0] = &x->locks[1]; x->lp[1] = &x->locks[2];
	x->tp[0] = &x->thr[1]; x->tp[1] = &x->thr[2];
	fx_event(&x->evp[0], "hold", 2, &x->locks[1], x->ev0[2].stack);
	fx_event(&x->evp[1], "acquire", 2, &x->locks[2], x->ev0[3].stack);
	fx_event(&x->evp[2], "hold", 3, &x->locks[2], x->ev0[4].stack);
	fx_event(&x->evp[3], "acquire", 3, &x->locks[1], x->ev0[1].stack);
	f->locks = x->lp; f->nlocks = 2;
	f->threads = x->tp; f->nthreads = 2;
	f->events = x->evp; f->nevents = 4;
	x->m.pruned = x->pruned;
	x->m.npruned = 1;

	/* raw edges for the whole lock-order graph: the cycle, the pruned pair,
	 * and log_lock after each account lock */
	{
		static const int from[6] = { 0, 1, 2, 0, 1, 2 };
		static const int to[6] = { 1, 2, 0, 3, 3, 1 };

		for (int i = 0; i < 6; i++) {
			x->held[i] = (lh_held){ &x->locks[from[i]], x->ev0[0].stack->id, LH_MODE_WRITE };
			x->deps[i] = (lh_dep){ .tid = 2, .seg = 0, .lock = &x->locks[to[i]],
					       .stack = x->ev0[1].stack->id, .mode = LH_MODE_WRITE,
					       .nheld = 1, .held = &x->held[i] };
		}
		x->proc.deps = x->deps;
		x->proc.ndeps = 6;
	}
}

static lh_report_opts fx_opts(void)
{
	lh_report_opts o = { 0 };

	o.command = "bank --accounts 3";
	o.date = "2024-01-02T03:04:05Z";
	return o;
}

#endif
