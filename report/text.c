/*
 * text.c - the terminal report, in the spirit of lockdep: every finding has
 * the same sections in the same order, so people (and scripts) learn where
 * to look.
 *
 *   =====...
 *   [1] POTENTIAL DEADLOCK (error)
 *   =====...
 *   summary line
 *   Cycle: A → B → C → A                      (cycle findings)
 *   Locks:  name, address, class, level
 *   Edge 1 of 3: thread X holds A and requests B
 *     A was taken at:      #0 function (file:line) module
 *     B was requested at:  ...
 *   Possible unsafe locking scenario:         (cycle findings)
 *     one column per edge's thread, one row per step, then *** DEADLOCK ***
 *   Events: ...                               (other findings)
 *   Object, Candidate set: ...                (races)
 *   Threads: each thread and where it was created
 *   Fix: the paragraph from the analyzer
 *   id ID, seen N times
 *
 * and one closing line: "lockhound: N findings (by kind)".
 *
 * Every string that came from the traced program is printed through
 * text_put(), which replaces control characters (terminal escapes) and
 * invalid UTF-8, so a hostile thread name cannot repaint the terminal.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report_util.h"

#define TEXT_RULE "======================================================================"
#define TEXT_WRAP 76

typedef struct text_ctx {
	FILE                 *out;
	const lh_report_opts *o;
} text_ctx;

static const char *text_color(const text_ctx *c, const char *code)
{
	return c->o && c->o->color ? code : "";
}

#define C_RESET "\033[0m"
#define C_BOLD  "\033[1m"
#define C_RED   "\033[1;31m"
#define C_YEL   "\033[1;33m"
#define C_CYAN  "\033[1;36m"
#define C_DIM   "\033[2m"

/* Untrusted text: control characters become '?', bad UTF-8 U+FFFD. */
static void text_put(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	while (n) {
		uint32_t cp;
		size_t used = rep_utf8_next(p, n, &cp);

		p += used;
		n -= used;
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			cp = '?';
		rep_utf8_put(out, cp);
	}
}

/* Display width in code points (what a terminal shows for most text). */
static size_t text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0;

	while (n) {
		uint32_t cp;
		size_t used = rep_utf8_next(p, n, &cp);

		p += used;
		n -= used;
		w++;
	}
	return w;
}

static void text_pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

