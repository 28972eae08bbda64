/*
 * stm/orelse.c - lh_or_else: run one branch, or the other if it retries.
 *
 * A savepoint records the length of the write log, of the undo log and of
 * the side log, and the write-set Bloom filter.  While the left branch
 * runs, tx->sp_wn is the write-log length at the savepoint: a write to an
 * entry made before it pushes the old value on the undo log (tx.c), a write
 * to a new TVar appends an entry.  If the branch calls lh_retry(), it
 * longjmps here (tx->retry_jb), and rollback pops the undo log back to the
 * savepoint (newest first, so each entry gets its value from before the
 * branch), truncates the write log, restores the filter and undoes the side
 * log (frees the branch's allocations, runs its on-abort hooks).  The read
 * log is not truncated: if the right branch retries too, the transaction
 * waits on the union of both branches' reads (retry.c), as in GHC.
 *
 * A conflict in either branch longjmps past this frame to the top (tx.c):
 * the whole transaction restarts.  The lh_jmpbuf of a left branch lives in
 * this frame, and tx->retry_jb points at it only while the frame is live.
 */
#include "stm_internal.h"

static void rollback_to(struct lh_tx *tx, const struct lh_savepoint *sp)
{
	while (tx->un > sp->un) {
		const struct lh_undo *u = &tx->u[--tx->un];

		tx->lg.w[u->idx].val = u->old;
	}
	lh_set_wn(tx, sp->wn);
	tx->lg.bloom = sp->bloom;
	if (tx->widx)
		lh_tx_whash_rebuild(tx);
	lh_tx_rollback_side(tx, sp->mn);
}

int lh_or_else(lh_tx *tx, lh_tx_fn a, void *aa, lh_tx_fn b, void *ba)
{
	struct lh_savepoint sp;
	lh_jmpbuf jb;
	lh_jmpbuf *outer = tx->retry_jb;

	sp.wn = lh_wn(tx);
	sp.un = tx->un;
	sp.mn = tx->mn;
	sp.bloom = tx->lg.bloom;
	sp.prev_sp_wn = tx->sp_wn;
	tx->sp_wn = lh_wn(tx);
	tx->retry_jb = &jb;
	if (LH_SETJMP(jb) == 0) {
		int r = a(tx, aa);

		tx->retry_jb = outer;
		tx->sp_wn = sp.prev_sp_wn;
		return r;
	}
	tx->retry_jb = outer;
	rollback_to(tx, &sp);
	tx->sp_wn = sp.prev_sp_wn;
	return b(tx, ba);
}
