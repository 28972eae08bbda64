/*
 * json.c - the JSON report of the contract (shared/CONTRACT.md "Findings"):
 *
 *   { "version": 1, "findings": [ {kind, id, count, [known], summary, locks,
 *     threads, events, fix, [detail]} ], "stats": {threads, locks, edges, events} }
 *
 * Race findings add, beyond the contract: on "access" events "access"
 * (read/write), "seq", "held" [{name, mode}], "kernel" when a system call's
 * buffer; on the finding "object" {name, source, address, size,
 * declared_lock} and "history" [{seq, thread, access, lockset, state,
 * candidates (null while exclusive)}], oldest first.
 *
 * Suppressed findings are left out; baseline ones carry "known": true.
 * A lock's "level" is left out when it has none.  Frames keep the model's
 * data: unknown function/file/module are "", an unknown line is 0.
 */
#include "json_out.h"
#include "report_util.h"

static void json_frames(rep_json *j, const lh_stack *s)
{
	rep_json_arr(j);
	for (uint32_t i = 0; s && i < s->depth; i++) {
		lh_frame fr = rep_frame(s, i);

		rep_json_obj(j);
		rep_json_key(j, "pc");
		rep_json_hex(j, fr.pc);
		rep_json_kstr(j, "function", fr.function);
		rep_json_kstr(j, "file", fr.file);
		rep_json_kint(j, "line", fr.line);
		rep_json_kstr(j, "module", fr.module);
		rep_json_end(j);
	}
	rep_json_end(j);
}

static void json_lock(rep_json *j, const lh_lock *l)
{
	rep_json_obj(j);
	rep_json_kstr(j, "name", rep_lock_name(l));
	rep_json_key(j, "address");
	rep_json_hex(j, l->addr);
	if (l->cls && l->cls->key)
		rep_json_kstr(j, "class", l->cls->key);
	if (l->level != LH_NO_LEVEL)
		rep_json_kint(j, "level", l->level);
	rep_json_end(j);
}

static void json_names(rep_json *j, lh_lock *const *l, size_t n)
{
	rep_json_arr(j);
	for (size_t i = 0; i < n; i++)
		rep_json_str(j, rep_lock_name(l[i]));
	rep_json_end(j);
}

/* An "access" event of a race: read or write, seq, the locks held. */
static void json_access(rep_json *j, const lh_fevent *e)
{
	const lh_access *a = e->access;

	rep_json_kstr(j, "access", a->write ? "write" : "read");
	rep_json_kint(j, "seq", (int64_t)a->seq);
	if (a->flags & LH_ACCESS_KERNEL) {
		rep_json_key(j, "kernel");
		rep_json_bool(j, 1);
	}
	rep_json_key(j, "held");
	rep_json_arr(j);
	for (size_t i = 0; i < e->nheld && i < a->nlocks; i++) {
		rep_json_obj(j);
		rep_json_key(j, "name");
		if (e->held && e->held[i])
			rep_json_str(j, rep_lock_name(e->held[i]));
		else
			rep_json_null(j);
		rep_json_kstr(j, "mode", (a->locks[i].mode & LH_MODE_WRITE) ? "write" : "read");
		rep_json_end(j);
	}
	rep_json_end(j);
}

