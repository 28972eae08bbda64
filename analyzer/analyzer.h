/*
 * analyzer.h - the analyzer's entry points, called by analyzer/main.c.
 *
 * All functions return 0 or a negative errno; messages about bad input go
 * through lh_diag (stderr, prefixed "lockhound:").  Only main.c maps errors
 * to the documented exit statuses.
 */
#ifndef LH_ANALYZER_H
#define LH_ANALYZER_H

#include <stdio.h>

#include "model.h"

/* ---- reading (analyzer/trace_reader.c) -------------------------------- */
/* Read one trace file into the model (a new lh_process).  On corrupt or
 * truncated input keeps everything valid before the damage, reports
 * "FILE: byte OFFSET: what" through lh_diag and returns -EBADMSG.
 * -ENOENT etc. for unreadable files. */
int  lh_read_trace(lh_model *m, const char *path);
/* A directory: every lockhound.*.trace in it. */
int  lh_read_path(lh_model *m, const char *path);
/* 1 when a file name is a trace's (lockhound.*.trace), else 0. */
int  lh_is_trace_name(const char *name);
void lh_model_init(lh_model *m);
void lh_model_free(lh_model *m);

/* ---- symbols (analyzer/symbolize.c, libdw) ------------------------------ */
int  lh_symbolize_stack(lh_process *p, lh_stack *s);
/* Symbolizes every stack referenced by a finding (call before writers). */
int  lh_symbolize_findings(lh_model *m);
/* Global symbol naming the data object at addr, or NULL. */
const char *lh_symbol_for_data(lh_process *p, uint64_t addr);

/* ---- names and classes (analyzer/naming.c) ------------------------------ */
/* Gives every lock its name (annotation > global data symbol > init site)
 * and its class (symbol, annotated name, or init site with wrapper frames
 * skipped); fills m->classes.  Called by lh_analyze before the passes. */
int  lh_model_name_locks(lh_model *m);

/* ---- passes (analyzer/pass_*.c) ---------------------------------------- */
typedef struct lh_analysis_opts {
	int         strict;              /* lock-order counts towards exit status */
	const char *suppressions;        /* file or NULL                          */
	const char *levels;              /* file or NULL                          */
	const char *baseline;            /* JSON report or NULL                   */
	unsigned    max_cycles;          /* per SCC, beyond the smallest (default 64) */
} lh_analysis_opts;

/* Names and classes for locks, cycles + precision, online findings, misuse,
 * levels, ids and dedup, suppressions, baseline.  Fills m->findings. */
int  lh_analyze(lh_model *m, const lh_analysis_opts *o);

/* --suggest-levels: write a levels file consistent with every observed
 * order (topological order of classes); cycle edges to change as comments. */
int  lh_suggest_levels(lh_model *m, FILE *out);

/* ---- diagnostics --------------------------------------------------------- */
__attribute__((format(printf, 1, 2)))
void lh_diag(const char *fmt, ...);
/* Tests: send diagnostics (without the "lockhound: " prefix) to fn instead
 * of stderr; NULL restores stderr. */
typedef void (*lh_diag_sink)(const char *msg, void *arg);
void lh_diag_set_sink(lh_diag_sink fn, void *arg);

#endif
