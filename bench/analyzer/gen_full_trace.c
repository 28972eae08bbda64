/*
 * gen_full_trace.c - writes a trace_mode=full trace for the analyzer
 * benchmark: N EVENT records (default 10 million) from 4 threads over 64
 * locks, in 64 KiB blocks like the shim's buffers, plus the LOCK, THREAD,
 * STACK and DEP records a real run would have.
 *
 *   gen_full_trace FILE [N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_format.h"

/* Our own CRC-32C (bitwise), independent of common/crc32c.c. */
static uint32_t crc32c(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t c = ~0u;

	while (len--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
	}
	return ~c;
}

static unsigned char blk[65536];
static size_t blen;

static void flush(FILE *f)
{
	lh_block_header b = { LH_BLOCK_MAGIC, (uint32_t)blen, crc32c(blk, blen), 1 };

	if (!blen)
		return;
	fwrite(&b, sizeof(b), 1, f);
	fwrite(blk, 1, blen, f);
	blen = 0;
}

static void put(FILE *f, const void *rec, size_t n)
{
	if (blen + n > sizeof(blk) - sizeof(lh_block_header))
		flush(f);
	memcpy(blk + blen, rec, n);
	blen += n;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000ull;
	lh_file_header h = { .version = LH_TRACE_VERSION, .header_size = 64, .pid = 4242, .ppid = 1,
			     .flags = LH_FILE_FULL };
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_full_trace FILE [N]\n");
		return 2;
	}
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	memcpy(h.magic, LH_TRACE_MAGIC, 8);
	fwrite(&h, sizeof(h), 1, f);
	{
		struct { lh_rec_process p; char tail[16]; } p = {
			.p = { .h = { LH_REC_PROCESS, 0, sizeof(p) }, .pid = 4242, .ppid = 1, .argc = 1 },
			.tail = "/bin/bench\0bench",
		};
		put(f, &p, sizeof(p));
	}
	{
		struct { lh_rec_stack s; uint64_t pcs[2]; } s = {
			.s = { .h = { LH_REC_STACK, 0, sizeof(s) }, .id = 1, .depth = 2 }, .pcs = { 0x1000, 0x2000 },
		};
		put(f, &s, sizeof(s));
	}
	for (uint32_t t = 1; t <= 4; t++) {
		lh_rec_thread r = { .h = { LH_REC_THREAD, 0, sizeof(r) }, .tid = t, .parent_tid = t > 1, .create_stack = 1 };

		put(f, &r, sizeof(r));
	}
	for (uint64_t l = 1; l <= 64; l++) {
		lh_rec_lock r = { .h = { LH_REC_LOCK, 0, sizeof(r) }, .id = l, .addr = 0x10000 + l * 64,
				  .init_stack = 1, .kind = LH_LOCK_MUTEX };

		put(f, &r, sizeof(r));
	}
	for (uint64_t l = 1; l < 64; l++) {       /* a consistent chain: no cycle */
		struct { lh_rec_dep d; lh_dep_held held[1]; } d = {
			.d = { .h = { LH_REC_DEP, 0, sizeof(d) }, .tid = 1 + (uint32_t)(l % 4), .lock = l + 1,
			       .stack = 1, .mode = LH_MODE_WRITE, .nheld = 1 },
			.held = { { .lock = l, .stack = 1, .mode = LH_MODE_WRITE } },
		};
		put(f, &d, sizeof(d));
	}
	for (uint64_t i = 0; i < n; i++) {
		lh_rec_event e = { .h = { LH_REC_EVENT, 0, sizeof(e) }, .tid = 1 + (uint32_t)(i % 4),
				   .op = (i & 1) ? LH_EV_RELEASE : LH_EV_ACQUIRE, .mode = LH_MODE_WRITE,
				   .lock = 1 + (i / 2) % 64 };

		put(f, &e, sizeof(e));
	}
	flush(f);
	return fclose(f) == 0 ? 0 : 1;
}
