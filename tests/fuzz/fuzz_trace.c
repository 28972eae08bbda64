/*
 * fuzz_trace.c - libFuzzer harness for the trace reader, the analysis and
 * every report writer.
 *
 * One input is one trace file.  Before it is read, the harness rewrites the
 * CRC-32C of every block whose header is intact, so mutations reach the
 * record decoders instead of dying at the checksum (the checksum path
 * itself is covered by tests/bats/16-corrupt-traces.bats).  The input goes
 * to a memfd and is read through /proc/self/fd/N, the same mmap path as a
 * real file.  Then: lh_analyze, lh_symbolize_findings, every writer to
 * /dev/null (the HTML one, slow because of Graphviz, unless FUZZ_NO_HTML is
 * set), and --suggest-levels.
 *
 * Built and run by tests/fuzz/run.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer.h"
#include "report.h"

static FILE *fuzz_null;
static int fuzz_html;          /* FUZZ_NO_HTML=1: skip the (slow) HTML writer */

static void fuzz_quiet(const char *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

/* Recomputes the checksum of every block that fits in the buffer. */
static void fuzz_fix_crcs(uint8_t *buf, size_t len)
{
	lh_file_header fh;
	size_t off;

	if (len < sizeof(fh))
		return;
	memcpy(&fh, buf, sizeof(fh));
	off = fh.header_size;
	if (off < sizeof(fh) || off % LH_TRACE_ALIGN || off > len)
		return;
	while (len - off >= sizeof(lh_block_header)) {
		lh_block_header bh;

		memcpy(&bh, buf + off, sizeof(bh));
		if (bh.magic != LH_BLOCK_MAGIC || bh.payload_len > len - off - sizeof(bh))
			return;
		bh.crc32c = lh_crc32c(0, buf + off + sizeof(bh), bh.payload_len);
		memcpy(buf + off, &bh, sizeof(bh));
		off += sizeof(bh) + bh.payload_len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmts[] = { "text", "json", "sarif", "html" };
	lh_analysis_opts ao = { .max_cycles = 8 };
	lh_report_opts ro = { .command = "fuzz", .date = "2000-01-01T00:00:00Z" };
	char path[64];
	uint8_t *buf;
	lh_model m;
	int fd;

	if (!fuzz_null) {
		fuzz_null = fopen("/dev/null", "w");
		fuzz_html = getenv("FUZZ_NO_HTML") == NULL;
		lh_diag_set_sink(fuzz_quiet, NULL);
	}
	buf = malloc(size ? size : 1);
	fd = memfd_create("fuzz-trace", MFD_CLOEXEC);
	if (!buf || fd < 0 || !fuzz_null) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	memcpy(buf, data, size);
	fuzz_fix_crcs(buf, size);
	if (write(fd, buf, size) != (ssize_t)size) {
		free(buf);
		close(fd);
		return 0;
	}
	free(buf);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	lh_model_init(&m);
	if (lh_read_trace(&m, path) != -ENOMEM && m.nprocs > 0) {
		if (lh_analyze(&m, &ao) == 0) {
			lh_symbolize_findings(&m);
			for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
				if (fuzz_html || strcmp(fmts[i], "html") != 0)
					lh_writer_find(fmts[i])->write(fuzz_null, &m, &ro);
		}
	}
	lh_model_free(&m);

	lh_model_init(&m);
	if (lh_read_trace(&m, path) != -ENOMEM && m.nprocs > 0 && lh_model_name_locks(&m) == 0)
		lh_suggest_levels(&m, fuzz_null);
	lh_model_free(&m);
	close(fd);
	return 0;
}
