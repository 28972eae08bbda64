/*
 * suppress.c - `--suppressions FILE`: findings the user chose not to see.
 *
 *   # comment, blank lines ignored
 *   potential-deadlock:legacy_*         a glob against any frame of any event:
 *   *:libfoo.so*                        function, file (full path or
 *   misuse:vendor_*                     basename) or module
 *   race:counter                        a race: also the object's name
 *   lock-order:id:3f2a9c0d11e4b705      one finding by its stable id
 *   id:3f2a9c0d11e4b705                 the same, any kind
 *
 * KIND is a kind of the JSON report or "*".  A malformed line (no colon,
 * unknown kind, empty pattern, an id that is not 16 hex digits) is reported
 * as "FILE:LINE: ..." and the whole file is rejected (-EINVAL: usage error),
 * because a typo that silently suppresses nothing is worse than a stop.
 * Matching findings get f->suppressed = 1: not reported, not counted.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "passes.h"

typedef struct supp_rule {
	int   kind;             /* lh_kind, or -1 for any                      */
	int   by_id;
	char *pattern;          /* glob, or the id                             */
} supp_rule;

struct lh_suppressions {
	supp_rule *rules;
	size_t     n;
};

void suppress_free(lh_suppressions *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->rules[i].pattern);
	free(s->rules);
	free(s);
}

static char *supp_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int supp_kind(const char *k)
{
	if (!strcmp(k, "*"))
		return -1;
	for (int i = 0; i < LH_KIND_COUNT; i++)
		if (!strcmp(k, lh_kind_name((lh_kind)i)))
			return i;
	return -2;
}

static int supp_is_id(const char *s)
{
	size_t n = strlen(s);

	if (n != 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return 1;
}

/* One line into *r; 0 blank, 1 rule, negative errno with err filled. */
static int supp_line(char *line, supp_rule *r, char *err, size_t errlen)
{
	char *hash = strchr(line, '#'), *s, *colon, *pat;

	if (hash)
		*hash = '\0';
	s = supp_trim(line);
	if (!*s)
		return 0;
	colon = strchr(s, ':');
	if (!colon) {
		snprintf(err, errlen, "malformed rule '%s' (expected KIND:PATTERN or id:ID)", s);
		return -EINVAL;
	}
	*colon = '\0';
	pat = supp_trim(colon + 1);
	s = supp_trim(s);
	if (!strcmp(s, "id")) {
		r->kind = -1;
		r->by_id = 1;
	} else {
		r->kind = supp_kind(s);
		if (r->kind == -2) {
			snprintf(err, errlen, "unknown kind '%s' (expected one of potential-deadlock, "
				 "lock-order, deadlock, level-violation, race, misuse, or *)", s);
			return -EINVAL;
		}
		if (!strncmp(pat, "id:", 3)) {
			r->by_id = 1;
			pat = supp_trim(pat + 3);
		}
	}
	if (!*pat) {
		snprintf(err, errlen, "empty pattern");
		return -EINVAL;
	}
	if (r->by_id && !supp_is_id(pat)) {
		snprintf(err, errlen, "bad id '%s' (expected 16 hex digits)", pat);
		return -EINVAL;
	}
	r->pattern = strdup(pat);
	return r->pattern ? 1 : -ENOMEM;
}

typedef struct supp_read {
	const char      *path;
	lh_suppressions *s;
} supp_read;

static int supp_read_line(void *ctx, char *text, int lineno)
{
	supp_read *sr = ctx;
	lh_suppressions *s = sr->s;
	supp_rule r = { 0 };
	char err[600];
	int k = supp_line(text, &r, err, sizeof(err));

	if (k <= 0) {
		if (k < 0 && k != -ENOMEM)
			lh_diag("%s:%d: %s", sr->path, lineno, err);
		return k;
	}
	if (pass_grow(&s->rules, s->n, sizeof(r))) {
		free(r.pattern);
		return -ENOMEM;
	}
	s->rules[s->n++] = r;
	return 0;
}

int suppress_load(lh_suppressions **out, const char *path)
{
	supp_read sr = { .path = path, .s = calloc(1, sizeof(*sr.s)) };
	int rc;

	*out = NULL;
	if (!sr.s)
		return -ENOMEM;
	rc = pass_read_lines(path, "suppressions", supp_read_line, &sr);
	if (rc) {
		suppress_free(sr.s);
		return rc;
	}
	*out = sr.s;
	return 0;
}

static const char *supp_base(const char *p)
{
	const char *b = strrchr(p, '/');

	return b ? b + 1 : p;
}

static int supp_glob(const char *pat, const char *s)
{
	return *s && fnmatch(pat, s, 0) == 0;
}

static int supp_frames(const supp_rule *r, const lh_finding *f)
{
	for (size_t i = 0; i < f->nevents; i++) {
		lh_stack *st = f->events[i].stack;

		if (!st)
			continue;
		if (!st->frames)
			lh_symbolize_stack(f->proc, st);
		if (!st->frames)
			continue;
		for (uint32_t k = 0; k < st->depth; k++) {
			const lh_frame *fr = &st->frames[k];

			if (supp_glob(r->pattern, fr->function) ||
			    supp_glob(r->pattern, fr->file) ||
			    supp_glob(r->pattern, supp_base(fr->file)) ||
			    supp_glob(r->pattern, fr->module) ||
			    supp_glob(r->pattern, supp_base(fr->module)))
				return 1;
		}
	}
	return 0;
}

int suppress_match(const lh_suppressions *s, const lh_finding *f)
{
	for (size_t i = 0; i < s->n; i++) {
		const supp_rule *r = &s->rules[i];

		if (r->kind >= 0 && r->kind != (int)f->kind)
			continue;
		if (r->by_id ? !strcasecmp(r->pattern, f->id) :
		    supp_frames(r, f) || (f->race && supp_glob(r->pattern, f->race->object)))
			return 1;
	}
	return 0;
}

int suppress_apply(lh_model *m, const char *path)
{
	lh_suppressions *s;
	int rc = suppress_load(&s, path);

	if (rc)
		return rc;
	if (!s)
		return -EIO;
	for (size_t i = 0; i < m->nfindings; i++)
		if (suppress_match(s, &m->findings[i]))
			m->findings[i].suppressed = 1;
	suppress_free(s);
	return 0;
}
