/*
 * pass_online.c - findings the shim decided while the program ran (FINDING
 * records: real deadlocks, misuse, level violations, races) turned into
 * lh_findings with events, locks and threads.
 *
 * Events: a part with role HOLDS becomes "hold", WAITS becomes "wait" for
 * deadlocks and "acquire" for level violations (the shim reports the
 * violating acquisition before it blocks), OTHER becomes "use".  A level
 * violation keeps one held lock, the one that makes the acquisition
 * illegal, so its id equals the one pass_levels.c computes offline for
 * the same pair of sites and the two merge.  A deadlock's per-thread
 * groups (wait, then holds) are sorted by their sites, so the id does not
 * depend on which thread happened to detect it.  Misuse ids are salted
 * with the sub-kind (an unlock of a lock not held and one by a non-owner
 * at the same site are two findings).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

static const char *onl_lock_word(const lh_lock *l)
{
	return l ? pass_kind_word(l->kind, 0) : "lock";
}

static const char *onl_lock_name(const lh_lock *l)
{
	return l ? l->name : "(unknown)";
}

static int onl_part_event(lh_finding *f, lh_process *p, const lh_online_part *pt,
			  const char *what)
{
	int rc = pass_add_event(f, what, pt->tid, pt->lock, lh_stack_find(p, pt->stack),
				pt->mode);

	if (!rc)
		rc = pass_add_lock(f, pt->lock);
	if (!rc)
		rc = pass_add_thread(f, lh_thread_find(p, pt->tid));
	return rc;
}

/* ---- deadlocks ----------------------------------------------------------- */

typedef struct onl_group {
	size_t first, n;        /* parts[first..first+n) */
	char   key[1200];
} onl_group;

static int onl_group_cmp(const void *a, const void *b)
{
	return strcmp(((const onl_group *)a)->key, ((const onl_group *)b)->key);
}

static int onl_deadlock(lh_model *m, lh_process *p, const lh_online *on, const lh_order *ord)
{
	lh_finding *f = pass_add_finding(m, LH_KIND_DEADLOCK, p);
	onl_group *g = calloc(on->nparts + 1, sizeof(*g));
	size_t ng = 0;
	char *names = NULL;
	int rc = 0;

	if (!f || !g) {
		free(g);
		return -ENOMEM;
	}
	/* groups: a part of a new thread (or a WAITS part) starts one */
	for (size_t i = 0; i < on->nparts; i++) {
		const lh_online_part *pt = &on->parts[i];

		if (ng == 0 || pt->role == LH_ROLE_WAITS ||
		    pt->tid != on->parts[g[ng - 1].first].tid) {
			char site[1024];

			ids_site(p, lh_stack_find(p, pt->stack), site, sizeof(site));
			g[ng].first = i;
			snprintf(g[ng].key, sizeof(g[ng].key), "%u|%s|%s", pt->role,
				 pt->lock ? pass_class_key(pt->lock) : "", site);
			ng++;
		}
		g[ng - 1].n++;
	}
	qsort(g, ng, sizeof(*g), onl_group_cmp);
	for (size_t k = 0; k < ng && !rc; k++)
		for (size_t i = g[k].first; i < g[k].first + g[k].n && !rc; i++) {
			const lh_online_part *pt = &on->parts[i];

			rc = onl_part_event(f, p, pt, pt->role == LH_ROLE_HOLDS ? "hold" : "wait");
		}
	free(g);
	if (rc)
		return rc;
	f->detail = strdup(on->message);
	switch (on->subkind) {
	case LH_DL_SELF: {
		const lh_lock *l = f->nlocks ? f->locks[0] : NULL;
		char who[64];

		if (f->nthreads)
			lh_thread_label(f->threads[0], who, sizeof(who));
		else
			snprintf(who, sizeof(who), "T%u", on->tid);
		f->summary = pass_printf("deadlock: thread %s relocks %s %s it already holds",
					 who, onl_lock_word(l), onl_lock_name(l));
		f->fix = pass_printf(
			"A non-recursive %s cannot be locked again by the thread that holds it. "
			"Release it before calling code that locks it, split the callee into a "
			"variant that expects the lock to be held (e.g. foo_locked()), or, if "
			"re-entry is intended, create it with PTHREAD_MUTEX_RECURSIVE.",
			onl_lock_word(l));
		break;
	}
	case LH_DL_WATCHDOG:
		f->summary = pass_printf("deadlock: all %zu threads blocked past the watchdog "
					 "timeout (locks, condition variables or joins)",
					 f->nthreads);
		f->fix = pass_printf(
			"Every thread waits for something no running thread will provide. "
			"Check that each condition wait has a matching signal made after the "
			"state change it waits for, while holding the same mutex, that the "
			"predicate is re-checked in a loop, and that no thread joins a thread "
			"that waits for it.");
		break;
	default: {
		lh_finding tmp = *f;

		if (f->nlocks >= 2) {
			size_t shown = f->nlocks > 5 ? 4 : f->nlocks;
			char *list = strdup("");

			for (size_t i = 0; i < shown && list; i++) {
				char *nl = pass_printf("%s%s%s", list,
						       i == 0 ? "" : (i + 1 == shown && shown == f->nlocks) ?
						       " and " : ", ", f->locks[i]->name);

				free(list);
				list = nl;
			}
			if (list && shown < f->nlocks) {
				char *nl = pass_printf("%s and %zu more", list, f->nlocks - shown);

				free(list);
				list = nl;
			}
			names = list;
		}
		f->summary = pass_printf("deadlock: %zu threads wait for each other%s%s%s",
					 f->nthreads, names ? " (" : "", names ? names : "",
					 names ? ")" : "");
		tmp.kind = LH_KIND_POTENTIAL_DEADLOCK;
		f->fix = fix_cycle(&tmp, ord);
		free(names);
		break;
	}
	}
	if (!f->summary || !f->fix || !f->detail)
		return -ENOMEM;
	return ids_compute(f);
}

