/*
 * bench/stm/bank.c - the bank transfer benchmark: the STM against no locking,
 * one global mutex, per-account mutexes taken in address order and (when
 * built with -fgnu-tm -DWITH_ITM, see run.sh) GCC's libitm.
 *
 *   bank VARIANT ACCOUNTS THREADS MODE MILLISECONDS
 *     VARIANT  nolock | mutex | perlock | stm | itm
 *     MODE     transfer   every thread transfers 1 between random accounts
 *              mixed      the same, and each thread does a consistent
 *                         read-all (sum of all balances) every 1,000 transfers
 *              starve     thread 0 loops read-all, the others transfer
 *              readall    one thread loops read-all, nothing else runs
 *
 * Prints one line of key=value pairs:
 *   transfers_per_s, readalls_per_s, readall_ns (median latency),
 *   ns_per_account (readall_ns / ACCOUNTS), attempts_per_readall (STM only:
 *   attempts of the read-all site / its commits), bad (inconsistent sums).
 */
#include <lockhound/stm.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define INITIAL 1000
#define MIXED_EVERY 1000
#define MAX_THREADS 8

enum variant { V_NOLOCK, V_MUTEX, V_PERLOCK, V_STM, V_ITM };
enum mode { M_TRANSFER, M_MIXED, M_STARVE, M_READALL };

static enum variant variant;
static enum mode mode;
static long naccounts;
static int nthreads;
static _Atomic int stop;

static long *plain;                     /* nolock, mutex, itm */
struct locked_account {
	pthread_mutex_t m;
	long balance;
};
static struct locked_account *locked;   /* perlock */
static pthread_mutex_t global = PTHREAD_MUTEX_INITIALIZER;
static lh_tvar *tv;                     /* stm: lh_tvar_new_array, contiguous */
static lh_site s_transfer = LH_SITE_INIT("bench-transfer");
static lh_site s_readall = LH_SITE_INIT("bench-readall");

struct worker {
	pthread_t th;
	int id;
	uint64_t rng;
	long transfers, readalls, bad;
	double *lat;                    /* read-all latencies, ns */
	long nlat, caplat;
} __attribute__((aligned(64)));

