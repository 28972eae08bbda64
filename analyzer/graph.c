/*
 * graph.c - directed graphs for the passes: compressed adjacency, strongly
 * connected components, and the cycles of a component.
 *
 * Why this finds what the report needs, and stays fast:
 *
 *  - Every cycle lies inside one strongly connected component, so Tarjan's
 *    algorithm (linear in nodes + edges) splits the work: a 100,000-lock
 *    chain is 100,000 trivial components and no cycle search at all.
 *  - The smallest cycle of a component is the shortest cycle through one
 *    of its nodes; a breadth-first search from node s meets s again first
 *    along a shortest cycle through s.  Taking the minimum over the
 *    members gives the smallest cycle of the component.  A search stops as
 *    soon as it cannot beat the best length so far, and a 2-cycle ends the
 *    search (no self-loops are ever added).
 *  - Other elementary cycles are enumerated by "lowest start": a cycle is
 *    found once, from its smallest node s, by a depth-first search over
 *    nodes greater than s that are not on the current path.  The search is
 *    deepened one length at a time (all 2-cycles, then all 3-cycles, ...),
 *    so short cycles, the ones a few threads can close, come first: a
 *    depth-first walk through 64 bank accounts would otherwise return
 *    32-lock cycles no 4-thread run can deadlock on.  Without Johnson's
 *    blocking sets paths are revisited, so it runs under a work budget and
 *    stops after max_more cycles: a dense component (thousands of bank
 *    accounts) gives its smallest cycle plus a sample, which dedup by class
 *    then merges.
 *
 * Nothing here recurses, so deep graphs cannot overflow the C stack.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

#define GRAPH_NONE      UINT32_MAX
#define BFS_BUDGET      (1u << 22)   /* edge visits per component        */
#define DFS_BUDGET      (1u << 21)   /* edge visits per component        */

int graph_build(lh_digraph *g, size_t nnodes, const uint32_t *src,
		const uint32_t *dst, size_t nedges)
{
	size_t *pos;

	memset(g, 0, sizeof(*g));
	g->off = calloc(nnodes + 1, sizeof(*g->off));
	g->adj = malloc((nedges ? nedges : 1) * sizeof(*g->adj));
	g->eid = malloc((nedges ? nedges : 1) * sizeof(*g->eid));
	pos = malloc((nnodes ? nnodes : 1) * sizeof(*pos));
	if (!g->off || !g->adj || !g->eid || !pos) {
		free(pos);
		graph_free(g);
		return -ENOMEM;
	}
	g->nnodes = nnodes;
	g->nedges = nedges;
	for (size_t i = 0; i < nedges; i++)
		g->off[src[i] + 1]++;
	for (size_t v = 0; v < nnodes; v++) {
		g->off[v + 1] += g->off[v];
		pos[v] = g->off[v];
	}
	for (size_t i = 0; i < nedges; i++) {
		size_t k = pos[src[i]]++;

		g->adj[k] = dst[i];
		g->eid[k] = (uint32_t)i;
	}
	free(pos);
	return 0;
}

void graph_free(lh_digraph *g)
{
	free(g->off);
	free(g->adj);
	free(g->eid);
	memset(g, 0, sizeof(*g));
}

