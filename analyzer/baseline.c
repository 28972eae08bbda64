/*
 * baseline.c - `--baseline FILE`: an earlier JSON report.  Findings whose
 * id it lists are marked known (f->known = 1): still listed, not counted.
 *
 * The file is checked to be JSON (a small recursive-descent validator:
 * strings with escapes, numbers, literals, arrays, objects) whose top
 * level is an object with a "findings" array; the string "id" of each
 * object in that array is collected.  Formatting does not matter (pretty
 * printed, one line, keys in any order).  Nesting deeper than
 * BASELINE_DEPTH is refused rather than risking the C stack: our reports
 * nest four levels.  Anything else is an error naming the byte offset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "passes.h"

#define BASELINE_DEPTH 512

enum { JR_ANY, JR_ROOT, JR_FINDINGS, JR_FINDING };

typedef struct json_ps {
	const char *s;
	size_t      len, pos;
	const char *err;
	char      **ids;
	size_t      nids;
} json_ps;

static void js_ws(json_ps *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]))
		p->pos++;
}

static int js_fail(json_ps *p, const char *what)
{
	if (!p->err)
		p->err = what;
	return -1;
}

/* A string at p->pos; its (decoded, non-ASCII as '?') text into *out when
 * out is not NULL. */
static int js_string(json_ps *p, char **out)
{
	size_t cap = 32, n = 0;
	char *b = out ? malloc(cap) : NULL;

	if (out && !b)
		return js_fail(p, "out of memory");
	p->pos++;               /* the opening quote */
	for (;;) {
		char c;

		if (p->pos >= p->len) {
			free(b);
			return js_fail(p, "unterminated string");
		}
		c = p->s[p->pos++];
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20) {
			free(b);
			return js_fail(p, "control character in string");
		}
		if (c == '\\') {
			if (p->pos >= p->len) {
				free(b);
				return js_fail(p, "unterminated escape");
			}
			c = p->s[p->pos++];
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				for (int i = 0; i < 4; i++, p->pos++)
					if (p->pos >= p->len || !strchr("0123456789abcdefABCDEF",
									 p->s[p->pos])) {
						free(b);
						return js_fail(p, "bad \\u escape");
					}
				c = '?';
				break;
			default:
				free(b);
				return js_fail(p, "bad escape");
			}
		}
		if (b) {
			if (n + 2 > cap) {
				char *nb = realloc(b, cap *= 2);

				if (!nb) {
					free(b);
					return js_fail(p, "out of memory");
				}
				b = nb;
			}
			b[n++] = c;
		}
	}
	if (b) {
		b[n] = '\0';
		*out = b;
	}
	return 0;
}

static int js_number(json_ps *p)
{
	size_t start = p->pos, digits;

	if (p->s[p->pos] == '-')
		p->pos++;
	for (digits = 0; p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9'; digits++)
		p->pos++;
	if (!digits)
		return js_fail(p, "bad number");
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		for (digits = 0; p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9'; digits++)
			p->pos++;
		if (!digits)
			return js_fail(p, "bad number");
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		for (digits = 0; p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9'; digits++)
			p->pos++;
		if (!digits)
			return js_fail(p, "bad number");
	}
	return p->pos > start ? 0 : js_fail(p, "bad number");
}

static int js_add_id(json_ps *p, char *id)
{
	if (pass_grow(&p->ids, p->nids, sizeof(*p->ids))) {
		free(id);
		return js_fail(p, "out of memory");
	}
	p->ids[p->nids++] = id;
	return 0;
}

static int js_value(json_ps *p, int depth, int role, int *saw_findings);

static int js_object(json_ps *p, int depth, int role, int *saw_findings)
{
	p->pos++;               /* { */
	js_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		int sub = JR_ANY, rc;

		js_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != '"')
			return js_fail(p, "expected a key");
		if (js_string(p, &key))
			return -1;
		js_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != ':') {
			free(key);
			return js_fail(p, "expected ':'");
		}
		p->pos++;
		js_ws(p);
		if (role == JR_ROOT && !strcmp(key, "findings")) {
			sub = JR_FINDINGS;
			*saw_findings = 1;
			if (p->pos >= p->len || p->s[p->pos] != '[') {
				free(key);
				return js_fail(p, "\"findings\" is not an array");
			}
		}
		if (role == JR_FINDING && !strcmp(key, "id") && p->pos < p->len &&
		    p->s[p->pos] == '"') {
			char *id = NULL;

			free(key);
			if (js_string(p, &id) || js_add_id(p, id))
				return -1;
		} else {
			free(key);
			rc = js_value(p, depth + 1, sub, saw_findings);
			if (rc)
				return rc;
		}
		js_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == '}') {
			p->pos++;
			return 0;
		}
		return js_fail(p, "expected ',' or '}'");
	}
}

