/*
 * bank.c - the bank transfer of the mutex-versus-STM discussion.
 *
 * Every account has its own mutex.  transfer(from, to, amount) locks `from`
 * and then `to`: correct in isolation, and a deadlock waiting to happen,
 * because another thread moving money the other way locks the same two
 * mutexes in the opposite order.  Run it under lockhound:
 *
 *     lockhound run -- build/examples/bank
 *
 * and it reports a potential deadlock between two locks of the account
 * class, although this run never hangs.
 *
 * Why this run never hangs: to keep the demo deterministic, even-numbered
 * tellers always move money from a lower to a higher account number and
 * odd-numbered tellers always the other way, and the two groups work in
 * alternate rounds separated by a barrier.  Within a round every thread
 * locks in the same order, and no two rounds overlap.  The inversions
 * (accounts i,j in one thread, j,i in another) are real, they just never
 * meet in time here; in production nothing keeps them apart.  The cure is to
 * lock in one global order (`-o`: lower account number first),
 * lh_lock_many(), or the STM version (bank_stm).
 *
 * Usage: bank [-o] [-t THREADS] [-n TRANSFERS_PER_THREAD] [-a ACCOUNTS]
 * Prints the total balance at the end; exits 1 if money was created or lost.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define INITIAL_BALANCE 1000
#define ROUND_LEN       100     /* transfers per active thread per round */

struct account {
	pthread_mutex_t lock;
	long balance;
};

struct teller {
	pthread_t thread;
	unsigned  id;
	uint64_t  rng;
};

static struct account *accounts;
static unsigned naccounts = 64, nthreads = 4, ntransfers = 2000;
static int ordered;                 /* -o: lock the lower account first */
static pthread_barrier_t round_end;

static struct account *account_open(long balance)
{
	static unsigned next;
	struct account *a = &accounts[next++];

	pthread_mutex_init(&a->lock, NULL);
	a->balance = balance;
	return a;
}

/* The bug: `from` first, then `to`, whatever their order. */
static void transfer(struct account *from, struct account *to, long amount)
{
	struct account *first = from, *second = to;

	if (ordered && to < from) {
		first = to;
		second = from;
	}
	pthread_mutex_lock(&first->lock);
	pthread_mutex_lock(&second->lock);
	if (from->balance >= amount) {
		from->balance -= amount;
		to->balance += amount;
	}
	pthread_mutex_unlock(&second->lock);
	pthread_mutex_unlock(&first->lock);
}

static unsigned teller_random(struct teller *t, unsigned bound)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return (unsigned)(t->rng % bound);
}

static void *teller_run(void *arg)
{
	struct teller *t = arg;
	unsigned round, i, lo, hi, x;
	int upward = t->id % 2 == 0;

	for (round = 0; round < 2 * (ntransfers / ROUND_LEN); round++) {
		if ((round % 2 == 0) == upward) {
			for (i = 0; i < ROUND_LEN; i++) {
				lo = teller_random(t, naccounts);
				hi = teller_random(t, naccounts - 1);
				if (hi >= lo)
					hi++;
				else {
					x = lo;
					lo = hi;
					hi = x;
				}
				if (upward)
					transfer(&accounts[lo], &accounts[hi], 1 + teller_random(t, 50));
				else
					transfer(&accounts[hi], &accounts[lo], 1 + teller_random(t, 50));
			}
		}
		pthread_barrier_wait(&round_end);
	}
	return NULL;
}

static int parse_args(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "ot:n:a:")) != -1) {
		switch (c) {
		case 'o': ordered = 1; break;
		case 't': nthreads = (unsigned)atoi(optarg); break;
		case 'n': ntransfers = (unsigned)atoi(optarg); break;
		case 'a': naccounts = (unsigned)atoi(optarg); break;
		default:  return -1;
		}
	}
	if (nthreads < 1 || naccounts < 2 || ntransfers < 1)
		return -1;
	/* every thread must reach the same number of barriers */
	ntransfers = (ntransfers + ROUND_LEN - 1) / ROUND_LEN * ROUND_LEN;
	return 0;
}

int main(int argc, char **argv)
{
	struct teller *tellers;
	long total = 0;
	unsigned i;

	if (parse_args(argc, argv) != 0) {
		fprintf(stderr, "usage: bank [-o] [-t THREADS] [-n TRANSFERS] [-a ACCOUNTS]\n");
		return 2;
	}
	accounts = calloc(naccounts, sizeof(*accounts));
	tellers = calloc(nthreads, sizeof(*tellers));
	if (!accounts || !tellers) {
		free(accounts);
		free(tellers);
		return 2;
	}
	for (i = 0; i < naccounts; i++)
		account_open(INITIAL_BALANCE);
	pthread_barrier_init(&round_end, NULL, nthreads);
	for (i = 0; i < nthreads; i++) {
		tellers[i].id = i;
		tellers[i].rng = 0x9e3779b97f4a7c15ull * (i + 1);
		pthread_create(&tellers[i].thread, NULL, teller_run, &tellers[i]);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(tellers[i].thread, NULL);
	for (i = 0; i < naccounts; i++) {
		total += accounts[i].balance;
		pthread_mutex_destroy(&accounts[i].lock);
	}
	printf("bank: %u threads x %u transfers over %u accounts%s\n",
	       nthreads, ntransfers, naccounts, ordered ? " (ordered locking)" : "");
	printf("bank: total balance %ld (expected %ld): %s\n", total,
	       (long)naccounts * INITIAL_BALANCE,
	       total == (long)naccounts * INITIAL_BALANCE ? "ok" : "MISMATCH");
	pthread_barrier_destroy(&round_end);
	free(tellers);
	free(accounts);
	return total == (long)naccounts * INITIAL_BALANCE ? 0 : 1;
}
