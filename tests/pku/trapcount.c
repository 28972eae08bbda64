/*
 * trapcount.c - two helpers for tests/pku/run.sh (built by it, not by the
 * Makefile: CI has no qemu).
 *
 *   trapcount loop ITER [K]  two threads, ITER critical sections each on one
 *                            mutex, each updating two fields of one guarded
 *                            page-isolated object (as bench/race/guardloop.c:
 *                            a 16-byte load and store at -O2), plus K-1
 *                            more volatile increments of one field, then
 *                            lh_guarded_free: the REGION END record carries
 *                            the number of faults taken on it.  Prints the
 *                            elapsed seconds of the loop.
 *   trapcount read TRACE...  per trace: "traps N accesses N" (sum of the
 *                            REGION END records' traps, number of ACCESS
 *                            records).
 */
#include <lockhound/lockhound.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trace_format.h"

struct obj {
	long value;
	long ops;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct obj *o;
static long iter, extra;

static void *worker(void *arg)
{
	long i, k;

	(void)arg;
	for (i = 0; i < iter; i++) {
		pthread_mutex_lock(&lock);
		o->value++;
		o->ops++;
		for (k = 0; k < extra; k++)
			((volatile struct obj *)o)->ops++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static int loop(long n, long k)
{
	struct timespec a, b;
	pthread_t t1, t2;

	iter = n;
	extra = k > 1 ? k - 1 : 0;
	o = lh_guarded_alloc(sizeof(*o), NULL, "trapcount object");
	if (!o)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pthread_create(&t1, NULL, worker, NULL);
	pthread_create(&t2, NULL, worker, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("trapcount: value %ld ops %ld\n", o->value, o->ops);
	lh_guarded_free(o);
	printf("%.6f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}

static int read_trace(const char *path)
{
	FILE *f = fopen(path, "rb");
	lh_file_header fh;
	lh_block_header bh;
	unsigned long long traps = 0, accesses = 0;
	char *buf = NULL;
	size_t cap = 0, off;

	if (!f || fread(&fh, sizeof(fh), 1, f) != 1 || memcmp(fh.magic, LH_TRACE_MAGIC, 8) != 0) {
		fprintf(stderr, "trapcount: %s: not a trace\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	fseek(f, (long)fh.header_size, SEEK_SET);
	while (fread(&bh, sizeof(bh), 1, f) == 1 && bh.magic == LH_BLOCK_MAGIC) {
		if (bh.payload_len > cap) {
			char *nb = realloc(buf, bh.payload_len);

			if (!nb)
				break;
			buf = nb;
			cap = bh.payload_len;
		}
		if (fread(buf, 1, bh.payload_len, f) != bh.payload_len)
			break;
		for (off = 0; off + sizeof(lh_rec_header) <= bh.payload_len;) {
			lh_rec_header h;

			memcpy(&h, buf + off, sizeof(h));
			if (h.size < sizeof(h) || off + h.size > bh.payload_len)
				break;
			if (h.type == LH_REC_REGION && (h.flags & LH_REGION_END) &&
			    h.size >= sizeof(lh_rec_region)) {
				lh_rec_region r;

				memcpy(&r, buf + off, sizeof(r));
				traps += r.traps;
			} else if (h.type == LH_REC_ACCESS) {
				accesses++;
			}
			off += h.size;
		}
	}
	free(buf);
	fclose(f);
	printf("traps %llu accesses %llu\n", traps, accesses);
	return 0;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc > 2 && strcmp(argv[1], "loop") == 0)
		return loop(atol(argv[2]), argc > 3 ? atol(argv[3]) : 1);
	if (argc > 2 && strcmp(argv[1], "read") == 0) {
		for (i = 2; i < argc; i++)
			rc |= read_trace(argv[i]);
		return rc;
	}
	fprintf(stderr, "usage: trapcount loop ITER | read TRACE...\n");
	return 2;
}
