#include "report_util.h"
int lh_report_html(FILE *out, const lh_model *m, const lh_report_opts *o)
{
	(void)m; (void)o;
	fputs("<!doctype html><title>stub</title>\n", out);
	return 0;
}
