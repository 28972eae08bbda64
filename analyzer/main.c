/*
 * main.c - the lockhound command: `run`, `report`, --help, --version.
 * Only this file and cli_*.c turn errors into exit statuses (cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
	lh_cli c;
	int rc, is_run;

	if (argc < 2) {
		cli_usage(stderr);
		return LH_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		cli_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("lockhound %s\n", LH_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		is_run = 1;
	else if (!strcmp(argv[1], "report"))
		is_run = 0;
	else {
		fprintf(stderr, "lockhound: unknown subcommand '%s'\n"
			"Try 'lockhound --help' for more information.\n", argv[1]);
		return LH_EXIT_USAGE;
	}
	rc = cli_parse(&c, is_run, argc - 1, argv + 1);
	if (!rc)
		rc = is_run ? cli_run(&c) : cli_report(&c);
	cli_free(&c);
	return rc;
}
