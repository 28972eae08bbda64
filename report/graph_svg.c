/*
 * graph_svg.c - Graphviz-drawn lock graphs (see graph_svg.h).
 *
 * Graphviz does the layout (dot) and the SVG; this file only builds the
 * cgraph graph and trims the SVG for inlining: the XML prolog, DOCTYPE
 * (it names an external DTD), comments and namespace attributes go, since
 * an HTML5 parser puts <svg> in the SVG namespace by itself and the report
 * must not contain any external URL.  <title> elements (node names like
 * "n0") go too: the tooltips carry the labels.  Node names are "n<index>"; the lock
 * names only ever appear as labels and tooltips, which Graphviz escapes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/gvc.h>

#include "graph_svg.h"
#include "report_util.h"

int rep_graph_node(rep_graph *g, const char *label, int hot)
{
	for (size_t i = 0; i < g->nnodes; i++)
		if (strcmp(g->nodes[i].label, label) == 0) {
			g->nodes[i].hot |= hot;
			return (int)i;
		}
	if (g->nnodes == g->capn) {
		size_t cap = g->capn ? g->capn * 2 : 8;
		rep_gnode *n = realloc(g->nodes, cap * sizeof(*n));

		if (!n) {
			g->err = -ENOMEM;
			return -1;
		}
		g->nodes = n;
		g->capn = cap;
	}
	g->nodes[g->nnodes].label = strdup(label);
	if (!g->nodes[g->nnodes].label) {
		g->err = -ENOMEM;
		return -1;
	}
	g->nodes[g->nnodes].hot = hot;
	return (int)g->nnodes++;
}

int rep_graph_edge(rep_graph *g, int from, int to, const char *label, int hot)
{
	if (from < 0 || to < 0)
		return -EINVAL;
	for (size_t i = 0; i < g->nedges; i++) {
		rep_gedge *e = &g->edges[i];

		if (e->from != from || e->to != to)
			continue;
		e->hot |= hot;
		if (label && e->label && !strstr(e->label, label)) {
			rep_buf b = { 0 };

			rep_buf_printf(&b, "%s, %s", e->label, label);
			if (b.err)
				return b.err;
			free(e->label);
			e->label = b.s;
		}
		return 0;
	}
	if (g->nedges == g->cape) {
		size_t cap = g->cape ? g->cape * 2 : 8;
		rep_gedge *n = realloc(g->edges, cap * sizeof(*n));

		if (!n)
			return g->err = -ENOMEM;
		g->edges = n;
		g->cape = cap;
	}
	g->edges[g->nedges] = (rep_gedge){ from, to, label ? strdup(label) : NULL, hot };
	g->nedges++;
	return 0;
}

void rep_graph_free(rep_graph *g)
{
	for (size_t i = 0; i < g->nnodes; i++)
		free(g->nodes[i].label);
	for (size_t i = 0; i < g->nedges; i++)
		free(g->edges[i].label);
	free(g->nodes);
	free(g->edges);
	memset(g, 0, sizeof(*g));
}

/* Valid UTF-8, no control characters, backslashes doubled (Graphviz reads
 * \N, \G, \n, ... in labels).  Long labels are cut with an ellipsis. */
static char *graph_label(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), chars = 0;
	rep_buf b = { 0 };

	rep_buf_add(&b, "", 0);
	while (n) {
		uint32_t cp;
		size_t used = rep_utf8_next(p, n, &cp);

		if (++chars > 48) {
			rep_buf_puts(&b, "\xe2\x80\xa6");
			break;
		}
		if (cp == 0xfffd || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			rep_buf_puts(&b, "\xef\xbf\xbd");
		else if (cp == '\\')
			rep_buf_puts(&b, "\\\\");
		else
			rep_buf_add(&b, (const char *)p, used);
		p += used;
		n -= used;
	}
	return b.err ? NULL : b.s;
}

static void graph_set(void *obj, const char *k, const char *v)
{
	agsafeset(obj, (char *)k, (char *)v, (char *)"");
}

