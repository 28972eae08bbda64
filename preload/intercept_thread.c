/*
 * intercept_thread.c - thread creation, join, exit and names.
 *
 * Happens-before for the analyzer: the creator's segment S ends at
 * pthread_create (THREAD.parent_seg = S, the creator moves to S+1); the
 * joiner's segment ends at a successful join (JOIN record, joiner moves on).
 * The child's struct is allocated and registered by the creator, before the
 * real pthread_create, so an exit-time flush or the watchdog always sees it;
 * the child writes its own THREAD record first thing, with its OS tid.
 */
#include <errno.h>
#include <string.h>
#include <threads.h>

#include "shim.h"

static void *thread_trampoline(void *arg)
{
	struct lh_thread *t = arg;
	void *ret;

	thread_start(t);
	ret = t->start(t->arg);
	thread_finish(t);
	return ret;
}

static int thread_trampoline_c11(void *arg)
{
	struct lh_thread *t = arg;
	int ret;

	thread_start(t);
	ret = t->start_c11(t->arg);
	thread_finish(t);
	return ret;
}

static struct lh_thread *thread_prepare(struct lh_thread *parent)
{
	struct lh_thread *c;

	lh_in_shim = 1;
	c = thread_new(parent->tid, parent->seg);
	if (c) {
		c->create_stack = stack_here((int)lh_opt.stack_depth);
		thread_register(c);
	}
	lh_in_shim = 0;
	return c;
}

LH_EXPORT int pthread_create(pthread_t *pth, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
	struct lh_thread *t = shim_enter(), *c;
	int r;

	if (!t || !(c = thread_prepare(t)))
		return REAL(pthread_create)(pth, attr, start, arg);
	c->start = start;
	c->arg = arg;
	r = real_pthread_create(pth, attr, thread_trampoline, c);
	if (r != 0) {
		atomic_store(&c->exited, 1);
		c->joined = 1;
		return r;
	}
	c->pth = *pth;
	t->seg++;
	return r;
}

LH_EXPORT int thrd_create(thrd_t *thr, thrd_start_t start, void *arg)
{
	struct lh_thread *t = shim_enter(), *c;
	int r;

	if (!t || !(c = thread_prepare(t)))
		return REAL(thrd_create)(thr, start, arg);
	c->c11 = 1;
	c->start_c11 = start;
	c->arg = arg;
	r = real_thrd_create(thr, thread_trampoline_c11, c);
	if (r != thrd_success) {
		atomic_store(&c->exited, 1);
		c->joined = 1;
		return r;
	}
	c->pth = (pthread_t)*thr;
	t->seg++;
	return r;
}

static void thread_joined(struct lh_thread *t, pthread_t pth)
{
	struct lh_thread *c = thread_find_pth(pth);
	lh_rec_join rec;

	if (!c)
		return;
	c->joined = 1;
	memset(&rec, 0, sizeof(rec));
	rec.joiner = t->tid;
	rec.joiner_seg = t->seg;
	rec.joined = c->tid;
	rec.joined_seg = c->seg;
	lh_in_shim = 1;
	rec.stack = stack_here((int)lh_opt.stack_depth);
	lh_in_shim = 0;
	tw_record(t, LH_REC_JOIN, &rec, sizeof(rec), NULL, 0);
	t->seg++;
}

static void thread_wait_begin(struct lh_thread *t)
{
	atomic_store(&t->waiting_for, NULL);
	atomic_store(&t->wait_since_ns, now_ns());
	t->wait_stack = 0;
	atomic_store(&t->wait_kind, LH_WAIT_JOIN);
}

LH_EXPORT int pthread_join(pthread_t pth, void **ret)
{
	struct lh_thread *t = shim_enter();
	int r;

	if (!t)
		return REAL(pthread_join)(pth, ret);
	thread_wait_begin(t);
	r = real_pthread_join(pth, ret);
	atomic_store(&t->wait_kind, LH_WAIT_NONE);
	if (r == 0)
		thread_joined(t, pth);
	return r;
}

LH_EXPORT int thrd_join(thrd_t thr, int *res)
{
	struct lh_thread *t = shim_enter();
	int r;

	if (!t)
		return REAL(thrd_join)(thr, res);
	thread_wait_begin(t);
	r = real_thrd_join(thr, res);
	atomic_store(&t->wait_kind, LH_WAIT_NONE);
	if (r == thrd_success)
		thread_joined(t, (pthread_t)thr);
	return r;
}

LH_EXPORT void pthread_exit(void *ret)
{
	struct lh_thread *t = shim_enter();

	if (t)
		thread_finish(t);
	REAL(pthread_exit)(ret);
	__builtin_unreachable();
}

LH_EXPORT void thrd_exit(int res)
{
	struct lh_thread *t = shim_enter();

	if (t)
		thread_finish(t);
	REAL(thrd_exit)(res);
	__builtin_unreachable();
}

LH_EXPORT int pthread_setname_np(pthread_t pth, const char *name)
{
	struct lh_thread *t = shim_enter(), *n;
	lh_rec_thread_name rec;
	int r = REAL(pthread_setname_np)(pth, name);

	if (!t || r != 0)
		return r;
	n = pthread_equal(pth, pthread_self()) ? t : thread_find_pth(pth);
	if (!n)
		return r;
	memset(&rec, 0, sizeof(rec));
	rec.tid = n->tid;
	tw_record(t, LH_REC_THREAD_NAME, &rec, sizeof(rec), name, (uint32_t)strnlen(name, 64) + 1);
	return r;
}
