/*
 * json.c - the JSON report of the contract (shared/CONTRACT.md "Findings"):
 *
 *   { "version": 1, "findings": [ {kind, id, count, [known], summary, locks,
 *     threads, events, fix, [detail]} ], "stats": {threads, locks, edges, events} }
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
		rep_json_key(j, "stack");
		json_frames(j, e->stack);
		rep_json_end(j);
	}
	rep_json_end(j);

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
