/*
 * graph_svg.h - lock graphs drawn by Graphviz (dot layout, SVG rendered in
 * memory) for the HTML report.
 *
 *   rep_graph g = { 0 };
 *   int a = rep_graph_node(&g, "lock A", 1), b = rep_graph_node(&g, "lock B", 1);
 *   rep_graph_edge(&g, a, b, "thread T2", 1);
 *   rep_graph_svg(out, gvc, &g, "f1");     inline <svg>, no prolog, no URLs
 *   rep_graph_free(&g);
 *
 * Labels may hold any bytes: they are made valid UTF-8 without control
 * characters or Graphviz escapes before Graphviz sees them, and Graphviz
 * XML-escapes them in the SVG.
 */
#ifndef LH_GRAPH_SVG_H
#define LH_GRAPH_SVG_H

#include <stddef.h>
#include <stdio.h>

typedef struct rep_gnode { char *label; int hot; } rep_gnode;
typedef struct rep_gedge { int from, to; char *label; int hot; } rep_gedge;

typedef struct rep_graph {
	rep_gnode *nodes; size_t nnodes, capn;
	rep_gedge *edges; size_t nedges, cape;
	int        err;
} rep_graph;

/* Index of the node with this label (added if new; hot is or'ed), or -1. */
int  rep_graph_node(rep_graph *g, const char *label, int hot);
/* Adds an edge (label may be NULL); an existing from->to edge is reused,
 * its hot flag or'ed.  Returns 0 or -ENOMEM. */
int  rep_graph_edge(rep_graph *g, int from, int to, const char *label, int hot);
void rep_graph_free(rep_graph *g);

/* Lays out and writes the graph as an inline <svg> element; `prefix` makes
 * element ids unique in the page.  gvc is a GVC_t * (void * to keep
 * Graphviz headers out of the writers).  0 or a negative errno. */
int  rep_graph_svg(FILE *out, void *gvc, const rep_graph *g, const char *prefix);

#endif
