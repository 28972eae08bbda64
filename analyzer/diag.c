/*
 * diag.c - the analyzer's one channel for messages about bad input:
 * "lockhound: MESSAGE" on stderr.  Tests redirect it with lh_diag_set_sink
 * to assert on what was said (e.g. the byte offset of a corrupt block).
 */
#include <stdarg.h>
#include <stdio.h>

#include "analyzer.h"

static lh_diag_sink diag_sink;
static void *diag_arg;

void lh_diag_set_sink(lh_diag_sink fn, void *arg)
{
	diag_sink = fn;
	diag_arg = arg;
}

void lh_diag(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (diag_sink) {
		diag_sink(buf, diag_arg);
		return;
	}
	fprintf(stderr, "lockhound: %s\n", buf);
}
