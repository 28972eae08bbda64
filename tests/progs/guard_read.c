/*
 * guard_read.c - read(2), readv(2), recv(2) and write(2) with a guarded
 * buffer still work (the shim opens the pages around the call).
 * Prints "guard_read: ok" or what failed (exit 1).
 */
#include <errno.h>
#include <lockhound/lockhound.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static char buf[4096] LH_GUARDED_GLOBAL;

static int fail(const char *what)
{
	printf("guard_read: %s failed: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	int p[2], sv[2];
	struct iovec iov = { buf, 5 };
	ssize_t r;

	if (lh_guard(buf, sizeof(buf), NULL, "buf") != 0 && lh_active())
		return fail("lh_guard");
	if (pipe(p) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return fail("pipe");
	if (write(p[1], "hello", 5) != 5)
		return fail("write");
	r = read(p[0], buf, sizeof(buf));
	if (r != 5 || memcmp(buf, "hello", 5) != 0)
		return fail("read");
	if (write(p[1], buf, 5) != 5)          /* guarded buffer to the kernel */
		return fail("write from guarded");
	memset(buf, 0, 5);
	if (readv(p[0], &iov, 1) != 5 || memcmp(buf, "hello", 5) != 0)
		return fail("readv");
	if (send(sv[0], "world", 5, 0) != 5)
		return fail("send");
	if (recv(sv[1], buf, 5, 0) != 5 || memcmp(buf, "world", 5) != 0)
		return fail("recv");
	lh_unguard(buf);
	printf("guard_read: ok\n");
	return 0;
}