/* ---- misuse ----------------------------------------------------------------- */

static const char *onl_misuse_text(uint32_t sub)
{
	switch (sub) {
	case LH_MIS_UNLOCK_NOT_HELD:  return "unlock of a %s that is not locked: %s";
	case LH_MIS_UNLOCK_NOT_OWNER: return "unlock of %s %s by a thread that does not hold it";
	case LH_MIS_DESTROY_LOCKED:   return "destroy of a locked %s: %s";
	case LH_MIS_RELOCK:           return "relock of non-recursive %s %s by its owner";
	case LH_MIS_UNINITIALIZED:    return "use of an uninitialized %s: %s";
	case LH_MIS_DESTROYED_USE:    return "use of a destroyed %s: %s";
	case LH_MIS_COND_NOT_HELD:    return "condition wait without holding %s %s";
	case LH_MIS_COND_TWO_MUTEXES: return "one condition variable used with two mutexes (%s %s, ...)";
	case LH_MIS_EXIT_HOLDING:     return "thread exits holding %s %s";
	case LH_MIS_ERROR_RETURN:     return "call on %s %s returned an error";
	case LH_MIS_BLOCK_IN_TX:      return "blocking acquisition of %s %s inside an STM transaction";
	default:                      return "misuse of %s %s";
	}
}

static const char *onl_misuse_fix(uint32_t sub)
{
	switch (sub) {
	case LH_MIS_UNLOCK_NOT_HELD:
		return "Unlock only what this thread locked, exactly once: check the error "
		       "paths for a second unlock and pair every lock with one unlock.";
	case LH_MIS_UNLOCK_NOT_OWNER:
		return "A mutex must be unlocked by the thread that locked it. To hand work "
		       "to another thread, use a condition variable or a semaphore instead.";
	case LH_MIS_DESTROY_LOCKED:
		return "Destroy a lock only when no thread holds it or waits for it: join or "
		       "otherwise quiesce its users first and unlock it before destroying.";
	case LH_MIS_RELOCK:
		return "A non-recursive mutex cannot be locked twice by its owner: release it "
		       "first, call a variant that expects it held, or make it recursive.";
	case LH_MIS_UNINITIALIZED:
		return "Initialise the lock (pthread_mutex_init or PTHREAD_MUTEX_INITIALIZER) "
		       "before its first use.";
	case LH_MIS_DESTROYED_USE:
		return "The lock was used after pthread_*_destroy: keep it alive until its last "
		       "user is done, or re-initialise it before reuse.";
	case LH_MIS_COND_NOT_HELD:
		return "Hold the mutex passed to pthread_cond_wait while calling it, and check "
		       "the predicate under the same mutex.";
	case LH_MIS_COND_TWO_MUTEXES:
		return "Use each condition variable with a single mutex: the one protecting the "
		       "state it signals.";
	case LH_MIS_EXIT_HOLDING:
		return "Release every lock before the thread returns or calls pthread_exit; "
		       "look for an early return between a lock and its unlock.";
	case LH_MIS_ERROR_RETURN:
		return "Check the return value of the call and fix the cause named in the "
		       "message (EINVAL: bad object or attribute, EDEADLK: relock, EPERM: "
		       "not the owner, EBUSY: still in use).";
	case LH_MIS_BLOCK_IN_TX:
		return "A transaction may run several times and must not block: move the lock "
		       "out of lh_atomically(), or replace it with transactional variables.";
	default:
		return "See the message for what the shim observed.";
	}
}

