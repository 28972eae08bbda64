/*
 * bench/stm/cg_transfer.c - a fixed number of one-thread STM transfers, for
 * counting instructions per transaction with callgrind (repeatable, unlike
 * timings on a shared machine):
 *
 *   valgrind --tool=callgrind build/bench/cg_transfer 64 1000000
 *
 * Instructions per transfer = (total Ir - Ir of the run with N = 0) / N.
 */
#include <lockhound/stm.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static lh_tvar *tv;
static lh_site s_transfer = LH_SITE_INIT("cg-transfer");

struct move {
	size_t from, to;
};

static int stm_transfer(lh_tx *tx, void *arg)
{
	const struct move *m = arg;
	lh_tvar *a = lh_tvar_at(tv, m->from), *b = lh_tvar_at(tv, m->to);

	lh_write(tx, a, lh_read(tx, a) - 1);
	lh_write(tx, b, lh_read(tx, b) + 1);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	long iters = argc > 2 ? atol(argv[2]) : 1000000, i;
	uint64_t x = 0x9E3779B97F4A7C15ull;
	intptr_t sum = 0;

	if (n < 2)
		return 2;
	tv = lh_tvar_new_array(n, 1000);
	if (!tv)
		return 1;
	for (i = 0; i < iters; i++) {
		struct move m;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		m.from = (size_t)(x % n);
		m.to = (m.from + 1 + (size_t)((x >> 32) % (n - 1))) % n;
		lh_atomically_at(&s_transfer, stm_transfer, &m);
	}
	for (i = 0; i < (long)n; i++)
		sum += lh_load(lh_tvar_at(tv, (size_t)i));
	printf("sum=%ld\n", (long)sum);
	return sum != (intptr_t)n * 1000;
}
