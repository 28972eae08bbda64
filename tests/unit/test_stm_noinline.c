/*
 * test_stm_noinline.c - the external definitions of lh_read/lh_write (what
 * C++ and -DLH_STM_NO_INLINE callers get, and what inline callers fall back
 * to) behave like the inline fast paths: own writes, many writes (the write
 * hash), or_else undo, and a function pointer to lh_read.
 */
#define LH_STM_NO_INLINE 1
#include <lockhound/stm.h>

#include <stdint.h>

#include "tap.h"

#define MANY 100

static lh_tvar *v[MANY];

static int own_writes(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, v[0], 5);
	lh_write(tx, v[0], lh_read(tx, v[0]) + 1);
	return (int)lh_read(tx, v[0]);
}

static int many(lh_tx *tx, void *arg)
{
	int i, s = 0;

	(void)arg;
	for (i = 0; i < MANY; i++)
		lh_write(tx, v[i], i);
	for (i = 0; i < MANY; i++)
		lh_write(tx, v[i], lh_read(tx, v[i]) * 2);
	for (i = 0; i < MANY; i++)
		s += (int)lh_read(tx, v[i]);
	return s;
}

static int left(lh_tx *tx, void *arg)
{
	(void)arg;
	lh_write(tx, v[1], 111);
	lh_write(tx, v[2], 222);
	lh_retry(tx);
}

static int right(lh_tx *tx, void *arg)
{
	(void)arg;
	return (int)(lh_read(tx, v[1]) + lh_read(tx, v[2]));
}

static int choose(lh_tx *tx, void *arg)
{
	lh_write(tx, v[1], 1);
	return lh_or_else(tx, left, arg, right, arg);
}

static int through_pointer(lh_tx *tx, void *arg)
{
	intptr_t (*rd)(lh_tx *, lh_tvar *) = lh_read;

	(void)arg;
	return (int)rd(tx, v[3]);
}

int main(void)
{
	int i;

	tap_plan(5);
	for (i = 0; i < MANY; i++)
		v[i] = lh_tvar_new(0);
	tap_ok(lh_atomically(own_writes, NULL) == 6 && lh_load(v[0]) == 6,
	       "a read sees the transaction's own write");
	tap_ok(lh_atomically(many, NULL) == MANY * (MANY - 1), "100 writes, rewritten, read back");
	tap_ok(lh_load(v[MANY - 1]) == 2 * (MANY - 1), "and committed");
	tap_ok(lh_atomically(choose, NULL) == 1 + 2 * 2, "or_else undoes the left branch's writes");
	tap_ok(lh_atomically(through_pointer, NULL) == 6, "lh_read through a function pointer");
	for (i = 0; i < MANY; i++)
		lh_tvar_free(v[i]);
	return tap_done();
}