static int onl_misuse(lh_model *m, lh_process *p, const lh_online *on)
{
	lh_finding *f = pass_add_finding(m, LH_KIND_MISUSE, p);
	const lh_lock *l = NULL;
	char salt[32], *what;
	int rc = 0;

	if (!f)
		return -ENOMEM;
	for (uint32_t i = 0; i < on->nparts && !rc; i++) {
		const lh_online_part *pt = &on->parts[i];

		if (!l)
			l = pt->lock;
		rc = onl_part_event(f, p, pt, pt->role == LH_ROLE_HOLDS ? "hold" :
				    pt->role == LH_ROLE_WAITS ? "wait" : "use");
	}
	if (!rc && !f->nthreads)
		rc = pass_add_thread(f, lh_thread_find(p, on->tid));
	if (rc)
		return rc;
	if (on->subkind == LH_MIS_BLOCK_IN_TX && !l) {
		/* I/O in a transaction attempt: the shim's message names the call
		 * ("write(2) inside an STM transaction attempt: ..."); its first
		 * clause is the summary */
		const char *colon = strstr(on->message, ": ");

		what = colon ? pass_printf("%.*s", (int)(colon - on->message), on->message) :
			       strdup(on->message);
	} else {
		what = pass_printf(onl_misuse_text(on->subkind), onl_lock_word(l), onl_lock_name(l));
	}
	if (what && on->subkind == LH_MIS_ERROR_RETURN && on->err) {
		const char *en = strerrorname_np(on->err);
		char *w = pass_printf("%s (%s)", what, en ? en : "?");

		free(what);
		what = w;
	}
	f->summary = what ? pass_printf("misuse: %s", what) : NULL;
	free(what);
	f->detail = strdup(on->message);
	f->fix = strdup(on->subkind == LH_MIS_BLOCK_IN_TX && !l ?
			"A transaction attempt may run several times, so its output would be "
			"repeated: register the I/O with lh_on_commit() inside the transaction "
			"(it runs once, after the commit), or do it after lh_atomically() returns." :
			onl_misuse_fix(on->subkind));
	if (!f->summary || !f->detail || !f->fix)
		return -ENOMEM;
	snprintf(salt, sizeof(salt), "misuse:%u:%d", on->subkind, on->err);
	return ids_compute_salted(f, salt);
}

/* ---- level violations ---------------------------------------------------------- */

/* A part's level.  The shim writes LH_LEVEL_LEAF for a lock declared with
 * lh_lock_leaf(): the lock is marked LH_ATTR_LEAF and has no numeric level. */
static int64_t onl_part_level(const lh_online_part *pt)
{
	if (pt->level == LH_LEVEL_LEAF) {
		if (pt->lock)
			pt->lock->attrs |= LH_ATTR_LEAF;
		return LH_NO_LEVEL;
	}
	if (pt->level != LH_NO_LEVEL)
		return pt->level;
	return pt->lock ? pt->lock->level : LH_NO_LEVEL;
}

/* 1 if part a makes a later acquisition more illegal than part b: a leaf
 * first, then the lowest level. */
static int onl_part_stricter(const lh_online_part *a, const lh_online_part *b)
{
	int64_t la = onl_part_level(a), lb = onl_part_level(b);

	if (a->level == LH_LEVEL_LEAF || b->level == LH_LEVEL_LEAF)
		return a->level == LH_LEVEL_LEAF && b->level != LH_LEVEL_LEAF;
	return la != LH_NO_LEVEL && (lb == LH_NO_LEVEL || la <= lb);
}

