/*
 * cli_report.c - `lockhound report [OPTIONS] TRACE_OR_DIR...`: read and
 * merge the traces, analyze, write the report to stdout or -o FILE.
 * Exit: 0 nothing counts, 1 findings, 2 usage, 3 unreadable or corrupt input
 * (still analyzed and reported as far as valid).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_report(lh_cli *c)
{
	lh_model m;
	size_t counted = 0, made = 0;
	int bad = 0, rc, status;

	/* an analysis input that cannot be read is unreadable input (3) */
	if (cli_check_inputs(c))
		return LH_EXIT_BADINPUT;
	lh_model_init(&m);
	cli_progress_start();
	for (int i = 0; i < c->nargs; i++) {
		rc = lh_read_path(&m, c->args[i]);
		if (rc)
			bad = 1;
		if (rc == -ENOMEM) {
			cli_progress_stop();
			lh_model_free(&m);
			return LH_EXIT_BADINPUT;
		}
		cli_progress_set((i + 1) * 40 / c->nargs);
	}
	if (c->suggest_levels) {
		FILE *out = c->output ? fopen(c->output, "w") : stdout;

		status = 0;
		if (!out) {
			lh_diag("%s: %s", c->output, strerror(errno));
			status = LH_EXIT_USAGE;
		} else {
			rc = lh_model_name_locks(&m);
			if (!rc)
				rc = lh_suggest_levels(&m, out);
			if (rc) {
				lh_diag("--suggest-levels failed: %s", strerror(-rc));
				status = LH_EXIT_BADINPUT;
			}
			if (out != stdout)
				fclose(out);
		}
		cli_progress_stop();
		lh_model_free(&m);
		return status ? status : bad ? LH_EXIT_BADINPUT : 0;
	}
	status = cli_analyze(c, &m, &counted, &made);
	if (status) {
		lh_model_free(&m);
		return status;
	}
	if (c->output)
		rc = cli_write_file(c, &m, c->format, c->output);
	else
		rc = cli_write_stream(c, &m, c->format, stdout);
	if (cli_write_extras(c, &m) && !rc)
		rc = -EIO;
	lh_model_free(&m);
	if (bad)
		return LH_EXIT_BADINPUT;
	if (rc)
		return LH_EXIT_USAGE;
	return counted ? 1 : 0;
}