static int js_array(json_ps *p, int depth, int role, int *saw_findings)
{
	p->pos++;               /* [ */
	js_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		return 0;
	}
	for (;;) {
		int rc = js_value(p, depth + 1, role == JR_FINDINGS ? JR_FINDING : JR_ANY,
				  saw_findings);

		if (rc)
			return rc;
		js_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ']') {
			p->pos++;
			return 0;
		}
		return js_fail(p, "expected ',' or ']'");
	}
}

static int js_value(json_ps *p, int depth, int role, int *saw_findings)
{
	static const char *const lits[] = { "true", "false", "null" };

	if (depth > BASELINE_DEPTH)
		return js_fail(p, "nested too deeply");
	js_ws(p);
	if (p->pos >= p->len)
		return js_fail(p, "unexpected end of file");
	switch (p->s[p->pos]) {
	case '{':
		return js_object(p, depth, role, saw_findings);
	case '[':
		return js_array(p, depth, role, saw_findings);
	case '"':
		return js_string(p, NULL);
	default:
		break;
	}
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(lits[i]);

		if (p->len - p->pos >= n && !memcmp(p->s + p->pos, lits[i], n)) {
			p->pos += n;
			return 0;
		}
	}
	return js_number(p);
}

/* Parses text (len bytes) as a lockhound JSON report; *ids gets the ids. */
static int baseline_parse(const char *path, const char *text, size_t len,
			  char ***ids, size_t *nids)
{
	json_ps p = { .s = text, .len = len };
	int saw = 0, rc;

	js_ws(&p);
	if (p.pos >= p.len || p.s[p.pos] != '{')
		rc = js_fail(&p, "not a JSON object");
	else
		rc = js_value(&p, 0, JR_ROOT, &saw);
	if (!rc) {
		js_ws(&p);
		if (p.pos != p.len)
			rc = js_fail(&p, "trailing data after the report");
	}
	if (!rc && !saw)
		rc = js_fail(&p, "no \"findings\" array: not a lockhound JSON report");
	if (rc) {
		lh_diag("baseline %s: byte %zu: %s", path, p.pos, p.err);
		for (size_t i = 0; i < p.nids; i++)
			free(p.ids[i]);
		free(p.ids);
		return -EINVAL;
	}
	*ids = p.ids;
	*nids = p.nids;
	return 0;
}

int baseline_load(const char *path, char ***ids, size_t *nids)
{
	FILE *fp = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*ids = NULL;
	*nids = 0;
	if (!fp) {
		rc = errno ? -errno : -EIO;
		lh_diag("baseline %s: %s", path, strerror(errno));
		return rc;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			size_t nc = cap ? 2 * cap : 65536;
			char *nt = realloc(text, nc);

			if (!nt) {
				free(text);
				fclose(fp);
				return -ENOMEM;
			}
			text = nt;
			cap = nc;
		}
		got = fread(text + len, 1, cap - len, fp);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		lh_diag("baseline %s: read error", path);
		free(text);
		fclose(fp);
		return -EIO;
	}
	fclose(fp);
	rc = baseline_parse(path, text, len, ids, nids);
	free(text);
	return rc;
}

int baseline_apply(lh_model *m, const char *path)
{
	char **ids;
	size_t n;
	int rc = baseline_load(path, &ids, &n);

	if (rc)
		return rc;
	for (size_t i = 0; i < m->nfindings; i++)
		for (size_t k = 0; k < n; k++)
			if (!strcasecmp(m->findings[i].id, ids[k])) {
				m->findings[i].known = 1;
				break;
			}
	for (size_t k = 0; k < n; k++)
		free(ids[k]);
	free(ids);
	return 0;
}