static int onl_level(lh_model *m, lh_process *p, const lh_online *on)
{
	const lh_online_part *acq = NULL, *held = NULL;

	for (uint32_t i = 0; i < on->nparts; i++)
		if (on->parts[i].role != LH_ROLE_HOLDS && !acq)
			acq = &on->parts[i];
	/* the held lock that makes it illegal: the lowest level, latest taken */
	for (uint32_t i = 0; i < on->nparts; i++) {
		const lh_online_part *pt = &on->parts[i];

		if (pt->role != LH_ROLE_HOLDS)
			continue;
		if (!held || onl_part_stricter(pt, held))
			held = pt;
	}
	if (!acq || !held) {
		/* unusual shape: keep every part as it came */
		lh_finding *f = pass_add_finding(m, LH_KIND_LEVEL_VIOLATION, p);
		int rc = 0;

		if (!f)
			return -ENOMEM;
		for (uint32_t i = 0; i < on->nparts && !rc; i++)
			rc = onl_part_event(f, p, &on->parts[i],
					    on->parts[i].role == LH_ROLE_HOLDS ? "hold" : "acquire");
		if (rc)
			return rc;
		f->summary = pass_printf("level violation: %s", on->message);
		f->detail = strdup(on->message);
		f->fix = strdup("Acquire locks in decreasing level order (a thread holding a "
				"lock of level M may only take locks of lower levels).");
		return f->summary && f->detail && f->fix ? ids_compute(f) : -ENOMEM;
	}
	{
		lh_level_pair lp = {
			.tid = acq->tid,
			.held = held->lock, .hstack = lh_stack_find(p, held->stack),
			.hmode = held->mode, .hlevel = onl_part_level(held),
			.acq = acq->lock, .astack = lh_stack_find(p, acq->stack),
			.amode = acq->mode, .alevel = onl_part_level(acq),
			.message = on->message,
		};

		return pass_level_finding(m, p, &lp);
	}
}

/* ---- everything else (races, unknown kinds) ------------------------------------- */

static int onl_other(lh_model *m, lh_process *p, const lh_online *on)
{
	lh_finding *f = pass_add_finding(m, on->kind == LH_FIND_RACE ? LH_KIND_RACE :
					 LH_KIND_MISUSE, p);
	char salt[32];
	int rc = 0;

	if (!f)
		return -ENOMEM;
	for (uint32_t i = 0; i < on->nparts && !rc; i++)
		rc = onl_part_event(f, p, &on->parts[i],
				    on->parts[i].role == LH_ROLE_HOLDS ? "hold" : "access");
	if (rc)
		return rc;
	f->summary = pass_printf("%s: %s", on->kind == LH_FIND_RACE ? "race" : "misuse",
				 on->message);
	f->detail = strdup(on->message);
	f->fix = strdup(on->kind == LH_FIND_RACE ?
			"Access the location only while holding the lock that protects it." :
			"See the message for what the shim observed.");
	if (!f->summary || !f->detail || !f->fix)
		return -ENOMEM;
	snprintf(salt, sizeof(salt), "online:%u:%u", on->kind, on->subkind);
	return ids_compute_salted(f, salt);
}

int pass_online(lh_model *m, const lh_order *ord)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		lh_process *p = m->procs[i];
		const lh_online *on = p->online;

		for (size_t j = 0; j < p->nonline; j++) {
			size_t before = m->nfindings;
			int rc;

			switch (on[j].kind) {
			case LH_FIND_DEADLOCK:
				rc = onl_deadlock(m, p, &on[j], ord);
				break;
			case LH_FIND_MISUSE:
				rc = onl_misuse(m, p, &on[j]);
				break;
			case LH_FIND_LEVEL_VIOLATION:
				rc = onl_level(m, p, &on[j]);
				break;
			default:
				rc = onl_other(m, p, &on[j]);
				break;
			}
			if (rc)
				return rc;
			/* the shim reports a repeat once and counts it (FINDING_COUNT) */
			if (on[j].count > 1 && m->nfindings == before + 1)
				m->findings[before].count = on[j].count;
		}
	}
	return 0;
}
