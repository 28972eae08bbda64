/*
 * symbolize.h - internals of analyzer/symbolize.c shared with model.c and
 * naming.c.  The public entry points are in analyzer.h.
 */
#ifndef LH_SYMBOLIZE_H
#define LH_SYMBOLIZE_H

#include "model.h"

/* Frees the per-process symbolizer state (p->dwfl); safe to call twice. */
void lh_symbolize_free(lh_process *p);

/* Symbolizes one pc; `ret` is nonzero for a return address (looked up at
 * pc - 1).  Strings in *f are owned by the process's symbolizer cache. */
int lh_symbolize_pc(lh_process *p, uint64_t pc, int ret, lh_frame *f);

/* Symbolizes every stack of every process (lh_model_name_locks uses it). */
int lh_symbolize_model(lh_model *m);

#endif
