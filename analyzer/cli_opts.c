/*
 * cli_opts.c - the command line of `lockhound run` and `lockhound report`,
 * and --help.  Options are exactly those of CONTRACT.md; the shim options
 * accepted by -O come from the one table, common/options.def.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_OUT = 256, OPT_KEEP, OPT_HTML, OPT_JSON, OPT_SARIF, OPT_EXITCODE,
	OPT_STRICT, OPT_SUPP, OPT_LEVELS, OPT_BASELINE, OPT_SUGGEST, OPT_FORMAT,
	OPT_HELP,
};

static const struct option cli_longopts[] = {
	{ "out",            required_argument, NULL, OPT_OUT },
	{ "keep",           no_argument,       NULL, OPT_KEEP },
	{ "html",           required_argument, NULL, OPT_HTML },
	{ "json",           required_argument, NULL, OPT_JSON },
	{ "sarif",          required_argument, NULL, OPT_SARIF },
	{ "exitcode",       required_argument, NULL, OPT_EXITCODE },
	{ "strict",         no_argument,       NULL, OPT_STRICT },
	{ "suppressions",   required_argument, NULL, OPT_SUPP },
	{ "levels",         required_argument, NULL, OPT_LEVELS },
	{ "baseline",       required_argument, NULL, OPT_BASELINE },
	{ "suggest-levels", no_argument,       NULL, OPT_SUGGEST },
	{ "format",         required_argument, NULL, OPT_FORMAT },
	{ "help",           no_argument,       NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

typedef struct shim_opt {
	const char *type, *name, *def, *help;
} shim_opt;

#define LH_OPT(type, name, def, help) { #type, #name, #def, help },
static const shim_opt shim_opts[] = {
#include "options.def"
};
#undef LH_OPT

void cli_usage(FILE *out)
{
	fputs(
"Usage: lockhound run [OPTIONS] [--] PROGRAM [ARGS...]\n"
"       lockhound report [OPTIONS] TRACE_OR_DIR...\n"
"       lockhound --help | --version\n"
"\n"
"Finds potential deadlocks, real deadlocks, lock-level violations, races on\n"
"guarded memory and pthread misuse in unmodified dynamically linked programs.\n"
"\n"
"Subcommands:\n"
"  run       run PROGRAM (and every process it forks or execs) with the lockhound\n"
"            shim preloaded, analyze its traces, print the report on stderr\n"
"  report    analyze trace files or directories of them, merged into one report\n"
"\n"
"Options of run:\n"
"  --out DIR            keep traces and reports in DIR (default: a temporary\n"
"                       directory, removed unless findings were made)\n"
"  --keep               keep the temporary directory; its path is printed\n"
"  --exitcode N         exit status when findings count (default 66)\n"
"  -O key=value         pass a shim option (see below); repeatable\n"
"Options of report:\n"
"  --format FMT         text (default), json, sarif or html\n"
"  -o FILE              write the report to FILE instead of stdout\n"
"  --suggest-levels     print a levels file consistent with every observed order\n"
"Options of both:\n"
"  --html FILE, --json FILE, --sarif FILE\n"
"                       also write that report to FILE\n"
"  --strict             lock-order findings count towards the exit status too\n"
"  --suppressions FILE  rules KIND:PATTERN or id:ID, one a line (# comments)\n"
"  --levels FILE        declared lock levels, one 'LOCKNAME LEVEL' a line\n"
"  --baseline FILE      an earlier JSON report: its findings are marked known\n"
"                       and do not count towards the exit status\n"
"  --help               this text;  --version  the version\n"
"\n"
"Exit status:\n"
"  run      N of --exitcode (66) when findings count; otherwise PROGRAM's own\n"
"           status (128+signal when it was killed); 2 usage error or a PROGRAM\n"
"           that cannot be preloaded (static, set-uid); 127 PROGRAM not found\n"
"  report   0 no findings that count, 1 findings, 2 usage error,\n"
"           3 unreadable or corrupt input (what is valid is still analyzed)\n"
"  Findings that count: all kinds except lock-order (unless --strict), and\n"
"  except those marked known by --baseline or matched by --suppressions.\n"
"\n"
"Shim options (-O key=value, or LOCKHOUND_OPTIONS=\"key=value:key=value\"):\n",
	      out);
	for (size_t i = 0; i < sizeof(shim_opts) / sizeof(shim_opts[0]); i++) {
		const shim_opt *o = &shim_opts[i];
		const char *d = o->def;
		size_t dl = strlen(d);

		if (dl >= 2 && d[0] == '"') {     /* string literal default */
			d++;
			dl -= 2;
		}
		fprintf(out, "  %-20s %s (%s; default: %.*s)\n", o->name, o->help, o->type,
			(int)(dl ? dl : 2), dl ? d : "\"\"");
	}
	fputs(
"  lockhound run sets trace_dir, halt_on_deadlock=1, deadlock_timeout_ms=10000\n"
"  and levels (from --levels) itself; -O overrides all but trace_dir.\n"
"\n"
"Environment:\n"
"  LOCKHOUND_SHIM       path of liblockhound.so (default: ../lib/ next to the command)\n"
"  LOCKHOUND_OPTIONS    shim options, merged with those lockhound run sets\n"
"  TMPDIR               where run makes its temporary trace directory\n",
	      out);
}

