/*
 * c11err.h - C11 thread results (thrd_*) to errno values and back, so the
 * acquisition core and the condition-wait model deal with one convention.
 */
#ifndef LH_C11ERR_H
#define LH_C11ERR_H

#include <errno.h>
#include <threads.h>

static inline int c11_to_errno(int r)
{
	switch (r) {
	case thrd_success: return 0;
	case thrd_busy: return EBUSY;
	case thrd_timedout: return ETIMEDOUT;
	case thrd_nomem: return ENOMEM;
	default: return EINVAL;
	}
}

static inline int c11_from_errno(int e)
{
	switch (e) {
	case 0: return thrd_success;
	case EBUSY: return thrd_busy;
	case ETIMEDOUT: return thrd_timedout;
	case ENOMEM: return thrd_nomem;
	default: return thrd_error;
	}
}

#endif