int graph_scc(const lh_digraph *g, uint32_t *comp, size_t *ncomp)
{
	size_t n = g->nnodes, sp = 0, fp = 0;
	uint32_t *index = malloc((n ? n : 1) * sizeof(*index));
	uint32_t *low = malloc((n ? n : 1) * sizeof(*low));
	uint32_t *stack = malloc((n ? n : 1) * sizeof(*stack));
	uint32_t *fnode = malloc((n ? n : 1) * sizeof(*fnode));
	size_t *fpos = malloc((n ? n : 1) * sizeof(*fpos));
	uint32_t counter = 0, nc = 0;

	if (!index || !low || !stack || !fnode || !fpos) {
		free(index); free(low); free(stack); free(fnode); free(fpos);
		return -ENOMEM;
	}
	for (size_t v = 0; v < n; v++) {
		index[v] = GRAPH_NONE;
		comp[v] = GRAPH_NONE;
	}
	for (size_t r = 0; r < n; r++) {
		if (index[r] != GRAPH_NONE)
			continue;
		index[r] = low[r] = counter++;
		stack[sp++] = (uint32_t)r;
		fnode[0] = (uint32_t)r;
		fpos[0] = g->off[r];
		fp = 1;
		while (fp) {
			uint32_t v = fnode[fp - 1];

			if (fpos[fp - 1] < g->off[v + 1]) {
				uint32_t w = g->adj[fpos[fp - 1]++];

				if (index[w] == GRAPH_NONE) {
					index[w] = low[w] = counter++;
					stack[sp++] = w;
					fnode[fp] = w;
					fpos[fp] = g->off[w];
					fp++;
				} else if (comp[w] == GRAPH_NONE && index[w] < low[v]) {
					/* w is still on the Tarjan stack */
					low[v] = index[w];
				}
				continue;
			}
			fp--;
			if (low[v] == index[v]) {
				uint32_t w;

				do {
					w = stack[--sp];
					comp[w] = nc;
				} while (w != v);
				nc++;
			}
			if (fp && low[v] < low[fnode[fp - 1]])
				low[fnode[fp - 1]] = low[v];
		}
	}
	*ncomp = nc;
	free(index); free(low); free(stack); free(fnode); free(fpos);
	return 0;
}

/* ---- cycles of one component --------------------------------------------- */

struct lh_cycle_walk {
	const lh_digraph *g;
	const uint32_t   *comp;
	uint32_t *stamp, cur;      /* BFS: visited when stamp[v] == cur        */
	uint32_t *dist, *pnode;    /* BFS: distance, parent node               */
	size_t   *pedge;           /* BFS: position of the edge that reached v */
	uint32_t *queue;
	uint8_t  *onpath;          /* DFS                                      */
	uint32_t *fnode;
	size_t   *fpos;
	uint32_t *path, *best;     /* edge ids                                 */
};

int graph_walk_new(lh_cycle_walk **out, const lh_digraph *g, const uint32_t *comp)
{
	size_t n = g->nnodes ? g->nnodes : 1;
	lh_cycle_walk *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->g = g;
	w->comp = comp;
	w->stamp = calloc(n, sizeof(*w->stamp));
	w->dist = malloc(n * sizeof(*w->dist));
	w->pnode = malloc(n * sizeof(*w->pnode));
	w->pedge = malloc(n * sizeof(*w->pedge));
	w->queue = malloc(n * sizeof(*w->queue));
	w->onpath = calloc(n, 1);
	w->fnode = malloc(n * sizeof(*w->fnode));
	w->fpos = malloc(n * sizeof(*w->fpos));
	w->path = malloc(n * sizeof(*w->path));
	w->best = malloc(n * sizeof(*w->best));
	if (!w->stamp || !w->dist || !w->pnode || !w->pedge || !w->queue ||
	    !w->onpath || !w->fnode || !w->fpos || !w->path || !w->best) {
		graph_walk_free(w);
		return -ENOMEM;
	}
	*out = w;
	return 0;
}

void graph_walk_free(lh_cycle_walk *w)
{
	if (!w)
		return;
	free(w->stamp); free(w->dist); free(w->pnode); free(w->pedge);
	free(w->queue); free(w->onpath); free(w->fnode); free(w->fpos);
	free(w->path); free(w->best);
	free(w);
}

/* Shortest cycle through s inside component c, shorter than *bestlen:
 * written to w->best (edge ids in order, starting at s).  *budget counts
 * edge visits down. */