static inline uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* A random index below n without a division (multiply-high, Lemire). */
static inline long pick(uint64_t *s, long n)
{
	return (long)(((unsigned __int128)next_rand(s) * (uint64_t)n) >> 64);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- transfers ---- */
struct move {
	long from, to;
};

static int stm_transfer(lh_tx *tx, void *arg)
{
	const struct move *m = arg;

	lh_tvar *a = lh_tvar_at(tv, (size_t)m->from), *b = lh_tvar_at(tv, (size_t)m->to);

	lh_write(tx, a, lh_read(tx, a) - 1);
	lh_write(tx, b, lh_read(tx, b) + 1);
	return 0;
}

#ifdef WITH_ITM
static void itm_transfer(long from, long to)
{
	__transaction_atomic {
		plain[from] -= 1;
		plain[to] += 1;
	}
}

static long itm_sum(void)
{
	long s = 0, i;

	__transaction_atomic {
		for (i = 0; i < naccounts; i++)
			s += plain[i];
	}
	return s;
}
#endif

static void transfer(struct worker *w)
{
	struct move m;

	m.from = pick(&w->rng, naccounts);
	do
		m.to = pick(&w->rng, naccounts);
	while (m.to == m.from);
	switch (variant) {
	case V_NOLOCK:
		plain[m.from] -= 1;
		plain[m.to] += 1;
		break;
	case V_MUTEX:
		pthread_mutex_lock(&global);
		plain[m.from] -= 1;
		plain[m.to] += 1;
		pthread_mutex_unlock(&global);
		break;
	case V_PERLOCK: {
		struct locked_account *a = &locked[m.from], *b = &locked[m.to];

		if (a < b) {
			pthread_mutex_lock(&a->m);
			pthread_mutex_lock(&b->m);
		} else {
			pthread_mutex_lock(&b->m);
			pthread_mutex_lock(&a->m);
		}
		a->balance -= 1;
		b->balance += 1;
		pthread_mutex_unlock(&a->m);
		pthread_mutex_unlock(&b->m);
		break;
	}
	case V_STM:
		lh_atomically_at(&s_transfer, stm_transfer, &m);
		break;
	case V_ITM:
#ifdef WITH_ITM
		itm_transfer(m.from, m.to);
#endif
		break;
	}
	w->transfers++;
}

/* ---- read-all ---- */
static int stm_sum(lh_tx *tx, void *arg)
{
	long s = 0, i;

	(void)arg;
	for (i = 0; i < naccounts; i++)
		s += lh_read(tx, lh_tvar_at(tv, (size_t)i));
	return (int)(s - naccounts * INITIAL);  /* 0 when consistent */
}

static long sum_all(void)
{
	long s = 0, i;

	switch (variant) {
	case V_NOLOCK:
		for (i = 0; i < naccounts; i++)
			s += plain[i];
		return s;
	case V_MUTEX:
		pthread_mutex_lock(&global);
		for (i = 0; i < naccounts; i++)
			s += plain[i];
		pthread_mutex_unlock(&global);
		return s;
	case V_PERLOCK:
		for (i = 0; i < naccounts; i++)        /* address order */
			pthread_mutex_lock(&locked[i].m);
		for (i = 0; i < naccounts; i++)
			s += locked[i].balance;
		for (i = naccounts; i-- > 0;)
			pthread_mutex_unlock(&locked[i].m);
		return s;
	case V_STM:
		return naccounts * INITIAL + lh_atomically_at(&s_readall, stm_sum, NULL);
	case V_ITM:
#ifdef WITH_ITM
		return itm_sum();
#endif
		break;
	}
	return 0;
}

static void read_all(struct worker *w)
{
	double t0 = now_ns(), t1;
	long s = sum_all();

	t1 = now_ns();
	if (s != naccounts * INITIAL && variant != V_NOLOCK)
		w->bad++;
	w->readalls++;
	if (w->nlat == w->caplat) {
		w->caplat = w->caplat ? 2 * w->caplat : 1024;
		w->lat = realloc(w->lat, (size_t)w->caplat * sizeof(*w->lat));
		if (!w->lat)
			abort();
	}
	w->lat[w->nlat++] = t1 - t0;
}

static void *run(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		switch (mode) {
		case M_TRANSFER:
			transfer(w);
			break;
		case M_MIXED:
			transfer(w);
			if (w->transfers % MIXED_EVERY == 0)
				read_all(w);
			break;
		case M_STARVE:
			if (w->id == 0)
				read_all(w);
			else
				transfer(w);
			break;
		case M_READALL:
			read_all(w);
			break;
		}
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int parse_variant(const char *s)
{
	static const char *names[] = { "nolock", "mutex", "perlock", "stm", "itm" };
	int i;

	for (i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	static const char *modes[] = { "transfer", "mixed", "starve", "readall" };
	struct worker *w;
	long ms, i, transfers = 0, readalls = 0, bad = 0, nlat = 0;
	double *lat = NULL, t0, secs, attempts = 0;
	int v, m = -1;

	if (argc != 6 || (v = parse_variant(argv[1])) < 0) {
		fprintf(stderr, "usage: bank nolock|mutex|perlock|stm|itm ACCOUNTS THREADS "
				"transfer|mixed|starve|readall MILLISECONDS\n");
		return 2;
	}
	variant = (enum variant)v;
	naccounts = atol(argv[2]);
	nthreads = atoi(argv[3]);
	for (i = 0; i < 4; i++)
		if (strcmp(argv[4], modes[i]) == 0)
			m = (int)i;
	ms = atol(argv[5]);
	if (m < 0 || naccounts < 2 || nthreads < 1 || nthreads > MAX_THREADS || ms < 1) {
		fprintf(stderr, "bank: bad arguments\n");
		return 2;
	}
#ifndef WITH_ITM
	if (variant == V_ITM) {
		fprintf(stderr, "bank: built without -fgnu-tm\n");
		return 2;
	}
#endif
	mode = (enum mode)m;
	if (mode == M_READALL)
		nthreads = 1;
	plain = calloc((size_t)naccounts, sizeof(*plain));
	locked = calloc((size_t)naccounts, sizeof(*locked));
	tv = variant == V_STM ? lh_tvar_new_array((size_t)naccounts, INITIAL) : NULL;
	w = aligned_alloc(64, sizeof(*w) * MAX_THREADS);
	if (!plain || !locked || (variant == V_STM && !tv) || !w)
		return 1;
	memset(w, 0, sizeof(*w) * MAX_THREADS);
	for (i = 0; i < naccounts; i++) {
		plain[i] = INITIAL;
		locked[i].balance = INITIAL;
		pthread_mutex_init(&locked[i].m, NULL);
	}
	for (i = 0; i < nthreads; i++) {
		w[i].id = (int)i;
		w[i].rng = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
		pthread_create(&w[i].th, NULL, run, &w[i]);
	}
	t0 = now_ns();
	usleep((useconds_t)(ms * 1000));
	atomic_store(&stop, 1);
	for (i = 0; i < nthreads; i++)
		pthread_join(w[i].th, NULL);
	secs = (now_ns() - t0) / 1e9;
	for (i = 0; i < nthreads; i++) {
		transfers += w[i].transfers;
		readalls += w[i].readalls;
		bad += w[i].bad;
		nlat += w[i].nlat;
	}
	lat = malloc(sizeof(*lat) * (size_t)(nlat + 1));
	for (nlat = 0, i = 0; i < nthreads; i++) {
		memcpy(lat + nlat, w[i].lat, sizeof(*lat) * (size_t)w[i].nlat);
		nlat += w[i].nlat;
	}
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp_double);
	if (variant == V_STM && readalls > 0) {
		lh_stm_site_stats st;

		if (lh_stm_stats_get("bench-readall", &st) == 0 && st.commits)
			attempts = (double)(st.commits + st.aborts) / (double)st.commits;
	}
	printf("transfers_per_s=%.0f readalls_per_s=%.1f readall_ns=%.0f ns_per_account=%.2f "
	       "attempts_per_readall=%.2f bad=%ld\n",
	       transfers / secs, readalls / secs, nlat ? lat[nlat / 2] : 0.0,
	       nlat ? lat[nlat / 2] / (double)naccounts : 0.0, attempts, bad);
	free(lat);
	return bad != 0;
}
