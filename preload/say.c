/*
 * say.c - messages on stderr without stdio or malloc: the pieces are
 * concatenated into one stack buffer and written with a single write(2), so
 * lines of different threads do not interleave.  Safe in signal handlers.
 */
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

int lh_log_fd = 2;

/* The shim's own writes (messages, trace blocks) go straight to the kernel:
 * write(2) is interposed (intercept_io.c) and must never see them. */
ssize_t lh_sys_write(int fd, const void *buf, size_t n)
{
	return (ssize_t)syscall(SYS_write, fd, buf, n);
}

void lh_say(const char *first, ...)
{
	char line[1024];
	size_t n = 0;
	const char *s;
	va_list ap;
	ssize_t r;

	memcpy(line, "lockhound: ", 11); /* NOLINT(bugprone-not-null-terminated-result) */
	n = 11;
	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *)) {
		size_t l = strlen(s);

		if (l > sizeof(line) - 1 - n)
			l = sizeof(line) - 1 - n;
		memcpy(line + n, s, l); /* NOLINT(bugprone-not-null-terminated-result) */
		n += l;
	}
	va_end(ap);
	line[n++] = '\n';
	r = lh_sys_write(lh_log_fd, line, n);
	(void)r;
}

char *fmt_u64(char *buf, uint64_t v)
{
	char tmp[24];
	int i = 0, j = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		buf[j++] = tmp[--i];
	buf[j] = 0;
	return buf;
}

char *fmt_hex(char *buf, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24];
	int i = 0, j = 2;

	do {
		tmp[i++] = digits[v & 15];
		v >>= 4;
	} while (v);
	buf[0] = '0';
	buf[1] = 'x';
	while (i)
		buf[j++] = tmp[--i];
	buf[j] = 0;
	return buf;
}
