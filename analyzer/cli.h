/*
 * cli.h - internals of the lockhound command (main.c, cli_*.c, elfcheck.c).
 *
 * Exit statuses (CONTRACT.md):
 *   run:    --exitcode N (default 66) when findings count, else PROGRAM's own
 *           status (128+signal when killed); 2 usage or unrunnable PROGRAM
 *           (static, set-uid), or PROGRAM ran but wrote no trace (the shim
 *           was not loaded); 127 PROGRAM not found.
 *   report: 0 nothing counts, 1 findings, 2 usage, 3 unreadable/corrupt input.
 */
#ifndef LH_CLI_H
#define LH_CLI_H

#include <stddef.h>

#include "analyzer.h"

#define LH_EXIT_USAGE    2
#define LH_EXIT_BADINPUT 3
#define LH_EXIT_FINDINGS 66
#define LH_EXIT_NOTFOUND 127

typedef struct lh_cli {
	int          is_run;          /* run (1) or report (0)                   */
	const char  *out;             /* run --out DIR                           */
	int          keep;            /* run --keep                              */
	const char  *html, *json, *sarif;
	int          exitcode;        /* run --exitcode N                        */
	int          strict;
	const char  *suppressions, *levels, *baseline;
	const char **shim_opts;       /* run -O key=value, in order              */
	size_t       nshim_opts;
	int          suggest_levels;  /* report --suggest-levels                 */
	const char  *format;          /* report --format                         */
	const char  *output;          /* report -o FILE                          */
	char       **args;            /* run: PROGRAM ARGS...; report: inputs    */
	int          nargs;
} lh_cli;

/* cli_opts.c: parse argv (after the subcommand word) into c.  Returns 0,
 * or LH_EXIT_USAGE after printing the reason and a usage hint. */
int  cli_parse(lh_cli *c, int is_run, int argc, char **argv);
void cli_free(lh_cli *c);
void cli_usage(FILE *out);
/* Checks one -O key=value against common/options.def; 0 or -EINVAL. */
int  cli_check_shim_opt(const char *kv);
/* The n strings of v joined by sep, malloc'd ("" for n = 0); NULL when out
 * of memory. */
char *cli_join(char *const *v, size_t n, char sep);

/* cli_run.c, cli_report.c: the subcommands; return the exit status. */
int  cli_run(lh_cli *c);
int  cli_report(lh_cli *c);

/* cli_analyze.c: analyze a loaded model per c (lh_analyze, then
 * lh_symbolize_findings).  Returns 0, or LH_EXIT_USAGE when an analysis
 * input (suppressions, levels, baseline) is bad.  *counted gets the
 * findings that count towards the exit status, *made those listed. */
int  cli_analyze(lh_cli *c, lh_model *m, size_t *counted, size_t *made);
/* Checks that --suppressions, --levels and --baseline name readable regular
 * files (before a program runs or traces are read); 0 or -errno, said. */
int  cli_check_inputs(const lh_cli *c);
/* Writes m in format fmt to stream out / to file path; 0 or -errno (the
 * reason went through lh_diag). */
int  cli_write_stream(const lh_cli *c, const lh_model *m, const char *fmt, FILE *out);
int  cli_write_file(const lh_cli *c, const lh_model *m, const char *fmt, const char *path);
/* The --html/--json/--sarif files; 0 or the first -errno. */
int  cli_write_extras(const lh_cli *c, const lh_model *m);

/* cli_progress.c: "lockhound: analyzing… N%" on stderr, only once the
 * work has taken more than a second. */
void cli_progress_start(void);
void cli_progress_set(int percent);
void cli_progress_stop(void);

/* elfcheck.c: 0 when PROGRAM can be preloaded (dynamic ELF, or a #! script),
 * -ENOEXEC for a static ELF, -EPERM for set-uid/set-gid, other -errno when
 * it cannot be read.  *why gets a short reason. */
int  lh_elf_check(const char *path, const char **why);

#endif
