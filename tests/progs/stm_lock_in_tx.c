/*
 * stm_lock_in_tx.c - a blocking pthread_mutex_lock inside an STM
 * transaction attempt (lh_atomically).
 *
 * A transaction may run several times and must not block; the shim asks the
 * STM (registered through lh_shim_stm_register, which works for the static
 * liblockhound-stm.a too) and reports `misuse` before the lock is taken.
 * Single thread, one lock, uncontended: nothing else is wrong.
 *
 * Needs the STM: tests/bats/45-stm-misuse.bats builds it with
 * -DLH_WITH_STM against the static library, without -rdynamic.  The
 * Makefile's plain build (no STM) only prints that and exits 77.
 */
#include <stdio.h>

#ifdef LH_WITH_STM
#include <lockhound/stm.h>
#include <pthread.h>

pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static lh_tvar *counter;

static int bump_and_log(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, counter, lh_read(tx, counter) + 1);
	pthread_mutex_lock(&log_lock);        /* blocking lock in the attempt */
	pthread_mutex_unlock(&log_lock);
	return 0;
}

int main(void)
{
	counter = lh_tvar_new(0);
	lh_atomically(bump_and_log, NULL);
	printf("stm_lock_in_tx: counter %ld\n", (long)lh_load(counter));
	return 0;
}
#else
int main(void)
{
	puts("stm_lock_in_tx: built without the STM (see tests/bats/45-stm-misuse.bats)");
	return 77;
}
#endif
