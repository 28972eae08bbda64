/*
 * html_out.c - HTML escaping (see html_out.h).
 */
#include <string.h>

#include "html_out.h"
#include "report_util.h"

void rep_html_n(FILE *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	while (n) {
		uint32_t cp;
		size_t used = rep_utf8_next(p, n, &cp);

		p += used;
		n -= used;
		switch (cp) {
		case '&':  fputs("&amp;", out); continue;
		case '<':  fputs("&lt;", out); continue;
		case '>':  fputs("&gt;", out); continue;
		case '"':  fputs("&quot;", out); continue;
		case '\'': fputs("&#39;", out); continue;
		case '\n': case '\t': fputc((int)cp, out); continue;
		default: break;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			cp = 0xfffd;
		rep_utf8_put(out, cp);
	}
}

void rep_html(FILE *out, const char *s)
{
	if (s)
		rep_html_n(out, s, strlen(s));
}
