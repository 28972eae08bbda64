/*
 * json_out.c - streaming JSON writer (see json_out.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "report_util.h"

void rep_json_init(rep_json *j, FILE *out, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
}

static void json_indent(rep_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (size_t i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Before any value or key: the comma and the indentation it needs. */
static void json_sep(rep_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->depth)
		return;
	if (!j->first[j->depth - 1])
		fputc(',', j->out);
	j->first[j->depth - 1] = 0;
	json_indent(j);
}

static void json_open(rep_json *j, char open, char close)
{
	json_sep(j);
	if (j->depth == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 16;
		unsigned char *f = realloc(j->first, cap);
		char *c;

		if (!f) {
			j->err = -ENOMEM;
			return;
		}
		j->first = f;
		c = realloc(j->closer, cap);
		if (!c) {
			j->err = -ENOMEM;
			return;
		}
		j->closer = c;
		j->cap = cap;
	}
	fputc(open, j->out);
	j->first[j->depth] = 1;
	j->closer[j->depth] = close;
	j->depth++;
}

void rep_json_obj(rep_json *j) { json_open(j, '{', '}'); }
void rep_json_arr(rep_json *j) { json_open(j, '[', ']'); }

void rep_json_end(rep_json *j)
{
	int empty;

	if (!j->depth)
		return;
	j->depth--;
	empty = j->first[j->depth];
	if (!empty)
		json_indent(j);
	fputc(j->closer[j->depth], j->out);
}

void rep_json_escape(FILE *out, const char *s, int html_safe)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		uint32_t cp;
		size_t used = rep_utf8_next(p, n, &cp);

		p += used;
		n -= used;
		switch (cp) {
		case '"':  fputs("\\\"", out); continue;
		case '\\': fputs("\\\\", out); continue;
		case '\n': fputs("\\n", out); continue;
		case '\r': fputs("\\r", out); continue;
		case '\t': fputs("\\t", out); continue;
		case '\b': fputs("\\b", out); continue;
		case '\f': fputs("\\f", out); continue;
		default: break;
		}
		if (cp < 0x20 || cp == 0x7f || cp == 0x2028 || cp == 0x2029 ||
		    (html_safe && (cp == '<' || cp == '>' || cp == '&' || cp == '\'')))
			fprintf(out, "\\u%04" PRIx32, cp);
		else
			rep_utf8_put(out, cp);
	}
}

void rep_json_key(rep_json *j, const char *key)
{
	json_sep(j);
	fputc('"', j->out);
	rep_json_escape(j->out, key, j->html_safe);
	fputs(j->pretty ? "\": " : "\":", j->out);
	j->after_key = 1;
}

void rep_json_str(rep_json *j, const char *s)
{
	if (!s) {
		rep_json_null(j);
		return;
	}
	json_sep(j);
	fputc('"', j->out);
	rep_json_escape(j->out, s, j->html_safe);
	fputc('"', j->out);
}

void rep_json_int(rep_json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->out, "%" PRId64, v);
}

void rep_json_bool(rep_json *j, int v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->out);
}

void rep_json_null(rep_json *j)
{
	json_sep(j);
	fputs("null", j->out);
}

void rep_json_hex(rep_json *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->out, "\"0x%" PRIx64 "\"", v);
}

void rep_json_kstr(rep_json *j, const char *key, const char *s)
{
	rep_json_key(j, key);
	rep_json_str(j, s);
}

void rep_json_kint(rep_json *j, const char *key, int64_t v)
{
	rep_json_key(j, key);
	rep_json_int(j, v);
}

int rep_json_finish(rep_json *j)
{
	int err;

	while (j->depth)
		rep_json_end(j);
	if (j->pretty)
		fputc('\n', j->out);
	free(j->first);
	free(j->closer);
	j->first = NULL;
	j->closer = NULL;
	j->cap = 0;
	err = j->err;
	if (!err && ferror(j->out))
		err = -EIO;
	return err;
}
