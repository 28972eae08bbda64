/*
 * report.h - report writers behind one interface (text, json, sarif, html).
 *
 *   const lh_writer *w = lh_writer_find("json");
 *   if (!w) ... unknown format;
 *   w->write(stdout, model, &opts);      returns 0 or a negative errno
 *
 * Writers only read the model.  Stacks are symbolized before writers run
 * (lh_symbolize_model in analyzer/symbolize.h); a writer prints "??" for a
 * frame with no function and hex pc.
 */
#ifndef LH_REPORT_H
#define LH_REPORT_H

#include <stdio.h>
#include "../analyzer/model.h"

typedef struct lh_report_opts {
	int         color;        /* text: ANSI colours (stderr is a tty)        */
	int         strict;       /* lock-order findings count (for summaries)   */
	const char *command;      /* command line of the traced program, or NULL */
	const char *source_root;  /* where to look for source files (html), or NULL */
	const char *date;         /* ISO-8601 time of the analysis               */
} lh_report_opts;

typedef struct lh_writer {
	const char *name;         /* "text", "json", "sarif", "html"           */
	int (*write)(FILE *out, const lh_model *m, const lh_report_opts *o);
} lh_writer;

/* The writer for a format name, or NULL. */
const lh_writer *lh_writer_find(const char *name);

int lh_report_text(FILE *out, const lh_model *m, const lh_report_opts *o);
int lh_report_json(FILE *out, const lh_model *m, const lh_report_opts *o);
int lh_report_sarif(FILE *out, const lh_model *m, const lh_report_opts *o);
int lh_report_html(FILE *out, const lh_model *m, const lh_report_opts *o);

#endif
