/*
 * sarif.c - SARIF 2.1.0 for code-scanning pages (GitHub, Azure DevOps, IDEs).
 *
 * One run; the driver "lockhound" declares one rule per finding kind, always
 * all of them and in lh_kind order, so ruleIndex == kind.  One result per
 * reported finding:
 *   level            error (deadlock, potential-deadlock, race),
 *                    warning (level-violation, misuse), note (lock-order)
 *   message.text     summary, then the fix
 *   locations        the first user frame of the first acquire event (else
 *                    of any event): what a reviewer should look at first
 *   relatedLocations the user frames of the other events ("T2 holds A")
 *   codeFlows        cycles: one threadFlow per edge (hold, then request)
 *   partialFingerprints {"lockhound/v1": id}, occurrenceCount = count,
 *                    baselineState "unchanged" for findings in the baseline
 * File paths under the source root (opts->source_root, else the current
 * directory) become relative URIs against uriBaseId SRCROOT; others are
 * absolute file:// URIs.  Every path is percent-encoded.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_out.h"
#include "report_util.h"

#ifndef LH_VERSION
#define LH_VERSION "0.0.0"
#endif

#define SARIF_SCHEMA \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

typedef struct sarif_ctx {
	rep_json   j;
	const char *root;          /* no trailing slash, may be NULL */
	size_t      rootlen;
} sarif_ctx;

static const char *const rule_names[LH_KIND_COUNT] = {
	"PotentialDeadlock", "LockOrderInversion", "Deadlock",
	"LockLevelViolation", "DataRace", "LockApiMisuse",
};

/* Percent-encodes a path for a URI (RFC 3986: unreserved and '/' stay). */
static void sarif_uri_encode(rep_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char ch = *p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~/", ch)) {
			rep_buf_add(b, (const char *)p, 1);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			rep_buf_add(b, e, 3);
		}
	}
}

static void sarif_artifact(sarif_ctx *c, const char *file)
{
	rep_json *j = &c->j;
	rep_buf b = { 0 };
	int relative = 0;

	if (file[0] != '/') {
		relative = 1;
		sarif_uri_encode(&b, file);
	} else if (c->root && strncmp(file, c->root, c->rootlen) == 0 &&
		   file[c->rootlen] == '/') {
		relative = 1;
		sarif_uri_encode(&b, file + c->rootlen + 1);
	} else {
		rep_buf_puts(&b, "file://");
		sarif_uri_encode(&b, file);
	}
	rep_json_key(j, "artifactLocation");
	rep_json_obj(j);
	rep_json_kstr(j, "uri", b.s ? b.s : "");
	if (relative)
		rep_json_kstr(j, "uriBaseId", "SRCROOT");
	rep_json_end(j);
	rep_buf_free(&b);
}

/* A location object for a frame; id < 0 leaves the id out. */
static void sarif_location(sarif_ctx *c, const lh_frame *fr, int id, const char *msg)
{
	rep_json *j = &c->j;

	rep_json_obj(j);
	if (id >= 0)
		rep_json_kint(j, "id", id);
	rep_json_key(j, "physicalLocation");
	rep_json_obj(j);
	sarif_artifact(c, fr->file);
	if (fr->line > 0) {
		rep_json_key(j, "region");
		rep_json_obj(j);
		rep_json_kint(j, "startLine", fr->line);
		rep_json_end(j);
	}
	rep_json_end(j);
	if (fr->function[0]) {
		rep_json_key(j, "logicalLocations");
		rep_json_arr(j);
		rep_json_obj(j);
		rep_json_kstr(j, "name", fr->function);
		rep_json_kstr(j, "kind", "function");
		rep_json_end(j);
		rep_json_end(j);
	}
	if (msg) {
		rep_json_key(j, "message");
		rep_json_obj(j);
		rep_json_kstr(j, "text", msg);
		rep_json_end(j);
	}
	rep_json_end(j);
}

/* "T2 holds A", "worker requests B", "T3 access counter" */
static void sarif_event_text(rep_buf *b, const lh_finding *f, const lh_fevent *e)
{
	char buf[32];
	const char *what = e->what ? e->what : "event";

	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
	if (e->thread)
		rep_buf_printf(b, "thread %s ", rep_thread_label(f, e->thread, buf, sizeof(buf)));
	if (strcmp(what, "hold") == 0)
		rep_buf_puts(b, "holds");
	else if (strcmp(what, "acquire") == 0)
		rep_buf_puts(b, "requests");
	else if (e->access && f->race) {
		char *held = lh_race_held_text(e->access, e->held);

		rep_buf_printf(b, "%s %s holding %s", e->access->write ? "writes" : "reads",
			       f->race->object, held ? held : "?");
		free(held);
	} else if (f->race && strcmp(what, "alloc") == 0)
		rep_buf_printf(b, "allocated %s", f->race->object);
	else
		rep_buf_puts(b, what);
	if (e->lock)
		rep_buf_printf(b, " %s", rep_lock_name(e->lock));
}

