/*
 * html.c - the HTML report: one self-contained page (inline CSS, JS, SVG;
 * no external URL, works from file://) that a person can read from top to
 * bottom:
 *
 *   header     program / command line, date, threads, locks, edges, events
 *   cards      counts by kind
 *   toolbar    a checkbox per kind and a search box (plain JS, html_assets.h)
 *   findings   one <article class="finding" data-kind=KIND> each:
 *              badge + summary, the cycle A → B → A, the cycle drawn by
 *              Graphviz (locks as nodes, edges labelled with threads), the
 *              scenario table, the fix (analyzer's text, the lock order to
 *              adopt, the same code with the STM), each edge's two stacks
 *              with source lines around the user frame, locks, threads and
 *              their creation stacks
 *   graph      the whole lock-order graph, cycle edges in red, capped
 *   pruned     cycles the precision rules removed, with the reason
 *
 * Escaping: every string from the traced program (and the analyzer's
 * texts, which quote those strings) goes through rep_html(); Graphviz
 * escapes its own labels; the script reads nothing but the DOM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/gvc.h>
#include <uthash.h>

#include "graph_svg.h"
#include "html_assets.h"
#include "html_out.h"
#include "report_util.h"
#include "source.h"

#ifndef LH_VERSION
#define LH_VERSION "0.0.0"
#endif

/* the whole-graph view stays readable up to about this size */
#define HTML_GRAPH_MAX_NODES 80
#define HTML_GRAPH_MAX_EDGES 160
#define HTML_SRC_CONTEXT     3

typedef struct html_ctx {
	FILE                 *out;
	const lh_report_opts *o;
	const lh_model       *m;
	GVC_t                *gvc;
	const char           *root;
} html_ctx;

#define P(s) fputs((s), c->out)
#define E(s) rep_html(c->out, (s))

static void html_badge(html_ctx *c, lh_kind k)
{
	fprintf(c->out, "<span class=\"badge k-%s\">%s</span>", lh_kind_name(k), lh_kind_name(k));
}

static void html_lock(html_ctx *c, const lh_lock *l)
{
	P("<span class=\"lockname\">");
	E(rep_lock_name(l));
	P("</span>");
}

static void html_thread(html_ctx *c, const lh_finding *f, uint32_t tid)
{
	char buf[32];

	P("<span class=\"thread\">");
	E(rep_thread_label(f, tid, buf, sizeof(buf)));
	P("</span>");
}