static void walk_bfs(lh_cycle_walk *w, uint32_t c, uint32_t s, size_t *bestlen,
		     size_t *budget)
{
	const lh_digraph *g = w->g;
	size_t head = 0, tail = 0;

	if (++w->cur == 0) {            /* stamp wrapped: start afresh     */
		memset(w->stamp, 0, g->nnodes * sizeof(*w->stamp));
		w->cur = 1;
	}
	w->stamp[s] = w->cur;
	w->dist[s] = 0;
	w->queue[tail++] = s;
	while (head < tail) {
		uint32_t v = w->queue[head++];

		if ((size_t)w->dist[v] + 1 >= *bestlen)
			return;         /* nothing shorter can follow      */
		for (size_t k = g->off[v]; k < g->off[v + 1]; k++) {
			uint32_t x = g->adj[k];

			if (w->comp[x] != c)
				continue;
			if (*budget == 0)
				return;
			(*budget)--;
			if (x == s) {
				size_t len = (size_t)w->dist[v] + 1, i = len;
				uint32_t node = v;

				w->best[--i] = g->eid[k];
				while (node != s) {
					w->best[--i] = g->eid[w->pedge[node]];
					node = w->pnode[node];
				}
				*bestlen = len;
				return;
			}
			if (w->stamp[x] == w->cur)
				continue;
			w->stamp[x] = w->cur;
			w->dist[x] = w->dist[v] + 1;
			w->pnode[x] = v;
			w->pedge[x] = k;
			w->queue[tail++] = x;
		}
	}
}

/* 1 when two cycles of n edges are the same up to rotation. */
static int cycle_same(const uint32_t *a, const uint32_t *b, size_t n)
{
	/* cycles worth comparing are short: n^2 is fine */
	for (size_t r = 0; r < n; r++) {
		size_t i;

		for (i = 0; i < n && a[i] == b[(i + r) % n]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

int graph_component_cycles(lh_cycle_walk *w, uint32_t c, const uint32_t *members,
			   size_t n, unsigned max_more, graph_cycle_fn fn, void *ctx)
{
	const lh_digraph *g = w->g;
	size_t bestlen = SIZE_MAX, budget = BFS_BUDGET, bfs_len;
	unsigned found = 0;
	int rc;

	if (n < 2)
		return 0;
	for (size_t i = 0; i < n && bestlen > 2 && budget; i++)
		walk_bfs(w, c, members[i], &bestlen, &budget);
	if (bestlen == SIZE_MAX)
		return 0;               /* budget ran out before any cycle */
	bfs_len = bestlen;
	rc = fn(ctx, w->best, bestlen);
	if (rc)
		return rc < 0 ? rc : 0;

	/* Shortest first: cycles of exactly `len` edges for len = 2, 3, ...
	 * (iterative deepening; the budget bounds the repeated work). */
	budget = DFS_BUDGET;
	for (size_t len = 2; len <= n && found < max_more && budget; len++) {
		for (size_t i = 0; i < n && found < max_more && budget; i++) {
			uint32_t s = members[i];
			size_t depth = 0;

			w->fnode[0] = s;
			w->fpos[0] = g->off[s];
			w->onpath[s] = 1;
			for (;;) {
				uint32_t v = w->fnode[depth], x;
				size_t k;

				if (w->fpos[depth] >= g->off[v + 1]) {
					w->onpath[v] = 0;
					if (depth == 0)
						break;
					depth--;
					continue;
				}
				k = w->fpos[depth]++;
				x = g->adj[k];
				if (w->comp[x] != c)
					continue;
				if (budget == 0 || found >= max_more) {
					rc = 0;
					goto unwind;
				}
				budget--;
				if (x == s && depth + 1 == len) {
					w->path[depth] = g->eid[k];
					if (len == bfs_len && cycle_same(w->path, w->best, bfs_len))
						continue;
					found++;
					rc = fn(ctx, w->path, len);
					if (rc)
						goto unwind;
				} else if (x > s && !w->onpath[x] && depth + 1 < len) {
					w->path[depth] = g->eid[k];
					depth++;
					w->fnode[depth] = x;
					w->fpos[depth] = g->off[x];
					w->onpath[x] = 1;
				}
				continue;
unwind:
				for (size_t d = 0; d <= depth; d++)
					w->onpath[w->fnode[d]] = 0;
				return rc < 0 ? rc : 0;
			}
		}
	}
	return 0;
}
