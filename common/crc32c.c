/*
 * crc32c.c - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * per-block checksum of the trace format.
 *
 * Two implementations of the same function:
 *   hardware  the SSE4.2 `crc32` instruction, 8 bytes a step, used when
 *             CPUID says the CPU has it (x86-64 only);
 *   table     slice-by-1 over a 256-entry table, everywhere else.
 * The reader checksums every block of a trace (240 MB for 10 million
 * EVENT records), so the hardware path is what makes reading fast.
 *
 * Async-signal-safe: the shim flushes, and so checksums, from signal
 * handlers.  The table is built at compile time by the generator macros
 * below; CPU detection is a bare CPUID instruction whose answer is cached
 * in one int (two threads racing to fill it store the same value), with no
 * ifunc, no allocation and no dependence on constructors having run.
 */
#include <stdint.h>
#include <string.h>

#include "crc32c.h"
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

uint32_t lh_crc32c_sw(uint32_t crc, const void *buf, uint64_t len)
{
	const unsigned char *p = buf;

	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>

/* 0 not yet asked, 1 no SSE4.2, 2 SSE4.2 */
static int crc_hw_state;

int lh_crc32c_hw_available(void)
{
	int s = __atomic_load_n(&crc_hw_state, __ATOMIC_RELAXED);
	unsigned a, b, c, d;

	if (s == 0) {
		s = (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2)) ? 2 : 1;
		__atomic_store_n(&crc_hw_state, s, __ATOMIC_RELAXED);
	}
	return s == 2;
}

__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t crc, const unsigned char *p, uint64_t len)
{
	uint64_t c = ~crc;

	for (; len && ((uintptr_t)p & 7u); len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		c = _mm_crc32_u64(c, v);
	}
	for (; len; len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

uint32_t lh_crc32c(uint32_t crc, const void *buf, uint64_t len)
{
	if (lh_crc32c_hw_available())
		return crc_hw(crc, buf, len);
	return lh_crc32c_sw(crc, buf, len);
}
#else
int lh_crc32c_hw_available(void)
{
	return 0;
}

uint32_t lh_crc32c(uint32_t crc, const void *buf, uint64_t len)
{
	return lh_crc32c_sw(crc, buf, len);
}
#endif