static int cli_bad(const char *fmt, const char *arg)
{
	fputs("lockhound: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'lockhound --help' for more information.\n", stderr);
	return LH_EXIT_USAGE;
}

static int cli_parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

int cli_check_shim_opt(const char *kv)
{
	const char *eq = strchr(kv, '=');
	unsigned long v;

	if (!eq || eq == kv || strchr(kv, ':'))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(shim_opts) / sizeof(shim_opts[0]); i++) {
		const shim_opt *o = &shim_opts[i];
		const char *val = eq + 1;

		if (strlen(o->name) != (size_t)(eq - kv) || strncmp(o->name, kv, (size_t)(eq - kv)) != 0)
			continue;
		if (!strcmp(o->type, "bool"))
			return (!strcmp(val, "0") || !strcmp(val, "1")) ? 0 : -EINVAL;
		if (!strcmp(o->type, "uint"))
			return cli_parse_uint(val, INT_MAX, &v);
		if (!strcmp(o->type, "tracemode"))
			return (!strcmp(val, "summary") || !strcmp(val, "full")) ? 0 : -EINVAL;
		return 0;
	}
	return -ENOENT;
}

int cli_parse(lh_cli *c, int is_run, int argc, char **argv)
{
	static const char *const run_only[] = { "--out", "--keep", "--exitcode", "-O" };
	static const char *const report_only[] = { "--suggest-levels", "--format", "-o" };
	unsigned long v;
	int ch, idx;

	memset(c, 0, sizeof(*c));
	c->is_run = is_run;
	c->exitcode = LH_EXIT_FINDINGS;
	c->format = "text";
	c->shim_opts = calloc((size_t)argc + 1, sizeof(char *));
	if (!c->shim_opts)
		return cli_bad("%s", "out of memory");
	opterr = 0;
	optind = 1;
	/* run: stop at PROGRAM so its own options stay its own */
	while ((ch = getopt_long(argc, argv, is_run ? "+:O:o:h" : ":O:o:h", cli_longopts, &idx)) != -1) {
		const char *wrong = NULL;

		switch (ch) {
		case OPT_OUT:      c->out = optarg; break;
		case OPT_KEEP:     c->keep = 1; break;
		case OPT_HTML:     c->html = optarg; break;
		case OPT_JSON:     c->json = optarg; break;
		case OPT_SARIF:    c->sarif = optarg; break;
		case OPT_STRICT:   c->strict = 1; break;
		case OPT_SUPP:     c->suppressions = optarg; break;
		case OPT_LEVELS:   c->levels = optarg; break;
		case OPT_BASELINE: c->baseline = optarg; break;
		case OPT_SUGGEST:  c->suggest_levels = 1; break;
		case OPT_FORMAT:   c->format = optarg; break;
		case 'o':          c->output = optarg; break;
		case OPT_EXITCODE:
			if (cli_parse_uint(optarg, 255, &v))
				return cli_bad("--exitcode wants a number from 0 to 255, not '%s'", optarg);
			c->exitcode = (int)v;
			break;
		case 'O': {
			int rc = cli_check_shim_opt(optarg);

			if (rc == -ENOENT)
				return cli_bad("-O %s: unknown shim option (see the list in --help)", optarg);
			if (rc)
				return cli_bad("-O %s: bad value, or not key=value", optarg);
			c->shim_opts[c->nshim_opts++] = optarg;
			break;
		}
		case 'h':
		case OPT_HELP:
			cli_usage(stdout);
			exit(0);
		case ':':
			return cli_bad("option '%s' needs an argument", argv[optind - 1]);
		default:
			return cli_bad("unknown option '%s'", argv[optind - 1]);
		}
		if (ch == OPT_OUT || ch == OPT_KEEP || ch == OPT_EXITCODE || ch == 'O') {
			if (!is_run)
				wrong = run_only[ch == 'O' ? 3 : ch == OPT_OUT ? 0 : ch == OPT_KEEP ? 1 : 2];
		} else if (ch == OPT_SUGGEST || ch == OPT_FORMAT || ch == 'o') {
			if (is_run)
				wrong = report_only[ch == OPT_SUGGEST ? 0 : ch == OPT_FORMAT ? 1 : 2];
		}
		if (wrong)
			return cli_bad(is_run ? "%s is an option of 'lockhound report', not of 'run'"
					      : "%s is an option of 'lockhound run', not of 'report'", wrong);
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
	if (c->nargs == 0)
		return cli_bad("%s", is_run ? "run: which PROGRAM? (lockhound run [OPTIONS] [--] PROGRAM [ARGS...])"
					    : "report: which traces? (lockhound report [OPTIONS] TRACE_OR_DIR...)");
	if (!is_run && strcmp(c->format, "text") != 0 && strcmp(c->format, "json") != 0 &&
	    strcmp(c->format, "sarif") != 0 && strcmp(c->format, "html") != 0)
		return cli_bad("--format must be text, json, sarif or html, not '%s'", c->format);
	return 0;
}

void cli_free(lh_cli *c)
{
	free(c->shim_opts);
	c->shim_opts = NULL;
}
