/*
 * arena.h - memory for the shim that never comes from malloc.
 *
 * Blocks come from 1 MiB mmap chunks, rounded up to a power of two (>= 32
 * bytes), and go back to a free list per size class; blocks above 256 KiB
 * are mmap'd and munmap'd individually.  Memory handed out is zeroed and
 * never moves.  On exhaustion arena_alloc returns NULL after printing one
 * "lockhound: out of memory" line; callers degrade (drop the record, stop
 * tracking) and keep the program running.
 */
#ifndef LH_ARENA_H
#define LH_ARENA_H

#include <stddef.h>

void *arena_alloc(size_t n);
void arena_free(void *p, size_t n);
/* fork triple: hold the arena lock across fork() */
void arena_fork_prepare(void);
void arena_fork_parent(void);
void arena_fork_child(void);
/* set by arena_alloc when it failed once; read for STATS */
extern int lh_arena_oom;
/* print the one "out of memory" line (first call only) */
void arena_oom(void);

#endif
