/*
 * json_out.h - a tiny streaming JSON writer with correct string escaping,
 * used by the JSON and SARIF writers and for data embedded in HTML.
 *
 *   rep_json j;
 *   rep_json_init(&j, out, 1);            pretty-printed
 *   rep_json_obj(&j);
 *   rep_json_key(&j, "version"); rep_json_int(&j, 1);
 *   rep_json_kstr(&j, "name", untrusted_bytes);
 *   rep_json_end(&j);
 *   return rep_json_finish(&j);           0 or a negative errno
 *
 * Strings may hold any bytes: quotes, backslashes and control characters
 * are escaped, invalid UTF-8 becomes U+FFFD, and U+2028/U+2029 are escaped
 * so the output is also a valid JavaScript literal.  With html_safe set,
 * '<', '>' and '&' are written as \u003c etc. so the text can sit inside an
 * HTML <script> element.  Nesting depth grows as needed.
 */
#ifndef LH_JSON_OUT_H
#define LH_JSON_OUT_H

#include <stdint.h>
#include <stdio.h>

typedef struct rep_json {
	FILE          *out;
	int            pretty;
	int            html_safe;
	int            err;         /* first error (negative errno)          */
	int            after_key;   /* a key was written, its value is next  */
	size_t         depth, cap;
	unsigned char *first;       /* per level: no element written yet     */
	char          *closer;      /* per level: '}' or ']'                 */
} rep_json;

void rep_json_init(rep_json *j, FILE *out, int pretty);
void rep_json_obj(rep_json *j);
void rep_json_arr(rep_json *j);
void rep_json_end(rep_json *j);               /* closes the innermost */
void rep_json_key(rep_json *j, const char *key);
void rep_json_str(rep_json *j, const char *s);  /* NULL writes null */
void rep_json_int(rep_json *j, int64_t v);
void rep_json_bool(rep_json *j, int v);
void rep_json_null(rep_json *j);
void rep_json_hex(rep_json *j, uint64_t v);     /* "0x1a2b" */
/* key + value shorthands */
void rep_json_kstr(rep_json *j, const char *key, const char *s);
void rep_json_kint(rep_json *j, const char *key, int64_t v);
/* Closes what is open, frees, returns 0 or the first error. */
int  rep_json_finish(rep_json *j);

/* Writes s as the inside of a JSON string (no quotes), escaped as above. */
void rep_json_escape(FILE *out, const char *s, int html_safe);

#endif
