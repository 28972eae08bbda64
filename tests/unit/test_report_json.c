/*
 * test_report_json.c - the JSON emitter's escaping, and the JSON/SARIF
 * writers on hostile names: output is valid UTF-8 with no raw control
 * characters whatever bytes the traced program used.  (Full parsing with
 * jq and SARIF schema validation: tests/bats/60-report-formats.bats.)
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_report_model.h"
#include "../../report/json_out.h"
#include "../../report/report_util.h"

static char *escape(const char *s, int html_safe)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	rep_json_escape(f, s, html_safe);
	fclose(f);
	return buf;
}

static int escapes_to(const char *in, int html_safe, const char *want)
{
	char *got = escape(in, html_safe);
	int ok = got && strcmp(got, want) == 0;

	if (!ok)
		printf("# escape: got [%s] want [%s]\n", got ? got : "(null)", want);
	free(got);
	return ok;
}

/* Valid UTF-8 and no byte below 0x20 except newline. */
static int clean_json_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		uint32_t cp;
		size_t used = rep_utf8_next(p, n, &cp);

		if (cp == 0xfffd && !(used == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] == 0xbd))
			return 0;
		if (cp < 0x20 && cp != '\n')
			return 0;
		p += used;
		n -= used;
	}
	return 1;
}

static char *render(const char *fmt, const lh_model *m)
{
	lh_report_opts o = fx_opts();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return NULL;
	rc = lh_writer_find(fmt)->write(f, m, &o);
	fclose(f);
	if (rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

int main(void)
{
	static fx_model x;
	rep_json j;
	char *buf = NULL, *out;
	size_t len = 0;
	FILE *f;

	tap_plan(16);
	tap_ok(escapes_to("plain", 0, "plain"), "plain text unchanged");
	tap_ok(escapes_to("a\"b\\c", 0, "a\\\"b\\\\c"), "quote and backslash escaped");
	tap_ok(escapes_to("\n\t\r\b\f", 0, "\\n\\t\\r\\b\\f"), "short escapes");
	tap_ok(escapes_to("\x01\x1b\x7f", 0, "\\u0001\\u001b\\u007f"), "control characters as \\u00XX");
	tap_ok(escapes_to("bad\xff", 0, "bad\xef\xbf\xbd"), "invalid byte becomes U+FFFD");
	tap_ok(escapes_to("\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd"), "overlong sequence rejected");
	tap_ok(escapes_to("\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
	       "UTF-16 surrogate rejected");
	tap_ok(escapes_to("\xe2\x82", 0, "\xef\xbf\xbd\xef\xbf\xbd"), "truncated sequence rejected");
	tap_ok(escapes_to("h\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x92", 0, "h\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x92"),
	       "valid multi-byte characters kept");
	tap_ok(escapes_to("\xe2\x80\xa8", 0, "\\u2028"), "U+2028 escaped (JavaScript-safe)");
	tap_ok(escapes_to("</script>&'", 1, "\\u003c/script\\u003e\\u0026\\u0027"),
	       "html_safe escapes < > & '");

	f = open_memstream(&buf, &len);
	rep_json_init(&j, f, 0);
	rep_json_obj(&j);
	rep_json_kint(&j, "a", 1);
	rep_json_key(&j, "b");
	rep_json_arr(&j);
	rep_json_arr(&j);
	rep_json_end(&j);
	rep_json_str(&j, NULL);
	rep_json_bool(&j, 0);
	rep_json_hex(&j, 0xabcULL);
	tap_ok(rep_json_finish(&j) == 0, "finish closes what is open");
	fclose(f);
	tap_ok(buf && strcmp(buf, "{\"a\":1,\"b\":[[],null,false,\"0xabc\"]}") == 0,
	       "commas, nesting, empty arrays: %s", buf ? buf : "(null)");
	free(buf);

	fx_build(&x, 1);
	out = render("json", &x.m);
	tap_ok(out && clean_json_text(out), "hostile JSON report: valid UTF-8, no raw controls");
	tap_ok(out && strstr(out, "\"name\": \"<script>alert(1)</script>\""),
	       "names kept verbatim where JSON allows");
	free(out);
	out = render("sarif", &x.m);
	tap_ok(out && clean_json_text(out), "hostile SARIF report: valid UTF-8, no raw controls");
	free(out);
	return tap_done();
}