/* Extra fields of a race finding: "object" and "history". */
static void json_race(rep_json *j, const lh_race *r)
{
	rep_json_key(j, "object");
	rep_json_obj(j);
	rep_json_kstr(j, "name", r->object ? r->object : "");
	rep_json_kstr(j, "source", r->source ? r->source : "");
	if (r->region) {
		rep_json_key(j, "address");
		rep_json_hex(j, r->region->addr);
		rep_json_kint(j, "size", (int64_t)r->region->len);
	}
	rep_json_key(j, "declared_lock");
	if (r->declared)
		rep_json_str(j, rep_lock_name(r->declared));
	else
		rep_json_null(j);
	rep_json_end(j);
	rep_json_key(j, "history");
	rep_json_arr(j);
	for (size_t i = 0; i < r->nsteps; i++) {
		const lh_race_step *st = &r->steps[i];

		rep_json_obj(j);
		rep_json_kint(j, "seq", (int64_t)st->seq);
		rep_json_kint(j, "thread", st->tid);
		rep_json_kstr(j, "access", st->write ? "write" : "read");
		rep_json_key(j, "lockset");
		json_names(j, st->held, st->nheld);
		rep_json_kstr(j, "state", st->state);
		rep_json_key(j, "candidates");
		if (st->has_cand)
			json_names(j, st->cand, st->ncand);
		else
			rep_json_null(j);
		rep_json_end(j);
	}
	rep_json_end(j);
}

static void json_finding(rep_json *j, const lh_finding *f)
{
	char buf[32];

	rep_json_obj(j);
	rep_json_kstr(j, "kind", lh_kind_name(f->kind));
	rep_json_kstr(j, "id", f->id);
	rep_json_kint(j, "count", f->count);
	if (f->known) {
		rep_json_key(j, "known");
		rep_json_bool(j, 1);
	}
	rep_json_kstr(j, "summary", f->summary ? f->summary : "");

	rep_json_key(j, "locks");
	rep_json_arr(j);
	for (size_t i = 0; i < f->nlocks; i++)
		if (f->locks[i])
			json_lock(j, f->locks[i]);
	rep_json_end(j);

	rep_json_key(j, "threads");
	rep_json_arr(j);
	for (size_t i = 0; i < f->nthreads; i++) {
		const lh_thread *t = f->threads[i];

		if (!t)
			continue;
		rep_json_obj(j);
		rep_json_kint(j, "id", t->tid);
		rep_json_kstr(j, "name", rep_thread_label(f, t->tid, buf, sizeof(buf)));
		rep_json_key(j, "created_at");
		json_frames(j, t->created_at);
		rep_json_end(j);
	}
	rep_json_end(j);

	rep_json_key(j, "events");
	rep_json_arr(j);
	for (size_t i = 0; i < f->nevents; i++) {
		const lh_fevent *e = &f->events[i];

		rep_json_obj(j);
		rep_json_kstr(j, "what", e->what ? e->what : "");
		rep_json_kint(j, "thread", e->thread);
		rep_json_key(j, "lock");
		if (e->lock)
			rep_json_str(j, rep_lock_name(e->lock));
		else
			rep_json_null(j);
		if (e->mode & LH_MODE_READ)
			rep_json_kstr(j, "mode", "read");
		if (e->access)
			json_access(j, e);
		rep_json_key(j, "stack");
		json_frames(j, e->stack);
		rep_json_end(j);
	}
	rep_json_end(j);

	if (f->race)
		json_race(j, f->race);
	rep_json_kstr(j, "fix", f->fix ? f->fix : "");
	if (f->detail)
		rep_json_kstr(j, "detail", f->detail);
	rep_json_end(j);
}

int lh_report_json(FILE *out, const lh_model *m, const lh_report_opts *o)
{
	rep_json j;

	(void)o;
	rep_json_init(&j, out, 1);
	rep_json_obj(&j);
	rep_json_kint(&j, "version", 1);
	rep_json_key(&j, "findings");
	rep_json_arr(&j);
	for (size_t i = 0; i < m->nfindings; i++)
		if (!m->findings[i].suppressed)
			json_finding(&j, &m->findings[i]);
	rep_json_end(&j);
	rep_json_key(&j, "stats");
	rep_json_obj(&j);
	rep_json_kint(&j, "threads", (int64_t)m->nthreads);
	rep_json_kint(&j, "locks", (int64_t)m->nlocks);
	rep_json_kint(&j, "edges", (int64_t)m->nedges);
	rep_json_kint(&j, "events", (int64_t)m->nevents);
	rep_json_end(&j);
	rep_json_end(&j);
	return rep_json_finish(&j);
}
