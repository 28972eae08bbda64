/*
 * test_graph.c - analyzer/graph.c (SCCs, smallest and elementary cycles)
 * and analyzer/hb.c (happens-before from create/join).
 */
#include <stdio.h>

#include "tap.h"
#include "lh_builder.h"

typedef struct seen {
	size_t   n, calls, first_len;
	size_t   lens[64];
} seen;

static int on_cycle(void *ctx, const uint32_t *eids, size_t n)
{
	seen *s = ctx;

	(void)eids;
	if (s->calls == 0)
		s->first_len = n;
	if (s->calls < 64)
		s->lens[s->calls] = n;
	s->calls++;
	return 0;
}

static void test_scc(void)
{
	/* 0->1->2->0, 2->3, 3->4, 4->3, 5 alone */
	uint32_t src[] = { 0, 1, 2, 2, 3, 4 }, dst[] = { 1, 2, 0, 3, 4, 3 };
	uint32_t comp[6];
	size_t nc = 0;
	lh_digraph g;
	int rc;

	tap_ok(graph_build(&g, 6, src, dst, 6) == 0, "graph_build");
	rc = graph_scc(&g, comp, &nc);
	tap_ok(rc == 0 && nc == 3, "graph_scc: 3 components (%zu)", nc);
	tap_ok(comp[0] == comp[1] && comp[1] == comp[2] && comp[3] == comp[4] &&
	       comp[0] != comp[3] && comp[5] != comp[0] && comp[5] != comp[3],
	       "graph_scc: {0,1,2} {3,4} {5}");
	tap_ok(comp[3] < comp[0], "graph_scc: successors have smaller numbers");
	graph_free(&g);
}

static void test_complete(void)
{
	/* complete digraph on 4 nodes: 6 two-cycles, 8 three-cycles and 6
	 * four-cycles = 20 elementary cycles */
	uint32_t src[12], dst[12], comp[4], members[4] = { 0, 1, 2, 3 };
	size_t ne = 0, nc;
	lh_digraph g;
	lh_cycle_walk *w;
	seen s = { 0 };
	size_t by_len[5] = { 0 };

	for (uint32_t i = 0; i < 4; i++)
		for (uint32_t j = 0; j < 4; j++)
			if (i != j) {
				src[ne] = i;
				dst[ne] = j;
				ne++;
			}
	graph_build(&g, 4, src, dst, ne);
	graph_scc(&g, comp, &nc);
	graph_walk_new(&w, &g, comp);
	graph_component_cycles(w, comp[0], members, 4, 1000, on_cycle, &s);
	for (size_t i = 0; i < s.calls && i < 64; i++)
		if (s.lens[i] < 5)
			by_len[s.lens[i]]++;
	tap_ok(s.calls == 20, "K4: every elementary cycle once (%zu)", s.calls);
	tap_ok(by_len[2] == 6 && by_len[3] == 8 && by_len[4] == 6, "K4: 6 + 8 + 6 by length");
	tap_ok(s.first_len == 2, "K4: the smallest cycle comes first");
	tap_ok(s.lens[1] == 2 && s.lens[6] == 3 && s.lens[14] == 4 && s.lens[19] == 4,
	       "K4: shorter cycles before longer ones");

	memset(&s, 0, sizeof(s));
	graph_component_cycles(w, comp[0], members, 4, 3, on_cycle, &s);
	tap_ok(s.calls == 4, "K4 with max_more=3: 4 cycles");
	graph_walk_free(w);
	graph_free(&g);
}

static void test_ring(void)
{
	enum { N = 1000 };
	uint32_t *src = calloc(N + 2, sizeof(*src)), *dst = calloc(N + 2, sizeof(*dst));
	uint32_t *comp = calloc(N, sizeof(*comp)), *members = calloc(N, sizeof(*members));
	size_t nc;
	lh_digraph g;
	lh_cycle_walk *w;
	seen s = { 0 };

	/* ring 0..N-1 plus a chord N/2 -> 0: smallest cycle has N/2 + 1 edges */
	for (uint32_t i = 0; i < N; i++) {
		src[i] = i;
		dst[i] = (i + 1) % N;
		members[i] = i;
	}
	src[N] = N / 2;
	dst[N] = 0;
	graph_build(&g, N, src, dst, N + 1);
	graph_scc(&g, comp, &nc);
	graph_walk_new(&w, &g, comp);
	graph_component_cycles(w, comp[0], members, N, 64, on_cycle, &s);
	tap_ok(nc == 1 && s.first_len == N / 2 + 1 && s.calls >= 1 && s.calls <= 2,
	       "ring with chord: smallest cycle first, %zu edges (%zu cycles within budget)",
	       s.first_len, s.calls);
	graph_walk_free(w);
	graph_free(&g);
	free(src); free(dst); free(comp); free(members);
}

static void test_hb(void)
{
	lh_model m;
	lh_process *p;
	lh_hb *hb;

	/* T1 creates T2 in seg 0 and T3 in seg 1, joins T2 in seg 2 (T2 ended
	 * in its seg 0); T3 creates T4 in its seg 0 */
	lh_model_init(&m);
	p = b_proc(&m);
	b_thread(p, 1, 0, 0);
	b_thread(p, 2, 1, 0);
	b_thread(p, 3, 1, 1);
	b_thread(p, 4, 3, 0);
	b_join(p, 1, 2, 2, 0);
	tap_ok(hb_build(&hb, p) == 0, "hb_build");
	tap_ok(hb_before(hb, 1, 0, 2, 0), "parent before the create precedes the child");
	tap_ok(!hb_before(hb, 1, 1, 2, 0) && !hb_before(hb, 2, 0, 1, 1),
	       "parent after the create is concurrent with the child");
	tap_ok(hb_before(hb, 2, 0, 1, 3), "child precedes the joiner after the join");
	tap_ok(!hb_before(hb, 2, 0, 1, 2), "child does not precede the joiner before the join");
	tap_ok(hb_before(hb, 1, 0, 4, 0) && hb_before(hb, 1, 1, 4, 0),
	       "transitive: grandparent before the create chain precedes the grandchild");
	tap_ok(!hb_before(hb, 2, 0, 4, 0) && !hb_before(hb, 4, 0, 2, 0),
	       "siblings' subtrees are concurrent");
	tap_ok(hb_before(hb, 2, 0, 4, 5) == 0, "a later segment of an unjoined thread is not ordered");
	tap_ok(hb_before(hb, 1, 0, 1, 1) && !hb_before(hb, 1, 1, 1, 1),
	       "same thread: earlier segments precede");
	tap_ok(!hb_before(hb, 9, 0, 1, 5) && !hb_before(hb, 1, 0, 9, 0),
	       "unknown threads are unordered");
	hb_free(hb);
	lh_model_free(&m);
}

int main(void)
{
	tap_plan(20);
	test_scc();
	test_complete();
	test_ring();
	test_hb();
	return tap_done();
}
