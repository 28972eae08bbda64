/*
 * source.h - source snippets for the HTML report.
 */
#ifndef LH_REPORT_SOURCE_H
#define LH_REPORT_SOURCE_H

#include <stdio.h>

/* Writes <pre class="src"> with lines [line-context, line+context] of file,
 * the frame's line highlighted, every line HTML-escaped.  Returns 1 when a
 * snippet was written, 0 when the file is not readable or line is 0. */
int rep_source_html(FILE *out, const char *root, const char *file, int line, int context);

#endif