static int sarif_event_frame(const lh_fevent *e, lh_frame *fr)
{
	int i = rep_user_frame(e->stack);

	if (i < 0)
		return 0;
	*fr = rep_frame(e->stack, (uint32_t)i);
	return 1;
}

static void sarif_rules(sarif_ctx *c)
{
	rep_json *j = &c->j;

	rep_json_key(j, "rules");
	rep_json_arr(j);
	for (int k = 0; k < LH_KIND_COUNT; k++) {
		rep_buf b = { 0 };

		rep_json_obj(j);
		rep_json_kstr(j, "id", lh_kind_name((lh_kind)k));
		rep_json_kstr(j, "name", rule_names[k]);
		rep_json_key(j, "shortDescription");
		rep_json_obj(j);
		rep_json_kstr(j, "text", rep_kind_title((lh_kind)k));
		rep_json_end(j);
		rep_json_key(j, "fullDescription");
		rep_json_obj(j);
		rep_json_kstr(j, "text", rep_kind_help((lh_kind)k));
		rep_json_end(j);
		rep_buf_printf(&b, "%s. %s Each result lists every lock, the threads and the "
			       "stacks where each lock was taken; its fix says what to change. "
			       "Suppress a result with a line 'id:ID' in a suppressions file.",
			       rep_kind_title((lh_kind)k), rep_kind_help((lh_kind)k));
		rep_json_key(j, "help");
		rep_json_obj(j);
		rep_json_kstr(j, "text", b.s ? b.s : "");
		rep_json_end(j);
		rep_buf_free(&b);
		rep_json_key(j, "defaultConfiguration");
		rep_json_obj(j);
		rep_json_kstr(j, "level", rep_severity_name(rep_kind_severity((lh_kind)k)));
		rep_json_end(j);
		rep_json_key(j, "properties");
		rep_json_obj(j);
		rep_json_key(j, "tags");
		rep_json_arr(j);
		rep_json_str(j, "concurrency");
		rep_json_str(j, k == LH_KIND_RACE ? "data-race" : "locking");
		rep_json_end(j);
		rep_json_end(j);
		rep_json_end(j);
	}
	rep_json_end(j);
}

static void sarif_codeflow(sarif_ctx *c, const lh_finding *f, const rep_edge *e, size_t ne)
{
	rep_json *j = &c->j;
	rep_buf b = { 0 };
	char buf[32];

	rep_json_key(j, "codeFlows");
	rep_json_arr(j);
	rep_json_obj(j);
	rep_json_key(j, "threadFlows");
	rep_json_arr(j);
	for (size_t i = 0; i < ne; i++) {
		rep_json_obj(j);
		rep_json_key(j, "message");
		rep_json_obj(j);
		rep_json_kstr(j, "text", rep_thread_label(f, e[i].acq->thread, buf, sizeof(buf)));
		rep_json_end(j);
		rep_json_key(j, "locations");
		rep_json_arr(j);
		for (int k = 0; k < 2; k++) {
			const lh_fevent *ev = k ? e[i].acq : e[i].hold;
			lh_frame fr = { 0, "", "", "", 0, "" };

			rep_json_obj(j);
			rep_json_key(j, "location");
			sarif_event_text(&b, f, ev);
			if (sarif_event_frame(ev, &fr)) {
				sarif_location(c, &fr, -1, b.s);
			} else {
				rep_json_obj(j);
				rep_json_key(j, "message");
				rep_json_obj(j);
				rep_json_kstr(j, "text", b.s ? b.s : "");
				rep_json_end(j);
				rep_json_end(j);
			}
			rep_json_kint(j, "executionOrder", (int64_t)(k ? ne + i : i) + 1);
			rep_json_end(j);
		}
		rep_json_end(j);
		rep_json_end(j);
	}
	rep_json_end(j);
	rep_json_end(j);
	rep_json_end(j);
	rep_buf_free(&b);
}

