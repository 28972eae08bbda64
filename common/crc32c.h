/*
 * crc32c.h - the two implementations behind lh_crc32c (trace_format.h),
 * exposed so a unit test can check that they agree.  Both are
 * async-signal-safe.
 */
#ifndef LH_CRC32C_H
#define LH_CRC32C_H

#include <stdint.h>

/* CRC-32C with the byte-wise table, whatever the CPU. */
uint32_t lh_crc32c_sw(uint32_t crc, const void *buf, uint64_t len);
/* 1 when lh_crc32c uses the SSE4.2 crc32 instruction. */
int lh_crc32c_hw_available(void);

#endif
