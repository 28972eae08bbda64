/*
 * test_crc32c.c - CRC-32C: the known answer, and the hardware (SSE4.2) and
 * table implementations agree on every length and alignment, including a
 * checksum continued over split buffers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "tap.h"
#include "trace_format.h"

/* 1 when /proc/cpuinfo lists flag for the first CPU (x86-64 only). */
static int cpuinfo_has(const char *flag)
{
#if defined(__x86_64__)
	char line[8192];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int has = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) == 0) {
			for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
				if (strcmp(t, flag) == 0)
					has = 1;
			break;
		}
	}
	fclose(f);
	return has;
#else
	(void)flag;
	return 0;
#endif
}

int main(void)
{
	static unsigned char buf[4096 + 16];
	uint32_t seed = 12345;
	int agree = 1, split = 1;

	tap_plan(6);
	tap_ok(lh_crc32c(0, "123456789", 9) == 0xE3069283u, "known answer: CRC-32C(\"123456789\") = 0xE3069283");
	tap_ok(lh_crc32c_sw(0, "123456789", 9) == 0xE3069283u, "table implementation: same known answer");
	tap_ok(lh_crc32c(0, "", 0) == 0 && lh_crc32c_sw(0, "", 0) == 0, "empty buffer: 0");
	for (size_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (unsigned char)(seed >> 16);
	}
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len < 300; len++)
			if (lh_crc32c(0, buf + off, len) != lh_crc32c_sw(0, buf + off, len))
				agree = 0;
	if (lh_crc32c(0, buf, 4096) != lh_crc32c_sw(0, buf, 4096))
		agree = 0;
	tap_ok(agree, "lh_crc32c and the table agree on lengths 0..299 at 16 alignments, and 4 KiB");
	for (size_t cut = 0; cut <= 64; cut++)
		if (lh_crc32c(lh_crc32c(0, buf, cut), buf + cut, 100) != lh_crc32c(0, buf, cut + 100))
			split = 0;
	tap_ok(split, "a checksum continued over two pieces equals the one-piece checksum");
	printf("# hardware crc32 instruction: %s\n", lh_crc32c_hw_available() ? "used" : "not available");
	tap_ok(lh_crc32c_hw_available() == cpuinfo_has("sse4_2"),
	       "hardware detection agrees with /proc/cpuinfo's sse4_2 flag");
	return tap_done();
}
