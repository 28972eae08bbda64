/*
 * intercept_io.c - write(2) and send(2) and their variants, watched only for
 * the STM: output made inside a transaction attempt is repeated each time
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

#include "shim.h"

/* The hook is registered: report `call` at `caller` if this thread is
 * inside a transaction attempt. */
static __attribute__((noinline, cold)) void io_check_tx(const char *call, void *caller)
{
	struct lh_thread *t;
	int saved = errno;

	if (lh_in_shim)
		return;
	t = shim_enter();
	if (t && lh_in_tx())
		finding_in_tx(t, call, caller);
	errno = saved;
}

/*
 * IO_FN(name, "name(2)", (params), (args)): the exported wrapper (real
 * function known, no hook: a tail call) and its out-of-line rest
 * io_name_slow (resolve the real function, check the transaction).
 */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define IO_FN(name, call, params, args) \
	static __attribute__((noinline)) ssize_t io_##name##_slow params; \
	LH_EXPORT ssize_t name params \
	{ \
		ssize_t (*f) params = real_##name; \
		if (LH_LIKELY(f != NULL) && \
		    LH_LIKELY(__atomic_load_n(&lh_stm_hook, __ATOMIC_RELAXED) == NULL)) \
			return f args; \
		return io_##name##_slow args; \
	} \
	static __attribute__((noinline)) ssize_t io_##name##_slow params \
	{ \
		if (__atomic_load_n(&lh_stm_hook, __ATOMIC_RELAXED) != NULL) \
			io_check_tx(call, __builtin_return_address(0)); \
		return REAL(name) args; \
	}
/* NOLINTEND(bugprone-macro-parentheses) */

IO_FN(write, "write(2)", (int fd, const void *buf, size_t n), (fd, buf, n))
IO_FN(writev, "writev(2)", (int fd, const struct iovec *iov, int iovcnt), (fd, iov, iovcnt))
IO_FN(pwrite, "pwrite(2)", (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off))
IO_FN(pwrite64, "pwrite(2)", (int fd, const void *buf, size_t n, off64_t off), (fd, buf, n, off))
IO_FN(send, "send(2)", (int fd, const void *buf, size_t n, int flags), (fd, buf, n, flags))
IO_FN(sendto, "sendto(2)", (int fd, const void *buf, size_t n, int flags,
		const struct sockaddr *to, socklen_t tolen), (fd, buf, n, flags, to, tolen))
IO_FN(sendmsg, "sendmsg(2)", (int fd, const struct msghdr *msg, int flags), (fd, msg, flags))
