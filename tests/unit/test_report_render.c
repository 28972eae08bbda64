/*
 * test_report_render.c - renders the hand-built report model to files, for
 * the bats and browser tests:
 *
 *   test_report_render [--hostile] FORMAT=FILE ...     e.g. html=/tmp/r.html
 *
 * Without arguments (as tests/run calls it) it renders every format of both
 * the plain and the hostile model to memory and checks each writer returns
 * 0 and writes something (TAP).
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "test_report_model.h"

static const char *const formats[] = { "text", "json", "sarif", "html" };

static int render_self_check(void)
{
	static fx_model x;
	lh_report_opts o = fx_opts();

	tap_plan(10);
	tap_ok(lh_writer_find("xml") == NULL, "unknown format gives NULL");
	tap_ok(lh_writer_find(NULL) == NULL, "NULL format gives NULL");
	for (int hostile = 0; hostile < 2; hostile++) {
		fx_build(&x, hostile);
		for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
			const lh_writer *w = lh_writer_find(formats[i]);
			char *buf = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&buf, &len);
			int rc = w && f ? w->write(f, &x.m, &o) : -1;

			if (f)
				fclose(f);
			tap_ok(w && rc == 0 && len > 0, "%s%s writer returns 0 and writes %zu bytes",
			       hostile ? "hostile " : "", formats[i], len);
			free(buf);
		}
	}
	return tap_done();
}

int main(int argc, char **argv)
{
	static fx_model x;
	lh_report_opts o = fx_opts();
	int hostile = 0, status = 0;

	if (argc < 2)
		return render_self_check();
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--hostile") == 0)
			hostile = 1;
	fx_build(&x, hostile);
	if (hostile)
		o.command = "bank --hostile '<script>alert(7)</script>'";
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const lh_writer *w;
		FILE *f;
		int rc;

		if (strcmp(argv[i], "--hostile") == 0)
			continue;
		if (!eq) {
			fprintf(stderr, "usage: %s [--hostile] FORMAT=FILE...\n", argv[0]);
			return 2;
		}
		*eq = '\0';
		w = lh_writer_find(argv[i]);
		if (!w) {
			fprintf(stderr, "unknown format %s\n", argv[i]);
			return 2;
		}
		f = strcmp(eq + 1, "-") == 0 ? stdout : fopen(eq + 1, "w");
		if (!f) {
			perror(eq + 1);
			return 1;
		}
		rc = w->write(f, &x.m, &o);
		if (f != stdout && fclose(f) != 0)
			rc = -1;
		if (rc) {
			fprintf(stderr, "%s writer failed: %d\n", argv[i], rc);
			status = 1;
		}
	}
	return status;
}
