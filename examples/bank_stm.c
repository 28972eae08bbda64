/*
 * bank_stm.c - the bank transfer of examples/bank.c, written with the STM.
 *
 * withdraw() and deposit() are each a transaction; transfer() is a
 * transaction that calls both, and because lh_atomically() inside a
 * transaction joins it, the composition is atomic too: no lock order to get
 * wrong, no deadlock, and money is never seen in flight.  withdraw() guards
 * the balance with lh_check() (lh_retry), and transfer() wraps it in
 * lh_or_else(): when the money is not there, the transfer bounces instead
 * of waiting, so no account goes negative and no teller can wait forever.
 * The main thread audits consistent snapshots of the total while the
 * tellers work.  Run it under lockhound:
 *
 *     lockhound run -- build/examples/bank_stm
 *
 * and there is nothing to report (the STM takes no locks in transactions).
 *
 * Usage: bank_stm [-t THREADS] [-n TRANSFERS_PER_THREAD] [-a ACCOUNTS]
 * Prints the total at the end; exits 1 if money was created or lost.
 * LOCKHOUND_STM_STATS=1 prints the per-site statistics at exit.
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define INITIAL_BALANCE 1000

static lh_tvar **accounts;
static unsigned naccounts = 64, nthreads = 4, ntransfers = 2000;
static _Atomic unsigned tellers_done;
static lh_site s_transfer = LH_SITE_INIT("transfer");
static lh_site s_audit = LH_SITE_INIT("audit");

struct move {
	unsigned from, to;
	long amount;
};

static int withdraw(lh_tx *tx, void *arg)
{
	const struct move *m = arg;
	intptr_t balance = lh_read(tx, accounts[m->from]);

	lh_check(tx, balance >= m->amount);     /* not enough: retry (or else...) */
	lh_write(tx, accounts[m->from], balance - m->amount);
	return 0;
}

static int deposit(lh_tx *tx, void *arg)
{
	const struct move *m = arg;

	lh_write(tx, accounts[m->to], lh_read(tx, accounts[m->to]) + m->amount);
	return 0;
}

static int move_money(lh_tx *tx, void *arg)
{
	(void)tx;
	lh_atomically(withdraw, arg);   /* each half is a transaction; */
	lh_atomically(deposit, arg);    /* together they are one */
	return 0;
}

static int bounce(lh_tx *tx, void *arg)
{
	(void)tx;
	(void)arg;
	return 1;
}

/* Move the money, or else (not enough in the account) do nothing: returns 1 if bounced. */
static int transfer(lh_tx *tx, void *arg)
{
	return lh_or_else(tx, move_money, arg, bounce, arg);
}

static _Atomic long bounced;

static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void *teller(void *arg)
{
	uint64_t rng = 0x9E3779B97F4A7C15ull * ((uintptr_t)arg + 1);
	unsigned i;

	for (i = 0; i < ntransfers; i++) {
		struct move m;

		m.from = (unsigned)(next_rand(&rng) % naccounts);
		m.to = (unsigned)(next_rand(&rng) % naccounts);
		m.amount = (long)(next_rand(&rng) % 100);
		if (lh_atomically_at(&s_transfer, transfer, &m))
			atomic_fetch_add(&bounced, 1);
	}
	atomic_fetch_add(&tellers_done, 1);
	return NULL;
}

static int total(lh_tx *tx, void *arg)
{
	long sum = 0;
	unsigned i;

	(void)arg;
	for (i = 0; i < naccounts; i++)
		sum += lh_read(tx, accounts[i]);
	return (int)(sum - (long)naccounts * INITIAL_BALANCE);   /* 0: conserved */
}

int main(int argc, char **argv)
{
	pthread_t *th;
	unsigned i;
	long audits = 0, bad = 0, sum = 0;
	int c;

	while ((c = getopt(argc, argv, "t:n:a:")) != -1) {
		switch (c) {
		case 't': nthreads = (unsigned)atoi(optarg); break;
		case 'n': ntransfers = (unsigned)atoi(optarg); break;
		case 'a': naccounts = (unsigned)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bank_stm [-t THREADS] [-n TRANSFERS] [-a ACCOUNTS]\n");
			return 2;
		}
	}
	if (nthreads < 1 || naccounts < 2) {
		fprintf(stderr, "bank_stm: need at least 1 thread and 2 accounts\n");
		return 2;
	}
	accounts = calloc(naccounts, sizeof(lh_tvar *));
	th = calloc(nthreads, sizeof(*th));
	if (!accounts || !th) {
		free(accounts);
		free(th);
		return 1;
	}
	for (i = 0; i < naccounts; i++)
		accounts[i] = lh_tvar_new(INITIAL_BALANCE);
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, teller, (void *)(uintptr_t)i);
	while (atomic_load(&tellers_done) < nthreads) {
		if (lh_atomically_at(&s_audit, total, NULL) != 0)
			bad++;
		audits++;
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < naccounts; i++) {
		sum += lh_load(accounts[i]);
		lh_tvar_free(accounts[i]);
	}
	printf("bank_stm: %u tellers, %u transfers each, %u accounts: total %ld (expected %ld), "
	       "%ld bounced, %ld consistent audits, %ld inconsistent\n",
	       nthreads, ntransfers, naccounts, sum, (long)naccounts * INITIAL_BALANCE,
	       atomic_load(&bounced), audits - bad, bad);
	free(accounts);
	free(th);
	return sum == (long)naccounts * INITIAL_BALANCE && bad == 0 ? 0 : 1;
}
