/*
 * test_report_html.c - the HTML report is self-contained and escapes what
 * came from the traced program.  A small tag scanner walks the page: every
 * tag must be one the writer itself uses, no tag may carry an on*= event
 * handler or a src/href, exactly one <script> (ours) exists, and no URL to
 * anywhere appears.  Run on the hostile model (names like
 * <script>alert(1)</script>, "'&, control characters, invalid UTF-8), and
 * checked for the content a reader needs on the plain one.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_report_model.h"
#include "../../report/report_util.h"

static const char *const allowed[] = {
	"html", "head", "meta", "title", "style", "body", "header", "div", "h1", "h2", "h3",
	"h4", "code", "span", "main", "nav", "label", "input", "article", "p", "b", "ol", "ul",
	"li", "details", "summary", "pre", "table", "thead", "tbody", "tr", "th", "td",
	"figure", "figcaption", "section", "footer", "script", "svg", "g", "polygon", "path",
	"text", "ellipse", "a", "polyline", "!doctype",
};

static char *render(const lh_model *m, const lh_report_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return NULL;
	rc = lh_report_html(f, m, o);
	fclose(f);
	if (rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int tag_allowed(const char *name)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(allowed[i], name) == 0)
			return 1;
	return 0;
}

/* 0 when every tag is known and harmless; else prints why and returns -1.
 * *scripts gets the number of <script> tags.  The contents of <style> and
 * <script> (the writer's own assets) are skipped. */
static int scan_tags(const char *html, int *scripts)
{
	const char *p = html;

	*scripts = 0;
	while ((p = strchr(p, '<'))) {
		char name[32];
		size_t n = 0;
		const char *q = p + 1, *end;

		if (*q == '/')
			q++;
		while ((isalnum((unsigned char)*q) || *q == '!') && n + 1 < sizeof(name))
			name[n++] = (char)tolower((unsigned char)*q++);
		name[n] = '\0';
		end = strchr(q, '>');
		if (!end) {
			printf("# unterminated tag at %.40s\n", p);
			return -1;
		}
		if (!tag_allowed(name)) {
			printf("# unexpected tag <%s> at: %.60s\n", name, p);
			return -1;
		}
		for (const char *a = q; a < end;) {
			const char *an;

			while (a < end && (*a == ' ' || *a == '\n' || *a == '/'))
				a++;
			an = a;
			while (a < end && *a != '=' && *a != ' ' && *a != '\n')
				a++;
			if (a > an && (strncmp(an, "on", 2) == 0 || strncmp(an, "src", 3) == 0 ||
				       strncmp(an, "href", 4) == 0 || strncmp(an, "xlink:href", 10) == 0)) {
				printf("# dangerous attribute in: %.80s\n", p);
				return -1;
			}
			if (a < end && *a == '=') {
				char quote = *++a;
				const char *v;

				if (quote != '"' && quote != '\'') {
					printf("# unquoted attribute value in: %.80s\n", p);
					return -1;
				}
				v = strchr(a + 1, quote);
				if (!v) {
					printf("# unterminated attribute value in: %.80s\n", p);
					return -1;
				}
				a = v + 1;
				if (a > end)
					end = strchr(a, '>');
				if (!end)
					return -1;
			}
		}
		if (p[1] != '/' && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0)) {
			char close[40];
			const char *c;

			snprintf(close, sizeof(close), "</%s>", name);
			if (strcmp(name, "script") == 0)
				(*scripts)++;
			c = strstr(end, close);
			if (!c) {
				printf("# no %s\n", close);
				return -1;
			}
			p = c + strlen(close);
			continue;
		}
		p = end + 1;
	}
	return 0;
}

static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		uint32_t cp;
		size_t used = rep_utf8_next(p, n, &cp);

		if (cp == 0xfffd && used == 1)
			return 0;
		if (cp < 0x20 && cp != '\n' && cp != '\t')
			return 0;
		p += used;
		n -= used;
	}
	return 1;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

int main(void)
{
	static fx_model x;
	lh_report_opts o = fx_opts();
	char *out;
	int scripts = -1;

	tap_plan(17);

	fx_build(&x, 1);
	o.command = "bank '<script>alert(7)</script>'";
	out = render(&x.m, &o);
	tap_ok(out != NULL, "hostile model renders");
	if (!out)
		return tap_done();
	tap_ok(scan_tags(out, &scripts) == 0, "hostile: only the writer's own tags, no handlers");
	tap_ok(scripts == 1, "hostile: exactly one <script> element (%d)", scripts);
	tap_ok(!strstr(out, "<img") && !strstr(out, "<svg onload") && !strstr(out, "<b>x"),
	       "hostile: injected markup absent");
	tap_ok(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL,
	       "hostile: lock name shown, escaped");
	tap_ok(strstr(out, "&quot;&#39;&amp;&lt;b&gt;x&lt;/b&gt;") != NULL,
	       "hostile: quotes and ampersands escaped");
	tap_ok(valid_utf8(out), "hostile: page is valid UTF-8 without control characters");
	tap_ok(!strstr(out, "http:") && !strstr(out, "https:") && !strstr(out, "//www."),
	       "no URL anywhere (self-contained, offline)");
	free(out);

	fx_build(&x, 0);
	o = fx_opts();
	out = render(&x.m, &o);
	tap_ok(out != NULL, "plain model renders");
	if (!out)
		return tap_done();
	tap_ok(scan_tags(out, &scripts) == 0 && scripts == 1, "plain: tags check");
	tap_ok(count(out, "<article class=\"finding") == 3, "one article per reported finding");
	tap_ok(!strstr(out, "SUPPRESSED-RACE"), "suppressed finding absent");
	tap_ok(count(out, "<svg") == 2 + 1 + 1, "an SVG per cycle finding, the whole graph, the pruned cycle");
	tap_ok(strstr(out, "data-kind=\"lock-order\"") && strstr(out, "id=\"search\""),
	       "kind filters and search box present");
	tap_ok(strstr(out, "<span class=\"ln hl\"><span class=\"no\">10</span>") != NULL,
	       "source line of the frame shown and highlighted");
	tap_ok(strstr(out, "lh_atomically(transfer_tx") != NULL, "STM rewrite uses the function name");
	tap_ok(strstr(out, "gate lock gate_lock held on every edge") != NULL,
	       "pruned cycle listed with its reason");
	free(out);
	return tap_done();
}
