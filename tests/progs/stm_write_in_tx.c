/*
 * stm_write_in_tx.c - write(2) inside an STM transaction attempt, or (with
 * the argument "commit") the same write registered with lh_on_commit().
 *
 * Output made in an attempt is repeated whenever the attempt retries; the
 * shim reports `misuse` at the write's call site.  Through lh_on_commit()
 * the write runs once, after the commit, outside the attempt: no finding.
 * The write is repeated 3 times in the attempt (one finding, count 3).
 *
 * Needs the STM: tests/bats/45-stm-misuse.bats builds it with
 * -DLH_WITH_STM against the static library, without -rdynamic.  The
 * Makefile's plain build (no STM) only prints that and exits 77.
 */
#include <stdio.h>
#include <string.h>

#ifdef LH_WITH_STM
#include <lockhound/stm.h>
#include <unistd.h>

static lh_tvar *balance;

static void say_done(void *arg)
{
	const char *msg = arg;

	write(1, msg, strlen(msg));           /* after the commit: fine */
}

static int deposit_and_say(lh_tx *tx, void *arg)
{
	static const char msg[] = "stm_write_in_tx: deposited\n";
	int i;

	lh_write(tx, balance, lh_read(tx, balance) + 10);
	if (arg) {
		lh_on_commit(tx, say_done, (void *)msg);
		return 0;
	}
	for (i = 0; i < 3; i++)
		write(1, msg, sizeof(msg) - 1);  /* in the attempt: misuse */
	return 0;
}

int main(int argc, char **argv)
{
	int commit = argc > 1 && strcmp(argv[1], "commit") == 0;

	balance = lh_tvar_new(0);
	lh_atomically(deposit_and_say, commit ? (void *)1 : NULL);
	printf("stm_write_in_tx: balance %ld\n", (long)lh_load(balance));
	return 0;
}
#else
int main(void)
{
	puts("stm_write_in_tx: built without the STM (see tests/bats/45-stm-misuse.bats)");
	return 77;
}
#endif
