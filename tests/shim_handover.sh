#!/usr/bin/env bash
# tests/shim_handover.sh - hand-over-hand locking through the shim's fast
# paths (fastpath.h: the release of the lock just below the top of the held
# stack, and locks taken after acq_fast_refill).  Each shape is repeated so
# that later rounds run with the locks cached and the chains known.  TAP.
#   broken: T1 locks A, B, releases A, locks C (edges A->B, B->C); T2 then
#           locks C, A.  A->B->C->A is in the graph but T1 no longer holds A
#           when it asks for C: no finding (the held set after the release
#           must be {B}, not {A, B}).
#   kept:   the same with A released last: A is held while C is locked, so
#           T2's C->A closes a real cycle: potential deadlock.
#   mixed:  T1 does a broken round first, then kept rounds: the kept rounds
#           held set {A, B} at C must not be mistaken for the broken round's
#           {B} (the chain of the entry that moved down is recomputed):
#           potential deadlock.
#   walk:   64 heap mutexes locked hand over hand, 3 passes: no finding;
#           the trace has 64 DEP records (the first lock, then 63 with one
#           held lock each: nothing new in the later passes).
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
CC=${CC:-cc}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
LH=$BUILD/bin/lockhound
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi; }
echo "1..8"
if [ ! -x "$LH" ] || [ ! -f "$BUILD/lib/liblockhound.so" ]; then
	echo "# $LH or the shim missing: make"
	exit 1
fi

cat >"$T/handover.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER,
		c = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t turn;
static int kept;

static void *t1(void *arg)
{
	int r;

	(void)arg;
	for (r = 0; r < 4; r++) {
		int keep = kept == 1 || (kept == 2 && r > 0);

		pthread_mutex_lock(&a);
		pthread_mutex_lock(&b);
		if (!keep)
			pthread_mutex_unlock(&a);
		pthread_mutex_lock(&c);
		pthread_mutex_unlock(&c);
		if (keep)
			pthread_mutex_unlock(&a);
		pthread_mutex_unlock(&b);
	}
	pthread_barrier_wait(&turn);
	return NULL;
}

static void *t2(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&turn);
	pthread_mutex_lock(&c);
	pthread_mutex_lock(&a);
	pthread_mutex_unlock(&a);
	pthread_mutex_unlock(&c);
	return NULL;
}

static int walk(void)
{
	pthread_mutex_t *m = calloc(64, sizeof(*m));
	int i, p;

	if (!m)
		return 1;
	for (i = 0; i < 64; i++)
		pthread_mutex_init(&m[i], NULL);
	for (p = 0; p < 3; p++) {
		pthread_mutex_lock(&m[0]);
		for (i = 1; i < 64; i++) {
			pthread_mutex_lock(&m[i]);
			pthread_mutex_unlock(&m[i - 1]);
		}
		pthread_mutex_unlock(&m[63]);
	}
	printf("walked\n");
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t x, y;

	if (argc > 1 && !strcmp(argv[1], "walk"))
		return walk();
	kept = argc > 1 && !strcmp(argv[1], "kept") ? 1 : argc > 1 && !strcmp(argv[1], "mixed") ? 2 : 0;
	pthread_barrier_init(&turn, NULL, 2);
	pthread_create(&x, NULL, t1, NULL);
	pthread_create(&y, NULL, t2, NULL);
	pthread_join(x, NULL);
	pthread_join(y, NULL);
	printf("done\n");
	return 0;
}
EOF
if ! $CC -std=gnu11 -O2 -g -pthread -o "$T/handover" "$T/handover.c"; then
	echo "# cannot build the test program"
	exit 1
fi

kinds() { jq -r '[.findings[] | .kind] | sort | join(",")' "$1" 2>/dev/null; }

# broken: no finding, exit status the program's own
(cd "$T" && timeout 60 "$LH" run --json "$T/broken.json" -- ./handover broken >"$T/broken.out" 2>"$T/broken.err")
st=$?
[ $st = 0 ] && grep -qx done "$T/broken.out"; ok $? "broken chain: exit 0, program output intact (status $st)"
[ "$(kinds "$T/broken.json")" = "" ]; ok $? "broken chain: no finding ($(kinds "$T/broken.json"))"

# kept: a potential deadlock A -> C -> A
(cd "$T" && timeout 60 "$LH" run --json "$T/kept.json" -- ./handover kept >"$T/kept.out" 2>"$T/kept.err")
st=$?
[ $st = 66 ]; ok $? "kept chain: exit 66 (status $st)"
[[ "$(kinds "$T/kept.json")" == *potential-deadlock* ]]; ok $? "kept chain: potential-deadlock reported ($(kinds "$T/kept.json"))"

# mixed: the kept rounds after a broken one still make the A -> C edge
(cd "$T" && timeout 60 "$LH" run --json "$T/mixed.json" -- ./handover mixed >"$T/mixed.out" 2>"$T/mixed.err")
st=$?
[ $st = 66 ] && [[ "$(kinds "$T/mixed.json")" == *potential-deadlock* ]]
ok $? "mixed rounds: exit 66, potential-deadlock reported (status $st, $(kinds "$T/mixed.json"))"

# walk: consistent order, DEP records each with one held lock
mkdir -p "$T/w"
(cd "$T/w" && timeout 60 env LD_PRELOAD="$BUILD/lib/liblockhound.so" ../handover walk >"$T/walk.out" 2>"$T/walk.err")
st=$?
[ $st = 0 ] && grep -qx walked "$T/walk.out"; ok $? "walk: exit 0, output intact (status $st)"
(cd "$T" && timeout 60 "$LH" report --format json -o "$T/walk.json" "$T/w" >/dev/null 2>&1)
[ "$(kinds "$T/walk.json")" = "" ]; ok $? "walk: no finding ($(kinds "$T/walk.json"))"
python3 - "$T"/w/lockhound.*.trace >"$T/deps.txt" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off = 64
while off < len(d):
    m, pl, c, wt = struct.unpack_from('<IIII', d, off)
    body = d[off + 16: off + 16 + pl]
    p = 0
    while p < pl:
        ty, fl, sz = struct.unpack_from('<HHI', body, p)
        if ty == 12:
            tid, seg, lock, stack, mode, nheld = struct.unpack_from('<IIQQII', body, p + 8)
            print(lock, nheld)
        p += sz
    off += 16 + pl
EOF
deps=$(wc -l <"$T/deps.txt")
bad=$(awk '$2 != 1 && NR > 1' "$T/deps.txt" | wc -l)
[ "$deps" = 64 ] && [ "$bad" = 0 ]; ok $? "walk: 64 DEP records (first lock, 63 hand over hand), all but the first with one held lock (got $deps, $bad others)"
echo "# $((n - fail)) passed, $fail failed"
[ $fail = 0 ]
