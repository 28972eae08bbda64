/*
 * source.c - the source lines around a frame, for the HTML report.
 *
 * A frame's file is tried as given when absolute, else under the source
 * root, else under its compilation directory (DW_AT_comp_dir, so a report
 * made outside the source tree still shows the code), else relative to the
 * current directory.  Files that cannot be read
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

/* dir/file when dir is set and that is a readable regular file, or NULL. */
static FILE *source_under(const char *dir, const char *file)
{
	rep_buf b = { 0 };
	FILE *f = NULL;

	if (!dir || !dir[0])
		return NULL;
	rep_buf_printf(&b, "%s/%s", dir, file);
	if (b.s)
		f = source_fopen(b.s);
	rep_buf_free(&b);
	return f;
}

static FILE *source_open(const char *root, const char *dir, const char *file)
{
	FILE *f;

	if (!file || !file[0])
		return NULL;
	if (file[0] == '/')
		return source_fopen(file);
	f = source_under(root, file);
	if (!f)
		f = source_under(dir, file);
	return f ? f : source_fopen(file);
}

int rep_source_html(FILE *out, const char *root, const char *dir, const char *file, int line,
		    int context)
{
	FILE *f;
	char *text = NULL;
	size_t cap = 0;
	ssize_t len;
	int lo = line - context, hi = line + context, nr = 0, shown = 0;

	if (line <= 0)
		return 0;
	f = source_open(root, dir, file);
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