/* Word-wraps a paragraph at TEXT_WRAP columns, every line indented. */
static void text_wrap(FILE *out, const char *s, int indent)
{
	size_t col = 0;
	const char *p = s ? s : "";

	while (*p) {
		size_t len;
		char *word;

		if (*p == '\n') {
			fputc('\n', out);
			col = 0;
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		len = strcspn(p, " \n");
		if (col && col + 1 + len > TEXT_WRAP) {
			fputc('\n', out);
			col = 0;
		}
		if (!col) {
			text_pad(out, (size_t)indent);
			col = (size_t)indent;
		} else {
			fputc(' ', out);
			col++;
		}
		word = strndup(p, len);
		if (word) {
			text_put(out, word);
			free(word);
		}
		col += len;
		p += len;
	}
	if (col)
		fputc('\n', out);
}

static void text_frame(FILE *out, const lh_frame *fr, uint32_t i)
{
	fprintf(out, "    #%-2u ", i);
	if (!fr->function[0] && !fr->file[0] && !fr->module[0]) {
		fprintf(out, "0x%" PRIx64 "\n", fr->pc);
		return;
	}
	text_put(out, fr->function[0] ? fr->function : "??");
	if (fr->file[0]) {
		fputs(" (", out);
		text_put(out, fr->file);
		if (fr->line > 0)
			fprintf(out, ":%d", fr->line);
		fputc(')', out);
	} else {
		fprintf(out, " [0x%" PRIx64 "]", fr->pc);
	}
	if (fr->module[0]) {
		fputc(' ', out);
		text_put(out, rep_basename(fr->module));
	}
	fputc('\n', out);
}

static void text_stack(FILE *out, const lh_stack *s)
{
	if (!s || !s->depth) {
		fputs("    (no stack recorded)\n", out);
		return;
	}
	for (uint32_t i = 0; i < s->depth; i++) {
		lh_frame fr = rep_frame(s, i);

		text_frame(out, &fr, i);
	}
}

static void text_cycle_line(const text_ctx *c, const lh_finding *f,
			    const rep_edge *e, size_t ne)
{
	FILE *out = c->out;
	const char *first = NULL;

	fprintf(out, "%sCycle:%s ", text_color(c, C_BOLD), text_color(c, C_RESET));
	if (f->nlocks) {
		for (size_t i = 0; i < f->nlocks; i++) {
			text_put(out, rep_lock_name(f->locks[i]));
			fputs(" → ", out);
		}
		first = rep_lock_name(f->locks[0]);
	} else {
		for (size_t i = 0; i < ne; i++) {
			text_put(out, rep_lock_name(e[i].hold->lock));
			fputs(" → ", out);
		}
		first = rep_lock_name(e[0].hold->lock);
	}
	text_put(out, first);
	fputc('\n', out);
}

static void text_locks(const text_ctx *c, const lh_finding *f)
{
	FILE *out = c->out;

	if (!f->nlocks)
		return;
	fprintf(out, "\n%sLocks:%s\n", text_color(c, C_BOLD), text_color(c, C_RESET));
	for (size_t i = 0; i < f->nlocks; i++) {
		const lh_lock *l = f->locks[i];

		if (!l)
			continue;
		fputs("  ", out);
		text_put(out, rep_lock_name(l));
		fprintf(out, " at 0x%" PRIx64, l->addr);
		if (l->cls && l->cls->key) {
			fputs(", class ", out);
			text_put(out, l->cls->key);
		}
		if (l->level != LH_NO_LEVEL)
			fprintf(out, ", level %" PRId64, l->level);
		fputc('\n', out);
	}
}

static const char *text_lockop(const lh_fevent *e)
{
	return (e->mode & LH_MODE_READ) ? "rlock" : "lock";
}

static void text_edges(const text_ctx *c, const lh_finding *f,
		       const rep_edge *e, size_t ne)
{
	FILE *out = c->out;
	char buf[32];

	for (size_t i = 0; i < ne; i++) {
		fprintf(out, "\n%sEdge %zu of %zu:%s thread ", text_color(c, C_BOLD),
			i + 1, ne, text_color(c, C_RESET));
		text_put(out, rep_thread_label(f, e[i].acq->thread, buf, sizeof(buf)));
		fputs(" holds ", out);
		text_put(out, rep_lock_name(e[i].hold->lock));
		fputs(" and requests ", out);
		text_put(out, rep_lock_name(e[i].acq->lock));
		fputs("\n  ", out);
		text_put(out, rep_lock_name(e[i].hold->lock));
		fputs(" was taken at:\n", out);
		text_stack(out, e[i].hold->stack);
		fputs("  ", out);
		text_put(out, rep_lock_name(e[i].acq->lock));
		fputs(" was requested at:\n", out);
		text_stack(out, e[i].acq->stack);
	}
}

/*
 * The scenario: column i is edge i's thread.  First every thread takes the
 * lock it holds (rows 1..n), then every thread asks for the next lock
 * (rows n+1..2n), and nobody can go on.
 */
static int text_scenario(const text_ctx *c, const lh_finding *f,
			 const rep_edge *e, size_t ne)
{
	FILE *out = c->out;
	char **head = calloc(ne, sizeof(*head));
	size_t *w = calloc(ne, sizeof(*w));
	char buf[32];
	int err = 0;

	if (!head || !w) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ne; i++) {
		const char *label = rep_thread_label(f, e[i].acq->thread, buf, sizeof(buf));
		size_t dup = 0;
		rep_buf b = { 0 };

		for (size_t k = 0; k < i; k++)
			if (e[k].acq->thread == e[i].acq->thread)
				dup++;
		rep_buf_puts(&b, label);
		if (dup)
			rep_buf_printf(&b, " (path %zu)", dup + 1);
		if (b.err) {
			rep_buf_free(&b);
			err = -ENOMEM;
			goto out;
		}
		head[i] = b.s;
		w[i] = text_width(head[i]);
		for (int k = 0; k < 2; k++) {
			const lh_fevent *ev = k ? e[i].acq : e[i].hold;
			size_t cw = text_width(rep_lock_name(ev->lock)) + strlen(text_lockop(ev)) + 3;

			if (cw > w[i])
				w[i] = cw;
		}
		w[i] += 4;
	}

	fprintf(out, "\n%sPossible unsafe locking scenario:%s\n\n", text_color(c, C_BOLD),
		text_color(c, C_RESET));
	for (int line = 0; line < 2; line++) {
		text_pad(out, 8);
		for (size_t i = 0; i < ne; i++) {
			size_t hw = text_width(head[i]);

			if (line == 0)
				text_put(out, head[i]);
			else
				for (size_t k = 0; k < hw; k++)
					fputc('-', out);
			if (i + 1 < ne)
				text_pad(out, w[i] - hw);
		}
		fputc('\n', out);
	}
	for (size_t row = 0; row < 2 * ne; row++) {
		size_t col = row % ne;
		const lh_fevent *ev = row < ne ? e[col].hold : e[col].acq;

		fprintf(out, "  %3zu   ", row + 1);
		for (size_t i = 0; i < col; i++)
			text_pad(out, w[i]);
		fputs(text_lockop(ev), out);
		fputc('(', out);
		text_put(out, rep_lock_name(ev->lock));
		fputs(");\n", out);
	}
	fprintf(out, "\n        %s*** DEADLOCK ***%s%s\n", text_color(c, C_RED),
		text_color(c, C_RESET),
		f->kind == LH_KIND_LOCK_ORDER ? "  (once these paths run concurrently)" : "");
out:
	if (head)
		for (size_t i = 0; i < ne; i++)
			free(head[i]);
	free(head);
	free(w);
	return err;
}

