/*
 * report_util.c - shared reading of findings for the report writers.
 * See report_util.h for the shape of a cycle finding.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report_util.h"

rep_severity rep_kind_severity(lh_kind k)
{
	switch (k) {
	case LH_KIND_POTENTIAL_DEADLOCK:
	case LH_KIND_DEADLOCK:
	case LH_KIND_RACE:
		return REP_ERROR;
	case LH_KIND_LEVEL_VIOLATION:
	case LH_KIND_MISUSE:
		return REP_WARNING;
	default:
		return REP_NOTE;
	}
}

const char *rep_severity_name(rep_severity s)
{
	return s == REP_ERROR ? "error" : s == REP_WARNING ? "warning" : "note";
}

const char *rep_kind_title(lh_kind k)
{
	switch (k) {
	case LH_KIND_POTENTIAL_DEADLOCK: return "Potential deadlock";
	case LH_KIND_LOCK_ORDER:         return "Inconsistent lock order";
	case LH_KIND_DEADLOCK:           return "Deadlock";
	case LH_KIND_LEVEL_VIOLATION:    return "Lock level violation";
	case LH_KIND_RACE:               return "Data race";
	case LH_KIND_MISUSE:             return "Lock API misuse";
	default:                         return "Finding";
	}
}

const char *rep_kind_help(lh_kind k)
{
	switch (k) {
	case LH_KIND_POTENTIAL_DEADLOCK:
		return "Threads took the same locks in orders that form a cycle, and some "
		       "schedule of these threads can close it: each thread then waits for a "
		       "lock another one holds, forever. Take the locks in one global order, "
		       "take them together with one multi-lock call, or use the STM.";
	case LH_KIND_LOCK_ORDER:
		return "Locks were taken in inconsistent orders, but only by code that could "
		       "not run concurrently in this run (one thread, or threads ordered by "
		       "create/join). It becomes a deadlock as soon as those paths run at the "
		       "same time: adopt one lock order.";
	case LH_KIND_DEADLOCK:
		return "Threads were actually blocked on each other during the run (or a "
		       "thread relocked a non-recursive mutex it already held).";
	case LH_KIND_LEVEL_VIOLATION:
		return "A lock was acquired against its declared level: locks must be taken "
		       "in increasing level order.";
	case LH_KIND_RACE:
		return "A guarded shared location was accessed without holding the lock "
		       "that protects it.";
	case LH_KIND_MISUSE:
		return "The pthread API was misused: unlocking a lock that is not held, "
		       "destroying a locked lock, relocking a non-recursive lock, ...";
	default:
		return "";
	}
}

const lh_thread *rep_thread(const lh_finding *f, uint32_t tid)
{
	for (size_t i = 0; i < f->nthreads; i++)
		if (f->threads[i] && f->threads[i]->tid == tid)
			return f->threads[i];
	if (f->proc)
		return lh_thread_find(f->proc, tid);
	return NULL;
}

const char *rep_thread_label(const lh_finding *f, uint32_t tid, char *buf, size_t n)
{
	const lh_thread *t = rep_thread(f, tid);

	if (t && t->name && t->name[0])
		return t->name;
	snprintf(buf, n, "T%u", tid);
	return buf;
}

const char *rep_lock_name(const lh_lock *l)
{
	return l && l->name ? l->name : "?";
}

static int event_is(const lh_fevent *e, const char *what)
{
	return e->what && strcmp(e->what, what) == 0;
}

int rep_edges(const lh_finding *f, rep_edge **out, size_t *n)
{
	rep_edge *v = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!f->nevents)
		return 0;
	v = calloc(f->nevents, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < f->nevents; i++) {
		const lh_fevent *h = &f->events[i], *a = &f->events[i + 1];

		if (!event_is(h, "hold") || !(event_is(a, "acquire") || event_is(a, "wait")))
			continue;
		v[k].hold = h;
		v[k].acq = a;
		k++;
		i++;
	}
	if (!k) {
		free(v);
		return 0;
	}
	*out = v;
	*n = k;
	return 0;
}

int rep_is_cycle(const lh_finding *f)
{
	for (size_t i = 0; i + 1 < f->nevents; i++)
		if (event_is(&f->events[i], "hold") &&
		    (event_is(&f->events[i + 1], "acquire") || event_is(&f->events[i + 1], "wait")))
			return 1;
	return 0;
}

lh_frame rep_frame(const lh_stack *s, uint32_t i)
{
	lh_frame fr = { 0, "", "", "", 0, "" };

	if (s->frames) {
		fr = s->frames[i];
		if (!fr.function) fr.function = "";
		if (!fr.file) fr.file = "";
		if (!fr.module) fr.module = "";
		if (!fr.dir) fr.dir = "";
		return fr;
	}
	if (s->pcs)
		fr.pc = s->pcs[i];
	return fr;
}

const char *rep_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int frame_is_runtime(const lh_frame *fr)
{
	static const char *const libs[] = {
		"liblockhound", "libc.so", "libc-", "libpthread", "ld-linux", "libstdc++",
	};
	const char *mod = rep_basename(fr->module);

	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		if (strncmp(mod, libs[i], strlen(libs[i])) == 0)
			return 1;
	return strncmp(fr->file, "/usr/include/", 13) == 0;
}

int rep_user_frame(const lh_stack *s)
{
	int fallback = -1;

	if (!s || !s->frames)
		return -1;
	for (uint32_t i = 0; i < s->depth; i++) {
		lh_frame fr = rep_frame(s, i);

		if (!fr.file[0] || fr.line <= 0)
			continue;
		if (!frame_is_runtime(&fr))
			return (int)i;
		if (fallback < 0)
			fallback = (int)i;
	}
	return fallback;
}

size_t rep_count(const lh_model *m, size_t counts[LH_KIND_COUNT])
{
	size_t total = 0;

	for (int k = 0; k < LH_KIND_COUNT; k++)
		counts[k] = 0;
	for (size_t i = 0; i < m->nfindings; i++) {
		const lh_finding *f = &m->findings[i];

		if (f->suppressed || (unsigned)f->kind >= LH_KIND_COUNT)
			continue;
		counts[f->kind]++;
		total++;
	}
	return total;
}

void rep_summary_line(FILE *out, const lh_model *m)
{
	size_t counts[LH_KIND_COUNT];
	size_t total = rep_count(m, counts);
	const char *sep = " (";

	fprintf(out, "lockhound: %zu finding%s", total, total == 1 ? "" : "s");
	for (int k = 0; k < LH_KIND_COUNT; k++) {
		if (!counts[k])
			continue;
		fprintf(out, "%s%zu %s", sep, counts[k], lh_kind_name((lh_kind)k));
		sep = ", ";
	}
	if (total)
		fputc(')', out);
}

size_t rep_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2; c &= 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; c &= 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; c &= 0x07; min = 0x10000;
	} else {
		goto bad;
	}
	if (n < len)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

void rep_utf8_put(FILE *out, uint32_t cp)
{
	if (cp < 0x80) {
		fputc((int)cp, out);
	} else if (cp < 0x800) {
		fputc((int)(0xc0 | (cp >> 6)), out);
		fputc((int)(0x80 | (cp & 0x3f)), out);
	} else if (cp < 0x10000) {
		fputc((int)(0xe0 | (cp >> 12)), out);
		fputc((int)(0x80 | ((cp >> 6) & 0x3f)), out);
		fputc((int)(0x80 | (cp & 0x3f)), out);
	} else {
		fputc((int)(0xf0 | (cp >> 18)), out);
		fputc((int)(0x80 | ((cp >> 12) & 0x3f)), out);
		fputc((int)(0x80 | ((cp >> 6) & 0x3f)), out);
		fputc((int)(0x80 | (cp & 0x3f)), out);
	}
}

static int buf_reserve(rep_buf *b, size_t more)
{
	size_t cap;
	char *s;

	if (b->err)
		return b->err;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s)
		return b->err = -ENOMEM;
	b->s = s;
	b->cap = cap;
	return 0;
}

void rep_buf_add(rep_buf *b, const char *s, size_t n)
{
	if (buf_reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void rep_buf_puts(rep_buf *b, const char *s)
{
	rep_buf_add(b, s, strlen(s));
}

void rep_buf_printf(rep_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void rep_buf_free(rep_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}