static int sarif_result(sarif_ctx *c, const lh_finding *f)
{
	rep_json *j = &c->j;
	rep_buf b = { 0 };
	rep_edge *e = NULL;
	size_t ne = 0, primary = SIZE_MAX;
	lh_frame fr;
	int err, id = 0;

	err = rep_edges(f, &e, &ne);
	if (err)
		return err;
	/* primary: the first acquire with a user frame, else any event's */
	for (size_t i = 0; i < f->nevents && primary == SIZE_MAX; i++)
		if (f->events[i].what && strcmp(f->events[i].what, "acquire") == 0 &&
		    sarif_event_frame(&f->events[i], &fr))
			primary = i;
	for (size_t i = 0; i < f->nevents && primary == SIZE_MAX; i++)
		if (sarif_event_frame(&f->events[i], &fr))
			primary = i;

	rep_json_obj(j);
	rep_json_kstr(j, "ruleId", lh_kind_name(f->kind));
	rep_json_kint(j, "ruleIndex", f->kind);
	rep_json_kstr(j, "level", rep_severity_name(rep_kind_severity(f->kind)));
	rep_buf_puts(&b, f->summary ? f->summary : "");
	if (f->fix && f->fix[0])
		rep_buf_printf(&b, "%sFix: %s", b.len ? "\n" : "", f->fix);
	rep_json_key(j, "message");
	rep_json_obj(j);
	rep_json_kstr(j, "text", b.s ? b.s : lh_kind_name(f->kind));
	rep_json_end(j);
	if (primary != SIZE_MAX) {
		sarif_event_frame(&f->events[primary], &fr);
		sarif_event_text(&b, f, &f->events[primary]);
		rep_json_key(j, "locations");
		rep_json_arr(j);
		sarif_location(c, &fr, -1, b.s);
		rep_json_end(j);
		rep_json_key(j, "relatedLocations");
		rep_json_arr(j);
		for (size_t i = 0; i < f->nevents; i++) {
			if (i == primary || !sarif_event_frame(&f->events[i], &fr))
				continue;
			sarif_event_text(&b, f, &f->events[i]);
			sarif_location(c, &fr, id++, b.s);
		}
		rep_json_end(j);
	}
	rep_json_key(j, "partialFingerprints");
	rep_json_obj(j);
	rep_json_kstr(j, "lockhound/v1", f->id);
	rep_json_end(j);
	rep_json_kint(j, "occurrenceCount", f->count ? f->count : 1);
	if (f->known)
		rep_json_kstr(j, "baselineState", "unchanged");
	if (ne)
		sarif_codeflow(c, f, e, ne);
	rep_json_key(j, "properties");
	rep_json_obj(j);
	rep_json_kstr(j, "kind", lh_kind_name(f->kind));
	rep_json_key(j, "known");
	rep_json_bool(j, f->known);
	rep_json_key(j, "locks");
	rep_json_arr(j);
	for (size_t i = 0; i < f->nlocks; i++)
		rep_json_str(j, rep_lock_name(f->locks[i]));
	rep_json_end(j);
	rep_json_end(j);
	rep_json_end(j);
	rep_buf_free(&b);
	free(e);
	return 0;
}

int lh_report_sarif(FILE *out, const lh_model *m, const lh_report_opts *o)
{
	sarif_ctx c;
	rep_json *j = &c.j;
	char cwd[PATH_MAX];
	rep_buf root = { 0 };
	int err = 0;

	memset(&c, 0, sizeof(c));
	if (o && o->source_root && o->source_root[0] == '/')
		rep_buf_puts(&root, o->source_root);
	else if (getcwd(cwd, sizeof(cwd)))
		rep_buf_puts(&root, cwd);
	while (root.len > 1 && root.s[root.len - 1] == '/')
		root.s[--root.len] = '\0';
	c.root = root.s;
	c.rootlen = root.len;

	rep_json_init(j, out, 1);
	rep_json_obj(j);
	rep_json_kstr(j, "$schema", SARIF_SCHEMA);
	rep_json_kstr(j, "version", "2.1.0");
	rep_json_key(j, "runs");
	rep_json_arr(j);
	rep_json_obj(j);

	rep_json_key(j, "tool");
	rep_json_obj(j);
	rep_json_key(j, "driver");
	rep_json_obj(j);
	rep_json_kstr(j, "name", "lockhound");
	rep_json_kstr(j, "version", LH_VERSION);
	rep_json_kstr(j, "semanticVersion", LH_VERSION);
	sarif_rules(&c);
	rep_json_end(j);
	rep_json_end(j);

	rep_json_key(j, "invocations");
	rep_json_arr(j);
	rep_json_obj(j);
	rep_json_key(j, "executionSuccessful");
	rep_json_bool(j, 1);
	if (o && o->command)
		rep_json_kstr(j, "commandLine", o->command);
	rep_json_end(j);
	rep_json_end(j);

	if (c.root) {
		rep_buf uri = { 0 };

		rep_buf_puts(&uri, "file://");
		sarif_uri_encode(&uri, c.rootlen > 1 ? c.root : "");
		rep_buf_puts(&uri, "/");
		rep_json_key(j, "originalUriBaseIds");
		rep_json_obj(j);
		rep_json_key(j, "SRCROOT");
		rep_json_obj(j);
		rep_json_kstr(j, "uri", uri.s ? uri.s : "file:///");
		rep_json_end(j);
		rep_json_end(j);
		rep_buf_free(&uri);
	}

	rep_json_key(j, "results");
	rep_json_arr(j);
	for (size_t i = 0; i < m->nfindings && !err; i++)
		if (!m->findings[i].suppressed)
			err = sarif_result(&c, &m->findings[i]);
	rep_json_end(j);

	rep_json_key(j, "properties");
	rep_json_obj(j);
	rep_json_key(j, "stats");
	rep_json_obj(j);
	rep_json_kint(j, "threads", (int64_t)m->nthreads);
	rep_json_kint(j, "locks", (int64_t)m->nlocks);
	rep_json_kint(j, "edges", (int64_t)m->nedges);
	rep_json_kint(j, "events", (int64_t)m->nevents);
	rep_json_end(j);
	rep_json_end(j);

	rep_json_end(j);
	rep_json_end(j);
	rep_json_end(j);
	rep_buf_free(&root);
	{
		int ferr = rep_json_finish(j);

		return err ? err : ferr;
	}
}
