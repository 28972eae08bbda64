/*
 * source.c - the source lines around a frame, for the HTML report.
 *
 * A frame's file is tried as given when absolute, else under the source
 * root, else relative to the current directory.  Files that cannot be read
 * (not shipped, moved, no permission) simply give no snippet.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html_out.h"
#include "report_util.h"
#include "source.h"

/* Opens path for reading only if it is a regular file: a name from debug
 * info must not make the report block on a FIFO or read a device. */
static FILE *source_fopen(const char *path)
{
	struct stat st;
	FILE *f;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

static FILE *source_open(const char *root, const char *file)
{
	FILE *f = NULL;

	if (!file || !file[0])
		return NULL;
	if (file[0] == '/')
		return source_fopen(file);
	if (root && root[0]) {
		rep_buf b = { 0 };

		rep_buf_printf(&b, "%s/%s", root, file);
		if (b.s)
			f = source_fopen(b.s);
		rep_buf_free(&b);
		if (f)
			return f;
	}
	return source_fopen(file);
}

int rep_source_html(FILE *out, const char *root, const char *file, int line, int context)
{
	FILE *f;
	char *text = NULL;
	size_t cap = 0;
	ssize_t len;
	int lo = line - context, hi = line + context, nr = 0, shown = 0;

	if (line <= 0)
		return 0;
	f = source_open(root, file);
	if (!f)
		return 0;
	if (lo < 1)
		lo = 1;
	while ((len = getline(&text, &cap, f)) >= 0 && ++nr <= hi) {
		if (nr < lo)
			continue;
		if (!shown)
			fputs("<pre class=\"src\">", out);
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			len--;
		fprintf(out, "<span class=\"ln%s\"><span class=\"no\">%d</span>",
			nr == line ? " hl" : "", nr);
		rep_html_n(out, text, (size_t)len);
		fputs("</span>", out);
		shown++;
	}
	free(text);
	fclose(f);
	if (shown)
		fputs("</pre>", out);
	return shown > 0;
}
