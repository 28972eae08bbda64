/*
 * html_out.h - escaping for the HTML report.  Every byte string that came
 * from the traced program goes through rep_html() before it reaches the
 * page: & < > " ' become entities, control characters and invalid UTF-8
 * become U+FFFD, so the text is safe both between tags and inside a
 * double- or single-quoted attribute.  (Data for scripts goes through
 * rep_json_escape with html_safe instead.)
 */
#ifndef LH_HTML_OUT_H
#define LH_HTML_OUT_H

#include <stdio.h>

void rep_html(FILE *out, const char *s);
/* The same for at most n bytes of s. */
void rep_html_n(FILE *out, const char *s, size_t n);
/* Lower-case copy for data-search attributes is not needed: the page
 * searches textContent.  Kind names are safe identifiers (lh_kind_name). */

#endif
