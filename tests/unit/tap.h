/*
 * tap.h - the smallest TAP producer: unit tests print "1..N", then one
 * "ok K - what" or "not ok K - what" line per check; tests/run counts them.
 *
 *   tap_plan(3);
 *   tap_ok(x == 1, "x is one");
 *   return tap_done();          (exit status 1 if any check failed)
 */
#ifndef LH_TAP_H
#define LH_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed, tap_planned;

static inline void tap_plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

__attribute__((format(printf, 2, 3)))
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline int tap_done(void)
{
	if (tap_planned && tap_n != tap_planned) {
		printf("# planned %d checks, ran %d\n", tap_planned, tap_n);
		return 1;
	}
	return tap_failed != 0;
}

#endif