static void text_events(const text_ctx *c, const lh_finding *f)
{
	FILE *out = c->out;
	char buf[32];

	if (!f->nevents)
		return;
	fprintf(out, "\n%sEvents:%s\n", text_color(c, C_BOLD), text_color(c, C_RESET));
	for (size_t i = 0; i < f->nevents; i++) {
		const lh_fevent *e = &f->events[i];

		fprintf(out, "  %zu. ", i + 1);
		if (e->thread) {
			fputs("thread ", out);
			text_put(out, rep_thread_label(f, e->thread, buf, sizeof(buf)));
			fputc(' ', out);
		}
		if (e->access && f->race) {
			char *held = lh_race_held_text(e->access, e->held);

			fputs(e->access->write ? "writes " : "reads ", out);
			text_put(out, f->race->object);
			if (e->access->flags & LH_ACCESS_KERNEL)
				fputs(" (through a system call)", out);
			fputs(" holding ", out);
			text_put(out, held ? held : "?");
			free(held);
		} else if (f->race && e->what && !strcmp(e->what, "alloc")) {
			fputs("allocated ", out);
			text_put(out, f->race->object);
		} else {
			text_put(out, e->what ? e->what : "event");
		}
		if (e->lock) {
			fputc(' ', out);
			text_put(out, rep_lock_name(e->lock));
		}
		fputs(" at:\n", out);
		text_stack(out, e->stack);
	}
}

/* A race: the object, its declared lock, and the candidate-set history. */
static void text_race(const text_ctx *c, const lh_finding *f)
{
	FILE *out = c->out;
	const lh_race *r = f->race;

	if (!r || !r->region)
		return;
	fprintf(out, "\n%sObject:%s ", text_color(c, C_BOLD), text_color(c, C_RESET));
	text_put(out, r->object);
	fprintf(out, " (%s, %" PRIu64 " bytes at 0x%" PRIx64 ")", r->source, r->region->len,
		r->region->addr);
	if (r->declared) {
		fputs(", declared lock ", out);
		text_put(out, rep_lock_name(r->declared));
	}
	fputc('\n', out);
	if (!r->nsteps)
		return;
	fprintf(out, "\n%sCandidate set (last %zu access%s, oldest first):%s\n",
		text_color(c, C_BOLD), r->nsteps, r->nsteps == 1 ? "" : "es", text_color(c, C_RESET));
	for (size_t i = 0; i < r->nsteps; i++) {
		char *line = lh_race_step_text(&r->steps[i]);

		fputs("  ", out);
		text_put(out, line ? line : "?");
		fputc('\n', out);
		free(line);
	}
}