/* Writes the SVG text from "<svg" on, without comments and xmlns attributes. */
static void graph_emit(FILE *out, const char *svg, size_t len)
{
	const char *p = strstr(svg, "<svg");
	const char *end = svg + len;

	if (!p)
		return;
	while (p < end) {
		if (strncmp(p, "<!--", 4) == 0) {
			const char *q = strstr(p + 4, "-->");

			p = q ? q + 3 : end;
			while (p < end && *p == '\n')
				p++;
			continue;
		}
		if (strncmp(p, "<title>", 7) == 0) {
			/* node names ("n0"); tooltips carry the labels */
			const char *q = strstr(p + 7, "</title>");

			p = q ? q + 8 : end;
			while (p < end && *p == '\n')
				p++;
			continue;
		}
		if (strncmp(p, " xmlns", 6) == 0) {
			const char *q = strchr(p + 1, '"');

			q = q ? strchr(q + 1, '"') : NULL;
			if (q) {
				p = q + 1;
				continue;
			}
		}
		fputc(*p++, out);
	}
}

int rep_graph_svg(FILE *out, void *gvcp, const rep_graph *g, const char *prefix)
{
	GVC_t *gvc = gvcp;
	Agraph_t *G;
	Agnode_t **nodes = NULL;
	char *svg = NULL;
	unsigned int svglen = 0;
	int err = 0;
	char name[64];

	if (g->err)
		return g->err;
	G = agopen((char *)"locks", Agdirected, NULL);
	if (!G)
		return -ENOMEM;
	graph_set(G, "rankdir", g->nnodes > 12 ? "TB" : "LR");
	graph_set(G, "bgcolor", "transparent");
	graph_set(G, "pad", "0.15");
	graph_set(G, "nodesep", "0.45");
	graph_set(G, "ranksep", "0.6");
	snprintf(name, sizeof(name), "%s-g", prefix);
	graph_set(G, "id", name);
	nodes = calloc(g->nnodes ? g->nnodes : 1, sizeof(*nodes)); /* NOLINT(bugprone-sizeof-expression) */
	if (!nodes) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < g->nnodes; i++) {
		char *label = graph_label(g->nodes[i].label);

		snprintf(name, sizeof(name), "n%zu", i);
		nodes[i] = agnode(G, name, 1);
		if (!nodes[i] || !label) {
			free(label);
			err = -ENOMEM;
			goto out;
		}
		snprintf(name, sizeof(name), "%s-n%zu", prefix, i);
		graph_set(nodes[i], "id", name);
		graph_set(nodes[i], "label", label);
		graph_set(nodes[i], "tooltip", label);
		graph_set(nodes[i], "shape", "box");
		graph_set(nodes[i], "style", "rounded,filled");
		graph_set(nodes[i], "fontname", "Helvetica");
		graph_set(nodes[i], "fontsize", "12");
		graph_set(nodes[i], "penwidth", g->nodes[i].hot ? "1.6" : "1");
		graph_set(nodes[i], "color", g->nodes[i].hot ? "#b42318" : "#64748b");
		graph_set(nodes[i], "fillcolor", g->nodes[i].hot ? "#fef3f2" : "#f8fafc");
		graph_set(nodes[i], "fontcolor", "#0f172a");
		free(label);
	}
	for (size_t i = 0; i < g->nedges; i++) {
		const rep_gedge *e = &g->edges[i];
		Agedge_t *ed;

		if ((size_t)e->from >= g->nnodes || (size_t)e->to >= g->nnodes)
			continue;
		snprintf(name, sizeof(name), "e%zu", i);
		ed = agedge(G, nodes[e->from], nodes[e->to], name, 1);
		if (!ed) {
			err = -ENOMEM;
			goto out;
		}
		snprintf(name, sizeof(name), "%s-e%zu", prefix, i);
		graph_set(ed, "id", name);
		if (e->label) {
			char *label = graph_label(e->label);

			if (!label) {
				err = -ENOMEM;
				goto out;
			}
			graph_set(ed, "label", label);
			graph_set(ed, "tooltip", label);
			free(label);
		}
		graph_set(ed, "fontname", "Helvetica");
		graph_set(ed, "fontsize", "10");
		graph_set(ed, "color", e->hot ? "#d92d20" : "#94a3b8");
		graph_set(ed, "fontcolor", e->hot ? "#b42318" : "#475569");
		graph_set(ed, "penwidth", e->hot ? "2.2" : "1");
		graph_set(ed, "arrowsize", "0.8");
	}
	if (gvLayout(gvc, G, "dot") != 0) {
		err = -EINVAL;
		goto out;
	}
	if (gvRenderData(gvc, G, "svg", &svg, &svglen) != 0 || !svg)
		err = -EIO;
	else
		graph_emit(out, svg, svglen);
	if (svg)
		gvFreeRenderData(svg);
	gvFreeLayout(gvc, G);
out:
	free(nodes);
	agclose(G);
	return err;
}