/* A snippet of the frame's source into a string ("" when unreadable). */
static char *html_snippet(html_ctx *c, const lh_frame *fr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int shown;

	if (!fr->file[0] || fr->line <= 0)
		return NULL;
	m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	shown = rep_source_html(m, c->root, fr->dir, fr->file, fr->line, HTML_SRC_CONTEXT);
	fclose(m);
	if (!shown || !len) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void html_stack(html_ctx *c, const lh_stack *s)
{
	int user;

	if (!s || !s->depth) {
		P("<p class=\"muted\">no stack recorded</p>");
		return;
	}
	user = rep_user_frame(s);
	P("<ol class=\"stack\">");
	for (uint32_t i = 0; i < s->depth; i++) {
		lh_frame fr = rep_frame(s, i);
		char *snip;

		fprintf(c->out, "<li class=\"frame%s\"><span class=\"no\">#%u</span>",
			(int)i == user || !s->frames ? "" : " runtime", i);
		if (!fr.function[0] && !fr.file[0] && !fr.module[0]) {
			fprintf(c->out, "<span class=\"fn\">0x%llx</span></li>",
				(unsigned long long)fr.pc);
			continue;
		}
		P("<span class=\"fn\">");
		E(fr.function[0] ? fr.function : "??");
		P("</span> ");
		if (fr.file[0]) {
			P("<span class=\"loc\">");
			E(fr.file);
			if (fr.line > 0)
				fprintf(c->out, ":%d", fr.line);
			P("</span>");
		} else {
			fprintf(c->out, "<span class=\"loc\">0x%llx</span>", (unsigned long long)fr.pc);
		}
		if (fr.module[0]) {
			P("<span class=\"mod\">");
			E(rep_basename(fr.module));
			P("</span>");
		}
		snip = html_snippet(c, &fr);
		if (snip) {
			P((int)i == user ? "<details open>" : "<details>");
			P("<summary class=\"note\">source</summary>");
			P(snip);
			P("</details>");
			free(snip);
		}
		P("</li>");
	}
	P("</ol>");
}

static void html_cycle_line(html_ctx *c, const lh_finding *f, const rep_edge *e, size_t ne)
{
	P("<div class=\"cycle\">");
	if (f->nlocks) {
		for (size_t i = 0; i < f->nlocks; i++) {
			html_lock(c, f->locks[i]);
			P("<span class=\"arrow\">→</span>");
		}
		html_lock(c, f->locks[0]);
	} else {
		for (size_t i = 0; i < ne; i++) {
			html_lock(c, e[i].hold->lock);
			P("<span class=\"arrow\">→</span>");
		}
		html_lock(c, e[0].hold->lock);
	}
	P("</div>");
}

static void html_cycle_graph(html_ctx *c, const lh_finding *f, const rep_edge *e, size_t ne,
			     const char *prefix)
{
	rep_graph g = { 0 };
	char buf[32];
	int err = 0;

	for (size_t i = 0; i < f->nlocks; i++)
		rep_graph_node(&g, rep_lock_name(f->locks[i]), 1);
	for (size_t i = 0; i < ne && !err; i++) {
		int a = rep_graph_node(&g, rep_lock_name(e[i].hold->lock), 1);
		int b = rep_graph_node(&g, rep_lock_name(e[i].acq->lock), 1);

		err = rep_graph_edge(&g, a, b,
				     rep_thread_label(f, e[i].acq->thread, buf, sizeof(buf)), 1);
	}
	P("<figure class=\"graph\">");
	if (err || rep_graph_svg(c->out, c->gvc, &g, prefix) != 0)
		P("<p class=\"muted\">(graph unavailable)</p>");
	P("<figcaption>Locks are boxes; an arrow A → B labelled with a thread means that "
	  "thread held A when it asked for B.</figcaption></figure>");
	rep_graph_free(&g);
}

static const char *html_op(const lh_fevent *ev)
{
	return (ev->mode & LH_MODE_READ) ? "rlock" : "lock";
}

static void html_scenario(html_ctx *c, const lh_finding *f, const rep_edge *e, size_t ne)
{
	P("<div><h3>Possible unsafe locking scenario</h3><table class=\"scenario\"><thead><tr>"
	  "<th></th>");
	for (size_t i = 0; i < ne; i++) {
		size_t dup = 0;

		for (size_t k = 0; k < i; k++)
			if (e[k].acq->thread == e[i].acq->thread)
				dup++;
		P("<th>");
		html_thread(c, f, e[i].acq->thread);
		if (dup)
			fprintf(c->out, " <span class=\"muted\">(path %zu)</span>", dup + 1);
		P("</th>");
	}
	P("</tr></thead><tbody>");
	for (size_t row = 0; row < 2 * ne; row++) {
		size_t col = row % ne;
		const lh_fevent *ev = row < ne ? e[col].hold : e[col].acq;

		fprintf(c->out, "<tr%s><td class=\"step\">%zu</td>",
			row < ne ? "" : " class=\"blocked\"", row + 1);
		for (size_t i = 0; i < ne; i++) {
			if (i != col) {
				P("<td></td>");
				continue;
			}
			fprintf(c->out, "<td class=\"op\">%s(", html_op(ev));
			E(rep_lock_name(ev->lock));
			P(");</td>");
		}
		P("</tr>");
	}
	fprintf(c->out, "<tr class=\"dl\"><td colspan=\"%zu\">*** DEADLOCK ***%s</td></tr>",
		ne + 1, f->kind == LH_KIND_LOCK_ORDER ? " (once these paths run concurrently)" : "");
	P("</tbody></table><p class=\"note\">Each thread takes its first lock, then asks for "
	  "the lock the next thread holds: nobody can go on.</p></div>");
}

/* An identifier for the STM example, or a neutral one. */
static const char *html_ident(const char *s)
{
	if (!s || !s[0] || (s[0] >= '0' && s[0] <= '9'))
		return "critical_section";
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return "critical_section";
	return s;
}

/* All the cycle's locks are instances of one class (bank accounts). */
static int html_same_class(const rep_edge *e, size_t ne)
{
	for (size_t i = 0; i < ne; i++)
		if (!e[i].hold->lock || !e[i].hold->lock->cls ||
		    e[i].hold->lock->cls != e[0].hold->lock->cls)
			return 0;
	return 1;
}

/* "thread T takes X while holding Y", then " in <code>fn</code> at
 * <code>file:line</code>" for the user frame of the edge's request. */
static void html_fix_against(html_ctx *c, const lh_finding *f, const rep_edge *last)
{
	int u = rep_user_frame(last->acq->stack);
	lh_frame fr;

	html_thread(c, f, last->acq->thread);
	P(" takes ");
	html_lock(c, last->acq->lock);
	P(" while holding ");
	html_lock(c, last->hold->lock);
	if (u < 0)
		return;
	fr = rep_frame(last->acq->stack, (uint32_t)u);
	P(" in <code>");
	E(fr.function[0] ? fr.function : "??");
	P("</code> at <code>");
	E(rep_basename(fr.file));
	fprintf(c->out, ":%d</code>", fr.line);
}

static void html_fix(html_ctx *c, const lh_finding *f, const rep_edge *e, size_t ne)
{
	P("<div class=\"fix\"><h3>How to fix</h3>");
	if (f->fix && f->fix[0]) {
		P("<p>");
		E(f->fix);
		P("</p>");
	}
	if (ne >= 2 && f->kind != LH_KIND_DEADLOCK) {
		const rep_edge *last = &e[ne - 1];
		const char *fn = "critical_section";
		int uf;

		if (html_same_class(e, ne)) {
			/* a numbered list would read "1. X 2. X": instances of one
			 * class are ordered by address, not by name */
			P("<p><b>Lock order to adopt</b>: all these locks are instances of "
			  "one class, so order them by address (lower address first) "
			  "everywhere, or take them together with <code>lh_lock_many()</code>."
			  "</p><p>Here ");
			html_fix_against(c, f, last);
			P(", while the other edges of the cycle take them the other way "
			  "round: which one comes first depends on the data, not on the "
			  "code.</p>");
		} else {
			P("<p><b>Lock order to adopt</b> (everywhere, every thread):</p><ol>");
			for (size_t i = 0; i < ne; i++) {
				P("<li>");
				html_lock(c, e[i].hold->lock);
				P("</li>");
			}
			P("</ol><p>The one acquisition against that order: ");
			html_fix_against(c, f, last);
			P(". Release it first, or take both in the order above.</p>");
		}

		uf = rep_user_frame(e[0].acq->stack);
		if (uf >= 0)
			fn = html_ident(rep_frame(e[0].acq->stack, (uint32_t)uf).function);
		P("<details><summary><b>Or rewrite it with the STM</b> (no locks, no order to get "
		  "wrong)</summary><pre class=\"stm\">#include &lt;lockhound/stm.h&gt;\n\n"
		  "/* The data guarded by ");
		for (size_t i = 0; i < ne; i++) {
			E(rep_lock_name(e[i].hold->lock));
			P(i + 2 < ne ? ", " : i + 1 < ne ? " and " : "");
		}
		P("\n * becomes lh_tvar *; the critical section becomes one transaction. */\n");
		fprintf(c->out, "static int %s_tx(lh_tx *tx, void *arg)\n{\n"
			"\tstruct %s_args *a = arg;\n"
			"\tintptr_t from = lh_read(tx, a-&gt;from);\n\n"
			"\tlh_check(tx, from &gt;= a-&gt;amount);   /* waits, no lock held */\n"
			"\tlh_write(tx, a-&gt;from, from - a-&gt;amount);\n"
			"\tlh_write(tx, a-&gt;to, lh_read(tx, a-&gt;to) + a-&gt;amount);\n"
			"\treturn 0;\n}\n\n"
			"/* where %s() took the locks: */\n"
			"lh_atomically(%s_tx, &amp;args);</pre></details>",
			fn, fn, fn, fn);
	}
	P("</div>");
}

static void html_edges(html_ctx *c, const lh_finding *f, const rep_edge *e, size_t ne)
{
	fprintf(c->out, "<h3>The %zu edge%s of the cycle</h3>", ne, ne == 1 ? "" : "s");
	for (size_t i = 0; i < ne; i++) {
		fprintf(c->out, "<details class=\"edge\"%s><summary>Edge %zu: thread ",
			i == 0 ? " open" : "", i + 1);
		html_thread(c, f, e[i].acq->thread);
		P(" holds ");
		html_lock(c, e[i].hold->lock);
		P(" and asks for ");
		html_lock(c, e[i].acq->lock);
		P("</summary><div class=\"stacks\"><div><h4>");
		html_lock(c, e[i].hold->lock);
		P(" was taken at</h4>");
		html_stack(c, e[i].hold->stack);
		P("</div><div><h4>");
		html_lock(c, e[i].acq->lock);
		P(" was requested at</h4>");
		html_stack(c, e[i].acq->stack);
		P("</div></div></details>");
	}
}

static void html_events(html_ctx *c, const lh_finding *f)
{
	if (!f->nevents)
		return;
	P("<h3>What happened</h3>");
	for (size_t i = 0; i < f->nevents; i++) {
		const lh_fevent *ev = &f->events[i];

		fprintf(c->out, "<details class=\"edge\"%s><summary>%zu. ", i == 0 ? " open" : "",
			i + 1);
		if (ev->thread) {
			P("thread ");
			html_thread(c, f, ev->thread);
			P(" ");
		}
		if (ev->access && f->race) {
			char *held = lh_race_held_text(ev->access, ev->held);

			P(ev->access->write ? "writes " : "reads ");
			E(f->race->object);
			if (ev->access->flags & LH_ACCESS_KERNEL)
				P(" (through a system call)");
			P(" holding <span class=\"lockname\">");
			E(held ? held : "?");
			P("</span>");
			free(held);
		} else if (f->race && ev->what && !strcmp(ev->what, "alloc")) {
			P("allocated ");
			E(f->race->object);
		} else {
			E(ev->what ? ev->what : "event");
		}
		if (ev->lock) {
			P(" ");
			html_lock(c, ev->lock);
		}
		P("</summary>");
		html_stack(c, ev->stack);
		P("</details>");
	}
}

/* A race: the object, its declared lock, the candidate-set history. */
static void html_race(html_ctx *c, const lh_finding *f)
{
	const lh_race *r = f->race;

	if (!r || !r->region)
		return;
	P("<h3>Object</h3><p>");
	E(r->object);
	fprintf(c->out, " (%s, %llu bytes at 0x%llx)", r->source,
		(unsigned long long)r->region->len, (unsigned long long)r->region->addr);
	if (r->declared) {
		P(", declared lock ");
		html_lock(c, r->declared);
	}
	P("</p>");
	if (!r->nsteps)
		return;
	fprintf(c->out, "<h3>Candidate set</h3><p class=\"note\">The last %zu access(es), "
		"oldest first: the locks each one held, the state after it and the set "
		"C of locks held at every access so far.</p><pre>", r->nsteps);
	for (size_t i = 0; i < r->nsteps; i++) {
		char *line = lh_race_step_text(&r->steps[i]);

		E(line ? line : "?");
		P("\n");
		free(line);
	}
	P("</pre>");
}

static void html_locks(html_ctx *c, const lh_finding *f)
{
	if (!f->nlocks)
		return;
	P("<h3>Locks</h3><table class=\"locks\"><tr><th>name</th><th>address</th><th>class</th>"
	  "<th>level</th></tr>");
	for (size_t i = 0; i < f->nlocks; i++) {
		const lh_lock *l = f->locks[i];

		if (!l)
			continue;
		P("<tr><td>");
		E(rep_lock_name(l));
		fprintf(c->out, "</td><td>0x%llx</td><td>", (unsigned long long)l->addr);
		E(l->cls && l->cls->key ? l->cls->key : "");
		P("</td><td>");
		if (l->level != LH_NO_LEVEL)
			fprintf(c->out, "%lld", (long long)l->level);
		else
			P("<span class=\"muted\">none</span>");
		P("</td></tr>");
	}
	P("</table>");
}

static void html_threads(html_ctx *c, const lh_finding *f)
{
	if (!f->nthreads)
		return;
	P("<h3>Threads</h3><ul class=\"threads\">");
	for (size_t i = 0; i < f->nthreads; i++) {
		const lh_thread *t = f->threads[i];

		if (!t)
			continue;
		P("<li>");
		html_thread(c, f, t->tid);
		if (t->name && t->name[0])
			fprintf(c->out, " <span class=\"muted\">(T%u)</span>", t->tid);
		if (t->created_at && t->created_at->depth) {
			fprintf(c->out, " created by T%u <details><summary class=\"note\">creation "
				"stack</summary>", t->parent_tid);
			html_stack(c, t->created_at);
			P("</details>");
		} else if (!t->parent_tid) {
			P(" <span class=\"muted\">the main thread</span>");
		}
		P("</li>");
	}
	P("</ul>");
}

/* One finding (or, with `pruned`, one pruned cycle and its reason). */
static int html_finding(html_ctx *c, const lh_finding *f, size_t nr, const char *pruned)
{
	rep_edge *e = NULL;
	size_t ne = 0;
	char prefix[32];
	int err = rep_edges(f, &e, &ne);

	if (err)
		return err;
	snprintf(prefix, sizeof(prefix), "%s%zu", pruned ? "p" : "f", nr);
	if (pruned) {
		fprintf(c->out, "<details class=\"edge\" id=\"%s\"><summary>"
			"<span class=\"badge pruned\">pruned</span> ", prefix);
		E(f->summary);
		P("</summary><p><b>Why it is not a finding:</b> ");
		E(pruned);
		P("</p>");
	} else {
		rep_severity sev = rep_kind_severity(f->kind);

		fprintf(c->out, "<article class=\"finding sev-%s\" data-kind=\"%s\" id=\"%s\"><header>",
			rep_severity_name(sev), lh_kind_name(f->kind), prefix);
		html_badge(c, f->kind);
		if (f->known)
			P(" <span class=\"badge known\">known (baseline)</span>");
		P("<h2>");
		E(f->summary && f->summary[0] ? f->summary : rep_kind_title(f->kind));
		P("</h2><div class=\"fid\">");
		E(rep_kind_title(f->kind));
		P(" · id <code>");
		E(f->id);
		fprintf(c->out, "</code> · seen %u time%s</div></header>", f->count,
			f->count == 1 ? "" : "s");
		if (f->kind == LH_KIND_LOCK_ORDER)
			P("<p class=\"note\">Lower severity: these paths did not run concurrently in "
			  "this run (one thread, or threads ordered by create/join). They deadlock as "
			  "soon as they do.</p>");
	}
	if (ne) {
		html_cycle_line(c, f, e, ne);
		P("<div class=\"two\">");
		html_cycle_graph(c, f, e, ne, prefix);
		html_scenario(c, f, e, ne);
		P("</div>");
	}
	if (f->detail && f->detail[0]) {
		P("<p>");
		E(f->detail);
		P("</p>");
	}
	if (!pruned)
		html_fix(c, f, e, ne);
	if (ne)
		html_edges(c, f, e, ne);
	else
		html_events(c, f);
	html_race(c, f);
	html_locks(c, f);
	html_threads(c, f);
	P(pruned ? "</details>" : "</article>");
	free(e);
	return 0;
}

/* ---- the whole lock-order graph ------------------------------------------ */

typedef struct html_pair {
	char           *key;      /* "from\x01to" */
	const char     *from, *to;
	int             hot;
	UT_hash_handle  hh;
} html_pair;

static int html_pair_add(html_pair **set, const char *from, const char *to, int hot,
			 size_t *n)
{
	html_pair *p;
	rep_buf b = { 0 };

	rep_buf_printf(&b, "%s\x01%s", from, to);
	if (b.err)
		return b.err;
	HASH_FIND_STR(*set, b.s, p);
	if (p) {
		p->hot |= hot;
		rep_buf_free(&b);
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		rep_buf_free(&b);
		return -ENOMEM;
	}
	p->key = b.s;
	p->from = from;
	p->to = to;
	p->hot = hot;
	HASH_ADD_KEYPTR(hh, *set, p->key, strlen(p->key), p);
	(*n)++;
	return 0;
}

static void html_whole_graph(html_ctx *c)
{
	const lh_model *m = c->m;
	html_pair *set = NULL, *p, *tmp;
	rep_graph g = { 0 };
	size_t total = 0, shown = 0;
	int err = 0;

	/* cycle edges of reported findings first: they are "hot" */
	for (size_t i = 0; i < m->nfindings && !err; i++) {
		const lh_finding *f = &m->findings[i];
		rep_edge *e = NULL;
		size_t ne = 0;

		if (f->suppressed || rep_edges(f, &e, &ne))
			continue;
		for (size_t k = 0; k < ne && !err; k++)
			err = html_pair_add(&set, rep_lock_name(e[k].hold->lock),
					    rep_lock_name(e[k].acq->lock), 1, &total);
		free(e);
	}
	for (size_t pi = 0; pi < m->nprocs && !err; pi++) {
		const lh_process *pr = m->procs[pi];

		for (size_t d = 0; pr && d < pr->ndeps && !err; d++) {
			const lh_dep *dep = &pr->deps[d];

			if (dep->mode & LH_MODE_TRY)
				continue;
			for (uint32_t h = 0; h < dep->nheld && !err; h++)
				if (dep->held[h].lock && dep->lock)
					err = html_pair_add(&set, rep_lock_name(dep->held[h].lock),
							    rep_lock_name(dep->lock), 0, &total);
		}
	}
	P("<section class=\"panel\" id=\"graph\"><h2>Lock-order graph</h2>");
	if (!total) {
		P("<p class=\"muted\">No lock was taken while another was held.</p></section>");
		goto out;
	}
	/* hot edges, then the others, while under the caps (hash order is the
	 * order of first sight, so the picture is stable for a given trace) */
	for (int pass = 1; pass >= 0; pass--)
		HASH_ITER(hh, set, p, tmp) {
			int a, b;

			if (p->hot != pass)
				continue;
			if (shown >= HTML_GRAPH_MAX_EDGES)
				break;
			if (!p->hot && g.nnodes + 2 > HTML_GRAPH_MAX_NODES)
				continue;
			a = rep_graph_node(&g, p->from, p->hot);
			b = rep_graph_node(&g, p->to, p->hot);
			if (rep_graph_edge(&g, a, b, NULL, p->hot) == 0)
				shown++;
		}
	fprintf(c->out, "<p class=\"note\">Every order seen: an arrow A → B means some thread "
		"held A when it took B. Edges of reported cycles are red. %zu lock%s, %zu "
		"edge%s", g.nnodes, g.nnodes == 1 ? "" : "s", total, total == 1 ? "" : "s");
	if (shown < total)
		fprintf(c->out, "; the picture shows %zu of them (cycle edges first) to stay "
			"readable", shown);
	P(".</p><figure class=\"graph\">");
	if (rep_graph_svg(c->out, c->gvc, &g, "whole") != 0)
		P("<p class=\"muted\">(graph unavailable)</p>");
	P("</figure></section>");
out:
	rep_graph_free(&g);
	HASH_ITER(hh, set, p, tmp) {
		HASH_DEL(set, p); /* NOLINT(clang-analyzer-unix.Malloc): uthash frees its table on the last delete */
		free(p->key);
		free(p);
	}
}

/* ---- the page ------------------------------------------------------------ */

static void html_header(html_ctx *c)
{
	const lh_model *m = c->m;
	const char *cmd = c->o && c->o->command ? c->o->command : m->title;

	P("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	  "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
	  "<title>lockhound report");
	if (cmd) {
		P(": ");
		E(cmd);
	}
	P("</title><style>\n");
	P(html_css);
	P("</style></head><body><header class=\"top\"><div class=\"brand\">lockhound</div><h1>");
	if (cmd) {
		P("Report for <code>");
		E(cmd);
		P("</code>");
	} else {
		P("Lock analysis report");
	}
	P("</h1><div class=\"meta\">");
	if (c->o && c->o->date) {
		P("<span>");
		E(c->o->date);
		P("</span>");
	}
	fprintf(c->out, "<span>%llu threads</span><span>%llu locks</span><span>%llu lock-order "
		"edges</span><span>%llu lock operations</span>",
		(unsigned long long)m->nthreads, (unsigned long long)m->nlocks,
		(unsigned long long)m->nedges, (unsigned long long)m->nevents);
	for (size_t i = 0; i < m->nprocs; i++) {
		const lh_process *p = m->procs[i];

		if (!p)
			continue;
		fprintf(c->out, "<span>pid %llu ", (unsigned long long)p->pid);
		E(p->exe ? rep_basename(p->exe) : "");
		P("</span>");
	}
	P("</div></header><main>");
}

static void html_summary(html_ctx *c)
{
	size_t counts[LH_KIND_COUNT], known = 0;
	size_t total = rep_count(c->m, counts);

	for (size_t i = 0; i < c->m->nfindings; i++)
		if (!c->m->findings[i].suppressed && c->m->findings[i].known)
			known++;
	P("<div class=\"cards\">");
	fprintf(c->out, "<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">finding%s"
		"</div></div>", total, total == 1 ? "" : "s");
	for (int k = 0; k < LH_KIND_COUNT; k++)
		fprintf(c->out, "<div class=\"card%s\"><div class=\"n\">%zu</div><div class=\"l\">"
			"<span class=\"badge k-%s\">%s</span></div></div>", counts[k] ? "" : " zero",
			counts[k], lh_kind_name((lh_kind)k), lh_kind_name((lh_kind)k));
	if (known)
		fprintf(c->out, "<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">"
			"<span class=\"badge known\">known (baseline)</span></div></div>", known);
	P("</div>");
	if (!total) {
		P("<div class=\"empty\">No findings: every lock order seen in this run is "
		  "consistent.</div>");
		return;
	}
	P("<nav class=\"toolbar\" aria-label=\"filters\">");
	for (int k = 0; k < LH_KIND_COUNT; k++) {
		if (!counts[k])
			continue;
		fprintf(c->out, "<label><input type=\"checkbox\" checked data-kind=\"%s\" "
			"id=\"show-%s\"><span class=\"badge k-%s\">%s</span> %zu</label>",
			lh_kind_name((lh_kind)k), lh_kind_name((lh_kind)k), lh_kind_name((lh_kind)k),
			lh_kind_name((lh_kind)k), counts[k]);
	}
	P("<input type=\"search\" id=\"search\" placeholder=\"Search locks, threads, functions, "
	  "files…\" aria-label=\"search findings\"><span class=\"shown\" id=\"shown\"></span></nav>");
}

/*
 * One Graphviz context for the life of the process, never freed.  Graphviz
 * 2.42's pango plugin keeps a pointer to the last font name it measured in a
 * static, and gvFreeContext frees the font dictionary that name lives in: a
 * second context (e.g. `report --format html --html FILE`) then reads freed
 * memory (ASan: heap-use-after-free in strcmp under textspan_size).  It is
 * freed at exit, after the last report.
 */
static GVC_t *html_gvc_ctx;

static void html_gvc_free(void)
{
	gvFreeContext(html_gvc_ctx);
	html_gvc_ctx = NULL;
}

static GVC_t *html_gvc(void)
{
	if (!html_gvc_ctx) {
		html_gvc_ctx = gvContext();
		if (html_gvc_ctx && atexit(html_gvc_free) != 0) {
			/* no exit hook: keep it anyway, a leak at exit is harmless */
		}
	}
	return html_gvc_ctx;
}

/*
 * LeakSanitizer (SANITIZE=address builds): Graphviz, its plugins, pango and
 * fontconfig keep process-lifetime caches they never free, even after
 * gvFreeContext.  They are not ours; every binary that links this writer
 * ignores them.  Unused in ordinary builds.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\n"
	       "leak:libcgraph.so\n"
	       "leak:libcdt.so\n"
	       "leak:libpathplan.so\n"
	       "leak:libgvplugin_\n"
	       "leak:libfontconfig.so\n"
	       "leak:libpango\n"
	       "leak:libcairo.so\n"
	       "leak:libglib-2.0.so\n"
	       "leak:libgobject-2.0.so\n"
	       "leak:libharfbuzz.so\n"
	       "leak:libexpat.so\n";
}

/* ... and says nothing about having ignored them. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

int lh_report_html(FILE *out, const lh_model *m, const lh_report_opts *o)
{
	html_ctx ctx = { out, o, m, NULL, o ? o->source_root : NULL };
	html_ctx *c = &ctx;
	size_t nr = 0;
	int err = 0;

	c->gvc = html_gvc();
	if (!c->gvc)
		return -ENOMEM;
	html_header(c);
	html_summary(c);
	P("<div id=\"findings\">");
	for (size_t i = 0; i < m->nfindings && !err; i++)
		if (!m->findings[i].suppressed)
			err = html_finding(c, &m->findings[i], ++nr, NULL);
	P("</div>");
	if (!err)
		html_whole_graph(c);
	if (!err && m->npruned) {
		fprintf(c->out, "<section class=\"panel\" id=\"pruned\"><h2>Pruned cycles "
			"(%zu)</h2><p class=\"note\">Cycles in the lock-order graph that cannot "
			"deadlock, with the rule that removed each. They are not findings.</p>",
			m->npruned);
		for (size_t i = 0; i < m->npruned && !err; i++)
			err = html_finding(c, &m->pruned[i].cycle, i + 1,
					   m->pruned[i].reason ? m->pruned[i].reason : "pruned");
		P("</section>");
	}
	fprintf(c->out, "</main><footer>lockhound %s</footer><script>\n%s</script></body></html>\n",
		LH_VERSION, html_js);
	if (!err && ferror(out))
		err = -EIO;
	return err;
}
