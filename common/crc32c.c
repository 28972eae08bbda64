/*
 * crc32c.c - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * per-block checksum of the trace format.  Table-driven, slice-by-1: the
 * shim checksums a block only when it flushes one, so simplicity wins.
 * The table is built at compile time by the generator macros below so the
 * function is async-signal-safe (the shim flushes from signal handlers).
 */
#include "trace_format.h"

#define LH_P 0x82F63B78u
#define LH_B1(c) (((c) & 1u) ? (((c) >> 1) ^ LH_P) : ((c) >> 1))
#define LH_B2(c) LH_B1(LH_B1(c))
#define LH_B4(c) LH_B2(LH_B2(c))
#define LH_B8(c) LH_B4(LH_B4(c))
#define LH_T1(n) LH_B8((uint32_t)(n))
#define LH_T4(n) LH_T1(n), LH_T1((n) + 1), LH_T1((n) + 2), LH_T1((n) + 3)
#define LH_T16(n) LH_T4(n), LH_T4((n) + 4), LH_T4((n) + 8), LH_T4((n) + 12)
#define LH_T64(n) LH_T16(n), LH_T16((n) + 16), LH_T16((n) + 32), LH_T16((n) + 48)

static const uint32_t crc_table[256] = {
	LH_T64(0), LH_T64(64), LH_T64(128), LH_T64(192)
};

uint32_t lh_crc32c(uint32_t crc, const void *buf, uint64_t len)
{
	const unsigned char *p = buf;

	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}