static void text_threads(const text_ctx *c, const lh_finding *f)
{
	FILE *out = c->out;
	char buf[32];

	if (!f->nthreads)
		return;
	fprintf(out, "\n%sThreads:%s\n", text_color(c, C_BOLD), text_color(c, C_RESET));
	for (size_t i = 0; i < f->nthreads; i++) {
		const lh_thread *t = f->threads[i];

		if (!t)
			continue;
		fputs("  ", out);
		text_put(out, rep_thread_label(f, t->tid, buf, sizeof(buf)));
		if (t->name && t->name[0])
			fprintf(out, " (T%u)", t->tid);
		if (t->created_at && t->created_at->depth) {
			fprintf(out, " created by T%u at:\n", t->parent_tid);
			text_stack(out, t->created_at);
		} else if (!t->parent_tid) {
			fputs(": the main thread\n", out);
		} else {
			fprintf(out, " created by T%u (no stack recorded)\n", t->parent_tid);
		}
	}
}

static int text_finding(const text_ctx *c, const lh_finding *f, size_t nr)
{
	FILE *out = c->out;
	rep_severity sev = rep_kind_severity(f->kind);
	const char *col = sev == REP_ERROR ? C_RED : sev == REP_WARNING ? C_YEL : C_CYAN;
	rep_edge *e = NULL;
	size_t ne = 0;
	int err;

	err = rep_edges(f, &e, &ne);
	if (err)
		return err;

	fprintf(out, "%s\n%s[%zu] ", TEXT_RULE, text_color(c, col), nr);
	for (const char *p = lh_kind_name(f->kind); *p; p++)
		fputc(*p == '-' ? ' ' : (*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p), out);
	fprintf(out, " (%s)%s", rep_severity_name(sev), text_color(c, C_RESET));
	if (f->known)
		fputs("  [known: in baseline]", out);
	fprintf(out, "\n%s\n", TEXT_RULE);
	text_wrap(out, f->summary, 0);
	if (f->kind == LH_KIND_LOCK_ORDER && c->o && !c->o->strict)
		fputs("(lower severity: these paths did not run concurrently in this run;"
		      " counts only with --strict)\n", out);
	if (ne) {
		fputc('\n', out);
		text_cycle_line(c, f, e, ne);
	}
	text_locks(c, f);
	if (ne) {
		text_edges(c, f, e, ne);
		err = text_scenario(c, f, e, ne);
	} else {
		text_events(c, f);
		text_race(c, f);
	}
	if (f->detail && f->detail[0]) {
		fprintf(out, "\n%sDetail:%s\n", text_color(c, C_BOLD), text_color(c, C_RESET));
		text_wrap(out, f->detail, 2);
	}
	text_threads(c, f);
	if (f->fix && f->fix[0]) {
		fprintf(out, "\n%sFix:%s\n", text_color(c, C_BOLD), text_color(c, C_RESET));
		text_wrap(out, f->fix, 2);
	}
	fprintf(out, "\n%sid %s, seen %u time%s%s\n\n", text_color(c, C_DIM), f->id,
		f->count, f->count == 1 ? "" : "s", text_color(c, C_RESET));
	free(e);
	return err;
}

int lh_report_text(FILE *out, const lh_model *m, const lh_report_opts *o)
{
	text_ctx c = { out, o };
	size_t nr = 0;
	int err = 0;

	for (size_t i = 0; i < m->nfindings && !err; i++) {
		if (m->findings[i].suppressed)
			continue;
		err = text_finding(&c, &m->findings[i], ++nr);
	}
	rep_summary_line(out, m);
	fputc('\n', out);
	if (!err && ferror(out))
		err = -EIO;
	return err;
}
