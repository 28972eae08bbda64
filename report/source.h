/*
 * source.h - source snippets for the HTML report.
 */
#ifndef LH_REPORT_SOURCE_H
#define LH_REPORT_SOURCE_H

#include <stdio.h>

/* Writes <pre class="src"> with lines [line-context, line+context] of file,
 * the frame's line highlighted, every line HTML-escaped.  A relative file
 * is looked for under root (the source root, may be NULL), then under dir
 * (the compilation directory from the debug info, may be NULL), then in the
 * current directory.  Returns 1 when a snippet was written, 0 when the file
 * is not readable or line is 0. */
int rep_source_html(FILE *out, const char *root, const char *dir, const char *file, int line,
		    int context);

#endif
