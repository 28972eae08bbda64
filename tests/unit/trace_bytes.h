/*
 * trace_bytes.h - write lockhound traces byte by byte, in the format of
 * common/trace_format.h, for the reader and analysis unit tests
 * (test_reader.c, test_races.c).  Records go into a pending block;
 * tw_flush() closes it with its header and CRC.  Allocation failures abort:
 * these are tests.
 *
 *   tw w;
 *   tw_header(&w, LH_TRACE_VERSION, pid, 0, 0, 0);
 *   tw_rec(&w, LH_REC_PROCESS, &pr, sizeof(pr), "prog", 5);
 *   tw_flush(&w, 1);
 *   tw_save(&w, path, w.len);
 *   tw_free(&w);
 */
#ifndef LH_TRACE_BYTES_H
#define LH_TRACE_BYTES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"

typedef struct tw {
	uint8_t *buf;  size_t len, cap;      /* the file                       */
	uint8_t *blk;  size_t blen, bcap;    /* the pending block's payload    */
	size_t  *bounds; size_t nbounds;     /* file offsets where blocks end  */
} tw;

static inline void tw_put(uint8_t **b, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2 + 64;
		*b = realloc(*b, *cap);
		if (!*b)
			abort();
	}
	memcpy(*b + *len, p, n);
	*len += n;
}

/* Starts a file: w is reset and gets the file header. */
static inline void tw_header(tw *w, uint32_t version, uint64_t pid, uint64_t ppid, uint32_t flags,
			     uint64_t start)
{
	lh_file_header h;

	memset(w, 0, sizeof(*w));
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, LH_TRACE_MAGIC, 8);
	h.version = version;
	h.header_size = sizeof(h);
	h.pid = pid;
	h.ppid = ppid;
	h.flags = flags;
	h.start_ns = start;
	tw_put(&w->buf, &w->len, &w->cap, &h, sizeof(h));
}

/* Appends a record to the pending block: fixed part (header included; type
 * and size are filled in) + tail, padded to the trace alignment. */
static inline void tw_rec(tw *w, uint16_t type, void *fixed, size_t flen, const void *tail, size_t tlen)
{
	lh_rec_header *h = fixed;
	static const uint8_t zero[LH_TRACE_ALIGN];
	size_t total = LH_REC_ALIGN(flen + tlen);
	size_t pad = (total - flen - tlen) & (LH_TRACE_ALIGN - 1);   /* < 8 */

	h->type = type;
	h->size = (uint32_t)total;
	tw_put(&w->blk, &w->blen, &w->bcap, fixed, flen);
	if (tlen)
		tw_put(&w->blk, &w->blen, &w->bcap, tail, tlen);
	if (pad)
		tw_put(&w->blk, &w->blen, &w->bcap, zero, pad);
}

/* Closes the pending block as written by thread `tid`. */
static inline void tw_flush(tw *w, uint32_t tid)
{
	lh_block_header b = { LH_BLOCK_MAGIC, (uint32_t)w->blen, lh_crc32c(0, w->blk, w->blen), tid };

	tw_put(&w->buf, &w->len, &w->cap, &b, sizeof(b));
	tw_put(&w->buf, &w->len, &w->cap, w->blk, w->blen);
	w->blen = 0;
	w->bounds = realloc(w->bounds, (w->nbounds + 1) * sizeof(size_t));
	if (!w->bounds)
		abort();
	w->bounds[w->nbounds++] = w->len;
}

/* Writes the first n bytes of the file to path. */
static inline void tw_save(const tw *w, const char *path, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(w->buf, 1, n, f) != n || fclose(f) != 0)
		abort();
}

static inline void tw_free(tw *w)
{
	free(w->buf);
	free(w->blk);
	free(w->bounds);
}

#endif
