/*
 * intercept_io.c - write(2) and send(2) and their variants, watched for
 * the STM, and read(2), recv(2) and theirs, watched (like the writes) for
 * guarded memory (buffers opened around the call: see io_open_buf).  The STM: output made inside a transaction attempt is repeated each time
 * the attempt is retried, so it is reported as `misuse` (LH_MIS_BLOCK_IN_TX)
 * once per call site.  The program's own call then goes ahead unchanged.
 *
 * Cost.  Until an STM library registers its hook (lh_shim_stm_register,
 * process.c) a wrapper is one load and compare of lh_stm_hook, then a tail
 * call of the real function: no TLS, no errno work.  With the hook set, the
 * check saves and restores errno around itself, so the program sees only
 * what the real call leaves.
 *
 * What is seen.  Only calls that go through the dynamic symbol: glibc's own
 * stdio flushes (printf, fwrite) call its internal write and are not
 * intercepted.  The shim never reaches these wrappers for its own output:
 * messages and trace blocks use lh_sys_write() (a raw syscall), and the
 * check also passes through when lh_in_shim is set.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guard.h"
#include "shim.h"

/* The hook is registered: report `call` at `caller` if this thread is
 * inside a transaction attempt. */
static __attribute__((noinline, cold)) void io_check_tx(const char *call, void *caller)
{
	struct lh_thread *t;
	int saved = errno;

	if (lh_in_shim || !call)
		return;
	t = shim_enter();
	if (t && lh_in_tx())
		finding_in_tx(t, call, caller);
	errno = saved;
}

/* ---- guarded memory (guard.h): open the guarded pages of a buffer around the
 * call (else the kernel fails it with EFAULT) and observe the access; `to_mem`:
 * the kernel writes the buffer (read(2) is a write to memory). */
static int io_open_buf(const void *buf, size_t n, int to_mem)
{
	if (!atomic_load_explicit(&lh_guard_on, memory_order_relaxed) || lh_in_shim ||
	    !guard_touches((uintptr_t)buf, n))
		return 0;
	guard_io_open((uintptr_t)buf, n, to_mem);
	return 1;
}

static void io_close_buf(const void *buf, size_t n)
{
	int saved = errno;

	guard_io_close((uintptr_t)buf, n);
	errno = saved;
}

static int io_open_iov(const struct iovec *iov, int cnt, int to_mem)
{
	int i, any = 0;

	if (!atomic_load_explicit(&lh_guard_on, memory_order_relaxed) || lh_in_shim || !iov)
		return 0;
	for (i = 0; i < cnt; i++)
		any |= io_open_buf(iov[i].iov_base, iov[i].iov_len, to_mem);
	return any;
}

static void io_close_iov(const struct iovec *iov, int cnt)
{
	int i;

	for (i = 0; i < cnt; i++)
		if (guard_touches((uintptr_t)iov[i].iov_base, iov[i].iov_len))
			io_close_buf(iov[i].iov_base, iov[i].iov_len);
}

#define IO_BUF(b, n, to_mem) io_open_buf((b), (n), (to_mem)), io_close_buf((b), (n))
#define IO_IOV(v, c, to_mem) io_open_iov((v), (int)(c), (to_mem)), io_close_iov((v), (int)(c))

/*
 * IO_FN(name, "name(2)", (params), (args), GUARD): the exported wrapper (real
 * function known, no STM hook, nothing guarded: a tail call) and its
 * out-of-line rest io_name_slow (resolve the real function, check the
 * transaction, open guarded buffers around the call).  GUARD is
 * IO_BUF(buffer, length, to_mem) or IO_IOV(iov, count, to_mem): the open
 * expression and the close statement.
 */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define IO_FN(name, call, params, args, guard) IO_FN_(name, call, params, args, guard)
#define IO_FN_(name, call, params, args, gopen, gclose) \
	static __attribute__((noinline)) ssize_t io_##name##_slow params; \
	LH_EXPORT ssize_t name params \
	{ \
		ssize_t (*f) params = real_##name; \
		if (LH_LIKELY(f != NULL) && \
		    LH_LIKELY(__atomic_load_n(&lh_stm_hook, __ATOMIC_RELAXED) == NULL) && \
		    LH_LIKELY(!atomic_load_explicit(&lh_guard_on, memory_order_relaxed))) \
			return f args; \
		return io_##name##_slow args; \
	} \
	static __attribute__((noinline)) ssize_t io_##name##_slow params \
	{ \
		ssize_t r; \
		int g; \
		if (__atomic_load_n(&lh_stm_hook, __ATOMIC_RELAXED) != NULL) \
			io_check_tx(call, __builtin_return_address(0)); \
		g = gopen; \
		r = REAL(name) args; \
		if (g) \
			gclose; \
		return r; \
	}
/* NOLINTEND(bugprone-macro-parentheses) */

IO_FN(write, "write(2)", (int fd, const void *buf, size_t n), (fd, buf, n), IO_BUF(buf, n, 0))
IO_FN(writev, "writev(2)", (int fd, const struct iovec *iov, int iovcnt), (fd, iov, iovcnt),
		IO_IOV(iov, iovcnt, 0))
IO_FN(pwrite, "pwrite(2)", (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off),
		IO_BUF(buf, n, 0))
IO_FN(pwrite64, "pwrite(2)", (int fd, const void *buf, size_t n, off64_t off), (fd, buf, n, off),
		IO_BUF(buf, n, 0))
IO_FN(send, "send(2)", (int fd, const void *buf, size_t n, int flags), (fd, buf, n, flags),
		IO_BUF(buf, n, 0))
IO_FN(sendto, "sendto(2)", (int fd, const void *buf, size_t n, int flags,
		const struct sockaddr *to, socklen_t tolen), (fd, buf, n, flags, to, tolen), IO_BUF(buf, n, 0))
IO_FN(sendmsg, "sendmsg(2)", (int fd, const struct msghdr *msg, int flags), (fd, msg, flags),
		IO_IOV(msg ? msg->msg_iov : NULL, msg ? msg->msg_iovlen : 0, 0))

/* Reading calls: no STM concern (input is not repeated output), but the same
 * wrapper; io_check_tx only reports output calls. */
IO_FN(read, NULL, (int fd, void *buf, size_t n), (fd, buf, n), IO_BUF(buf, n, 1))
IO_FN(readv, NULL, (int fd, const struct iovec *iov, int iovcnt), (fd, iov, iovcnt), IO_IOV(iov, iovcnt, 1))
IO_FN(pread, NULL, (int fd, void *buf, size_t n, off_t off), (fd, buf, n, off), IO_BUF(buf, n, 1))
IO_FN(pread64, NULL, (int fd, void *buf, size_t n, off64_t off), (fd, buf, n, off), IO_BUF(buf, n, 1))
IO_FN(recv, NULL, (int fd, void *buf, size_t n, int flags), (fd, buf, n, flags), IO_BUF(buf, n, 1))
IO_FN(recvfrom, NULL, (int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen),
		(fd, buf, n, flags, from, fromlen), IO_BUF(buf, n, 1))
IO_FN(recvmsg, NULL, (int fd, struct msghdr *msg, int flags), (fd, msg, flags),
		IO_IOV(msg ? msg->msg_iov : NULL, msg ? msg->msg_iovlen : 0, 1))
