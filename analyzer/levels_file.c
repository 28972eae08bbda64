/*
 * levels_file.c - the levels file of `--levels FILE` (the shim reads the
 * same format from levels=FILE):
 *
 *   # comment
 *   bank_lock     30        LOCKNAME LEVEL, one a line
 *   account_lock  20
 *
 * LOCKNAME is matched against a lock's name, its annotation, its class
 * name, and the symbol or annotation of its class key ("sym:X", "name:X").
 * LEVEL is a decimal integer (negative allowed).  Every error is reported
 * with its line ("FILE:LINE: ..."), so a user fixes all of them in one go;
 * levels_parse then returns -EINVAL together with the valid entries, and
 * levels_apply uses those (the shim, reading the same file, also warns and
 * goes on: a typo in line 7 must not hide the violations of lines 1-6).
 * A name that matches no lock of these traces is not an error: the lock
 * may simply not have been used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

void levels_free(lh_levels_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

/* Parses one line (comment already cut off) into *e; 0 for a blank line,
 * 1 for an entry, or a negative errno with a message written to err. */
static int levels_line(char *s, lh_levels_entry *e, char *err, size_t errlen)
{
	char *save = NULL, *name, *num, *extra, *end;
	long long v;

	name = strtok_r(s, " \t\r\n", &save);
	if (!name)
		return 0;
	num = strtok_r(NULL, " \t\r\n", &save);
	extra = strtok_r(NULL, " \t\r\n", &save);
	if (!num || extra) {
		snprintf(err, errlen, "malformed line (expected: LOCKNAME LEVEL)");
		return -EINVAL;
	}
	errno = 0;
	v = strtoll(num, &end, 10);
	if (errno || end == num || *end) {
		snprintf(err, errlen, "bad level '%s' for %s (expected an integer)", num, name);
		return -EINVAL;
	}
	if (v == LH_NO_LEVEL) {
		snprintf(err, errlen, "level %s for %s is out of range", num, name);
		return -EINVAL;
	}
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	e->level = v;
	return 1;
}

typedef struct levels_read {
	const char      *path;
	lh_levels_entry *es;
	size_t           n;
} levels_read;

static int levels_read_line(void *ctx, char *text, int lineno)
{
	levels_read *lr = ctx;
	lh_levels_entry e = { 0 };
	char err[512], *hash = strchr(text, '#');
	int r;

	if (hash)
		*hash = '\0';
	r = levels_line(text, &e, err, sizeof(err));
	if (r <= 0) {
		if (r < 0 && r != -ENOMEM)
			lh_diag("%s:%d: %s", lr->path, lineno, err);
		return r;
	}
	e.line = lineno;
	for (size_t i = 0; i < lr->n; i++)
		if (!strcmp(lr->es[i].name, e.name)) {
			lh_diag("%s:%d: duplicate lock %s (first given at line %d)",
				lr->path, lineno, e.name, lr->es[i].line);
			free(e.name);
			return -EINVAL;
		}
	if (pass_grow(&lr->es, lr->n, sizeof(e))) {
		free(e.name);
		return -ENOMEM;
	}
	lr->es[lr->n++] = e;
	return 0;
}

int levels_parse(const char *path, lh_levels_entry **out, size_t *nout)
{
	levels_read lr = { .path = path };
	int rc = pass_read_lines(path, "levels", levels_read_line, &lr);

	*out = NULL;
	*nout = 0;
	if (rc && rc != -EINVAL) {
		levels_free(lr.es, lr.n);
		return rc;
	}
	/* the valid entries are returned even when some lines were bad */
	*out = lr.es;
	*nout = lr.n;
	return rc;
}

static const lh_levels_entry *levels_find(const lh_levels_entry *es, size_t n, const char *name)
{
	if (!name || !*name)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(es[i].name, name))
			return &es[i];
	return NULL;
}

static const lh_levels_entry *levels_match(const lh_levels_entry *es, size_t n, const lh_lock *l)
{
	const lh_levels_entry *e = levels_find(es, n, l->annotation);

	if (!e)
		e = levels_find(es, n, l->name);
	if (!e && l->cls) {
		const char *k = l->cls->key;

		e = levels_find(es, n, l->cls->name);
		if (!e && k && !strncmp(k, "sym:", 4))
			e = levels_find(es, n, k + 4);
		if (!e && k && !strncmp(k, "name:", 5))
			e = levels_find(es, n, k + 5);
	}
	return e;
}

int levels_apply(lh_model *m, const char *path)
{
	lh_levels_entry *es;
	size_t n;
	int rc = levels_parse(path, &es, &n);

	/* Bad lines were reported with their numbers; like the shim, go on
	 * with the valid ones rather than stop the analysis. */
	if (rc && rc != -EINVAL)
		return rc;
	for (size_t i = 0; i < m->nprocs; i++) {
		lh_lock *l;

		for (l = m->procs[i]->locks; l; l = l->hh.next) {
			const lh_levels_entry *e = levels_match(es, n, l);

			if (!e)
				continue;
			l->level = e->level;
			if (l->cls)
				l->cls->level = e->level;
		}
	}
	levels_free(es, n);
	return 0;
}
