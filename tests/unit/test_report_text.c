/*
 * test_report_text.c - the text report: layout against a golden file (the
 * 3-lock cycle of test_report_model.h, addresses masked), colours only on
 * request, hostile names cannot reach the terminal as escapes, suppressed
 * findings stay out, the closing summary line.
 *
 * Run from the repository root.  LH_UPDATE_GOLDEN=1 rewrites the golden
 * file (then review the diff).
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_report_model.h"

#define GOLDEN "tests/data/report-3lock.golden"

static char *render(const lh_model *m, const lh_report_opts *o, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	*rc = lh_report_text(f, m, o);
	fclose(f);
	return buf;
}

/* A copy of s with every 0x<hex> replaced by 0xADDR (free it). */
static char *mask_addresses(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *w = out;

	if (!out)
		return NULL;
	for (const char *r = s; *r;) {
		if (r[0] == '0' && r[1] == 'x' && r[2] && strchr("0123456789abcdef", r[2])) {
			memcpy(w, "0xADDR", 6);
			w += 6;
			r += 2;
			while (*r && strchr("0123456789abcdef", *r))
				r++;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
	return out;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0;
	size_t n;

	if (!f)
		return NULL;
	do {
		char *nb;

		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

int main(void)
{
	static fx_model x;
	lh_report_opts o = fx_opts();
	char *out, *golden;
	int rc = -1;

	tap_plan(14);

	/* layout: only the 3-lock cycle, compared with the golden file */
	fx_build(&x, 0);
	x.m.nfindings = 1;
	out = render(&x.m, &o, &rc);
	tap_ok(out && rc == 0, "text writer returns 0");
	if (!out)
		return tap_done();
	{
		char *masked = mask_addresses(out);

		free(out);
		out = masked;
		if (!out)
			return tap_done();
	}
	if (getenv("LH_UPDATE_GOLDEN")) {
		FILE *g = fopen(GOLDEN, "w");

		if (g) {
			fputs(out, g);
			fclose(g);
		}
	}
	golden = slurp(GOLDEN);
	tap_ok(golden && strcmp(out, golden) == 0, "3-lock cycle matches %s", GOLDEN);
	if (golden && strcmp(out, golden) != 0)
		printf("# got:\n%s", out);
	tap_ok(strstr(out, "Cycle: acct_lock_A → acct_lock_B → acct_lock_C → acct_lock_A") != NULL,
	       "cycle line names the locks in order and closes");
	tap_ok(strstr(out, "*** DEADLOCK ***") != NULL, "scenario ends in DEADLOCK");
	tap_ok(strstr(out, "#1  transfer (tests/data/report-demo.c:10) bank") != NULL,
	       "frames read '#N function (file:line) module'");
	tap_ok(strstr(out, "T4 created by T1 at:") != NULL, "unnamed thread shown as T<tid>");
	tap_ok(strchr(out, '\033') == NULL, "no colour unless asked");
	free(out);
	free(golden);

	/* all findings */
	fx_build(&x, 0);
	out = render(&x.m, &o, &rc);
	tap_ok(out && !strstr(out, "SUPPRESSED-RACE"), "suppressed finding not shown");
	tap_ok(out && strstr(out, "lockhound: 3 findings (1 potential-deadlock, 1 lock-order, 1 misuse)\n"),
	       "summary line counts by kind");
	tap_ok(out && strstr(out, "[known: in baseline]"), "baseline finding marked known");
	tap_ok(out && strstr(out, "#0  0x401900"), "unsymbolized frames printed as hex pcs");
	free(out);

	o.color = 1;
	out = render(&x.m, &o, &rc);
	tap_ok(out && strstr(out, "\033[1;31m"), "colour when asked");
	free(out);
	o.color = 0;

	/* hostile: escapes in names must not reach the terminal */
	fx_build(&x, 1);
	out = render(&x.m, &o, &rc);
	tap_ok(out && rc == 0 && strchr(out, '\033') == NULL && strchr(out, '\007') == NULL,
	       "hostile names: no ESC or BEL bytes in the output");
	tap_ok(out && strstr(out, "ctl?\?[31mred?"), "control characters shown as '?'");
	free(out);

	x.m.nfindings = 0;
	return tap_done();
}
