/*
 * writers.c - the table of report writers behind lh_writer_find().
 * Each back end (text.c, json.c, sarif.c, html.c) exports one function with
 * the lh_writer signature; adding a format is one line here.
 */
#include <string.h>

#include "report.h"

static const lh_writer writers[] = {
	{ "text",  lh_report_text  },
	{ "json",  lh_report_json  },
	{ "sarif", lh_report_sarif },
	{ "html",  lh_report_html  },
};

const lh_writer *lh_writer_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (strcmp(writers[i].name, name) == 0)
			return &writers[i];
	return NULL;
}
