/*
 * cli_analyze.c - what run and report share once traces are read: the
 * analysis, the count of findings that decide the exit status, and the
 * report files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../report/report.h"

static char cli_date[32];

/* Does finding f decide the exit status? (CONTRACT.md) */
static int cli_counts(const lh_cli *c, const lh_finding *f)
{
	if (f->suppressed || f->known)
		return 0;
	return f->kind != LH_KIND_LOCK_ORDER || c->strict;
}

static void cli_title(lh_model *m)
{
	const lh_process *p;

	if (m->title || m->nprocs == 0)
		return;
	p = m->procs[0];
	m->title = p->argc ? cli_join(p->argv, p->argc, ' ') : strdup(p->exe);
}

/* 0 when path names a readable regular file, else -errno after saying so. */
static int cli_check_file(const char *what, const char *path)
{
	struct stat st;
	int fd, err = 0;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);   /* a FIFO must not block */
	if (fd < 0 || fstat(fd, &st) < 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	if (fd >= 0)
		close(fd);
	if (err)
		lh_diag("%s file %s: %s", what, path,
			err == EINVAL ? "not a regular file" : strerror(err));
	return -err;
}

int cli_check_inputs(const lh_cli *c)
{
	int rc = cli_check_file("suppressions", c->suppressions);

	if (!rc)
		rc = cli_check_file("levels", c->levels);
	if (!rc)
		rc = cli_check_file("baseline", c->baseline);
	return rc;
}

int cli_analyze(lh_cli *c, lh_model *m, size_t *counted, size_t *made)
{
	lh_analysis_opts ao = {
		.strict = c->strict,
		.suppressions = c->suppressions,
		.levels = c->levels,
		.baseline = c->baseline,
		.max_cycles = 64,
	};
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	*counted = *made = 0;
	gmtime_r(&now, &tm);
	strftime(cli_date, sizeof(cli_date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cli_title(m);
	cli_progress_set(40);
	rc = lh_analyze(m, &ao);
	if (rc) {
		cli_progress_stop();
		lh_diag("analysis failed: %s", strerror(-rc));
		return rc == -ENOMEM ? LH_EXIT_BADINPUT : LH_EXIT_USAGE;
	}
	cli_progress_set(80);
	if (lh_symbolize_findings(m))
		lh_diag("out of memory while symbolizing; some frames are shown as addresses");
	cli_progress_stop();
	for (size_t i = 0; i < m->nfindings; i++) {
		if (!m->findings[i].suppressed)
			(*made)++;
		if (cli_counts(c, &m->findings[i]))
			(*counted)++;
	}
	return 0;
}

int cli_write_stream(const lh_cli *c, const lh_model *m, const char *fmt, FILE *out)
{
	const lh_writer *w = lh_writer_find(fmt);
	lh_report_opts ro = {
		.color = !strcmp(fmt, "text") && isatty(fileno(out)),
		.strict = c->strict,
		.command = m->title,
		.source_root = NULL,
		.date = cli_date,
	};
	int rc;

	if (!w) {
		lh_diag("no %s report writer in this build", fmt);
		return -ENOSYS;
	}
	rc = w->write(out, m, &ro);
	if (!rc && fflush(out) != 0)
		rc = -errno;
	return rc;
}

int cli_write_file(const lh_cli *c, const lh_model *m, const char *fmt, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f) {
		rc = -errno;
		lh_diag("%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = cli_write_stream(c, m, fmt, f);
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	if (rc)
		lh_diag("%s: writing the %s report failed: %s", path, fmt, strerror(-rc));
	return rc;
}

int cli_write_extras(const lh_cli *c, const lh_model *m)
{
	int rc = 0, r;

	if (c->html && (r = cli_write_file(c, m, "html", c->html)) && !rc)
		rc = r;
	if (c->json && (r = cli_write_file(c, m, "json", c->json)) && !rc)
		rc = r;
	if (c->sarif && (r = cli_write_file(c, m, "sarif", c->sarif)) && !rc)
		rc = r;
	return rc;
}
