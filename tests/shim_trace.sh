#!/usr/bin/env bash
# tests/shim_trace.sh - the preload shim end to end, on small programs of its
# own (built here), decoding the traces with a throwaway reader.  TAP.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
CC=${CC:-cc}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac   # make check BUILD=/tmp/b
SHIM=$BUILD/lib/liblockhound.so
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok 0 "$what"; else ok 1 "$what"; fi; }
echo "1..24"
if [ ! -f "$SHIM" ]; then
	echo "# $SHIM missing: make $BUILD/lib/liblockhound.so"
	exit 1
fi

# ---- a throwaway trace reader: prints one line per record, checks CRCs ----
cat >"$T/dump.py" <<'EOF'
import struct, sys
N = {1:'PROCESS',2:'MODULE',3:'STACK',4:'THREAD',5:'THREAD_NAME',6:'JOIN',7:'THREAD_EXIT',8:'LOCK',
     9:'LOCK_NAME',10:'LOCK_LEVEL',11:'LOCK_FREE',12:'DEP',13:'EVENT',14:'FINDING',15:'STATS',
     16:'ACCESS',17:'REGION',18:'FINDING_COUNT'}
tab = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    tab.append(c)
def crc(b):
    c = 0xffffffff
    for x in b:
        c = tab[(c ^ x) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff
for fn in sys.argv[1:]:
    d = open(fn, 'rb').read()
    magic, ver, hs, pid, ppid, st, flags = struct.unpack_from('<8sIIQQQI', d, 0)
    print('FILE', magic == b'LHTRACE\0', ver, flags)
    off = 64
    while off < len(d):
        m, pl, c, wt = struct.unpack_from('<IIII', d, off)
        body = d[off + 16: off + 16 + pl]
        if m != 0x4b42484c or len(body) < pl:
            print('CORRUPT', off); break
        if pl < 100000 and crc(body) != c:
            print('BADCRC', off)
        p = 0
        while p < pl:
            ty, fl, sz = struct.unpack_from('<HHI', body, p)
            r = body[p + 8: p + sz]
            name = N.get(ty, str(ty))
            if name == 'DEP':
                tid, seg, lock, stack, mode, nheld = struct.unpack_from('<IIQQII', r)
                print('DEP', tid, seg, lock, mode, nheld)
            elif name == 'FINDING':
                k, sk, tid, np, err, _ = struct.unpack_from('<IIIIiI', r)
                print('FINDING', k, sk, tid, np, err)
            elif name == 'LOCK':
                i, a, s, k, at = struct.unpack_from('<QQQII', r)
                print('LOCK', i, k, at)
            elif name == 'LOCK_LEVEL':
                print('LOCK_LEVEL', *struct.unpack_from('<Qq', r))
            elif name == 'THREAD':
                print('THREAD', *struct.unpack_from('<IIII', r))
            elif name == 'JOIN':
                print('JOIN', *struct.unpack_from('<IIII', r))
            else:
                print(name)
            p += sz
        off += 16 + pl
EOF
dump() { python3 "$T/dump.py" "$@"; }
build() { $CC -std=gnu11 -O0 -g -pthread -rdynamic -Iinclude -o "$T/$1" "$T/$1.c" -ldl; }
run() { (cd "$T" && LD_PRELOAD=$SHIM "$@"); }
clean() { rm -f "$T"/lockhound.*.trace; }

# ---- 1-3: output and exit status unchanged; the file -------------------------
cat >"$T/hello.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
pthread_mutex_t A = PTHREAD_MUTEX_INITIALIZER, B = PTHREAD_MUTEX_INITIALIZER;
static void *t1(void *x) { pthread_mutex_lock(&A); pthread_mutex_lock(&B); pthread_mutex_unlock(&B); pthread_mutex_unlock(&A); return x; }
static void *t2(void *x) { pthread_mutex_lock(&B); pthread_mutex_lock(&A); pthread_mutex_unlock(&A); pthread_mutex_unlock(&B); return x; }
int main(void) {
	pthread_t a, b;
	for (int i = 0; i < 3; i++) printf("line %d\n", i);
	pthread_create(&a, 0, t1, 0); pthread_join(a, 0);
	pthread_create(&b, 0, t2, 0); pthread_join(b, 0);
	fprintf(stderr, "to stderr\n");
	return 3;
}
EOF
build hello
(cd "$T" && ./hello >native.out 2>native.err); rc1=$?
clean; run ./hello >"$T/shim.out" 2>"$T/shim.err"; rc2=$?
check "stdout identical with and without the shim" cmp "$T/native.out" "$T/shim.out"
check "stderr identical and exit status identical ($rc1 = $rc2)" bash -c "cmp '$T/native.err' '$T/shim.err' && [ $rc1 = $rc2 ]"
f=$(ls "$T"/lockhound.*.trace 2>/dev/null | head -1)
check "trace file lockhound.<pid>.trace with mode 0600" bash -c "[ -n '$f' ] && [ \"\$(stat -c %a '$f')\" = 600 ]"
dump "$f" >"$T/d" 2>&1
check "blocks valid, PROCESS is the first record" bash -c "! grep -qE 'CORRUPT|BADCRC' '$T/d' && sed -n 2p '$T/d' | grep -qx PROCESS"
check "AB-BA: 2 LOCK, 4 DEP, 3 THREAD, 2 JOIN, 1 STATS" bash -c "[ \$(grep -c ^LOCK '$T/d') = 2 ] && [ \$(grep -c ^DEP '$T/d') = 4 ] && [ \$(grep -c ^THREAD\  '$T/d') = 3 ] && [ \$(grep -c ^JOIN '$T/d') = 2 ] && [ \$(grep -c ^STATS '$T/d') = 1 ]"
check "segments: child 3 created in parent segment 2, joins end segments 1 and 3" bash -c "grep -qx 'THREAD 3 1 2 [0-9]*' '$T/d' && grep -qx 'JOIN 1 1 2 0' '$T/d' && grep -qx 'JOIN 1 3 3 0' '$T/d'"

# ---- 7-9: self-deadlock, real deadlock, errorcheck --------------------------------
cat >"$T/self.c" <<'EOF'
#include <pthread.h>
pthread_mutex_t A = PTHREAD_MUTEX_INITIALIZER;
int main(void) { pthread_mutex_lock(&A); pthread_mutex_lock(&A); return 0; }
EOF
build self
clean; LOCKHOUND_OPTIONS=halt_on_deadlock=1 run timeout 10 ./self 2>"$T/err"; rc=$?
check "self-deadlock: halt_on_deadlock=1 exits 86 (got $rc) and says so" bash -c "[ $rc = 86 ] && grep -q 'relocks mutex A' '$T/err'"
check "self-deadlock: FINDING deadlock/self in the trace" bash -c "python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -qx 'FINDING 1 2 1 2 0'"
clean; run timeout 2 ./self 2>/dev/null; rc=$?
check "self-deadlock without halt: hangs like the program (timeout 124, got $rc), finding already flushed" bash -c "[ $rc = 124 ] && python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -q '^FINDING 1 2'"
cat >"$T/dl.c" <<'EOF'
#include <pthread.h>
pthread_mutex_t A = PTHREAD_MUTEX_INITIALIZER, B = PTHREAD_MUTEX_INITIALIZER;
pthread_barrier_t bar;
static void *t1(void *x) { pthread_mutex_lock(&A); pthread_barrier_wait(&bar); pthread_mutex_lock(&B); return x; }
static void *t2(void *x) { pthread_mutex_lock(&B); pthread_barrier_wait(&bar); pthread_mutex_lock(&A); return x; }
int main(void) { pthread_t a, b; pthread_barrier_init(&bar, 0, 2); pthread_create(&a, 0, t1, 0); pthread_create(&b, 0, t2, 0); pthread_join(a, 0); pthread_join(b, 0); return 0; }
EOF
build dl
clean; LOCKHOUND_OPTIONS=halt_on_deadlock=1 run timeout 20 ./dl 2>"$T/err"; rc=$?
check "real AB-BA deadlock: exit 86 (got $rc), both threads on stderr" bash -c "[ $rc = 86 ] && grep -q 'waits for mutex A' '$T/err' && grep -q 'waits for mutex B' '$T/err'"
check "real AB-BA deadlock: FINDING deadlock/cycle with 2 WAITS + 2 HOLDS parts" bash -c "python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -qE '^FINDING 1 1 [0-9]+ 4 0'"
cat >"$T/errchk.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
int main(void) {
	pthread_mutex_t m; pthread_mutexattr_t a;
	pthread_mutexattr_init(&a); pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);
	pthread_mutex_lock(&m);
	printf("%d\n", pthread_mutex_lock(&m));
	pthread_mutex_unlock(&m); pthread_mutex_destroy(&m);
	return 0;
}
EOF
build errchk
clean; out=$(LOCKHOUND_OPTIONS=halt_on_deadlock=1 run timeout 10 ./errchk 2>/dev/null); rc=$?
check "errorcheck relock: EDEADLK returned, no halt, misuse RELOCK recorded" bash -c "[ $rc = 0 ] && [ '$out' = 35 ] && python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -q '^FINDING 2 4'"

# ---- 13: trylock ------------------------------------------------------------------------
cat >"$T/try.c" <<'EOF'
#include <pthread.h>
pthread_mutex_t A = PTHREAD_MUTEX_INITIALIZER, B = PTHREAD_MUTEX_INITIALIZER;
int main(void) {
	pthread_mutex_lock(&A); pthread_mutex_lock(&B); pthread_mutex_unlock(&B); pthread_mutex_unlock(&A);
	pthread_mutex_lock(&B); if (pthread_mutex_trylock(&A) == 0) pthread_mutex_unlock(&A); pthread_mutex_unlock(&B);
	return 0;
}
EOF
build try
clean; run ./try
check "successful trylock: DEP with mode WRITE|TRY (5)" bash -c "python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -qE '^DEP 1 0 1 5 1'"

# ---- 14: 1,000 held, 200,000 locks --------------------------------------------------------
cat >"$T/many.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
	long n = atol(argv[1]), held = atol(argv[2]), i;
	pthread_mutex_t *m = calloc(n, sizeof(*m));
	for (i = 0; i < n; i++) pthread_mutex_init(&m[i], 0);
	for (i = 0; i < n; i++) { pthread_mutex_lock(&m[i]); pthread_mutex_unlock(&m[i]); }
	for (i = 0; i < held; i++) pthread_mutex_lock(&m[i]);
	for (i = 0; i < held; i++) pthread_mutex_unlock(&m[i]);
	for (i = 0; i < n; i++) pthread_mutex_destroy(&m[i]);
	printf("ok\n");
	return 0;
}
EOF
$CC -O2 -pthread -o "$T/many" "$T/many.c"
clean; out=$(run timeout 120 ./many 200000 1000 2>&1)
check "200,000 live locks, 1,000 held at once by one thread" bash -c "[ '$out' = ok ] && [ \$(python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -c '^LOCK ') = 200000 ]"

# ---- 15: fork + exec ------------------------------------------------------------------------
cat >"$T/fe.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
int main(int argc, char **argv) {
	pthread_mutex_lock(&M); pthread_mutex_unlock(&M);
	if (argc > 1) return 0;
	pid_t p = fork();
	if (p == 0) { pthread_mutex_lock(&M); pthread_mutex_unlock(&M); execl(argv[0], argv[0], "x", (char *)0); _exit(1); }
	int st; waitpid(p, &st, 0);
	return WEXITSTATUS(st);
}
EOF
build fe
clean; run ./fe; rc=$?
check "fork+exec: 3 trace files (parent, forked child, exec'd image .1.)" bash -c "[ $rc = 0 ] && [ \$(ls '$T'/lockhound.*.trace | wc -l) = 3 ] && ls '$T'/lockhound.*.1.trace"
check "forked child's file has LH_FILE_FORKED" bash -c "python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -qx 'FILE True 1 2'"

# ---- 17: options ------------------------------------------------------------------------------
clean; LOCKHOUND_OPTIONS="bogus=1:stack_depth=abc:trace_mode=weird:verbose=0" run ./try 2>"$T/err"
check "unknown key and bad values: exactly one lockhound: warning each (3)" bash -c "[ \$(grep -c '^lockhound:' '$T/err') = 3 ]"
mkdir -p "$T/tdir"; clean; LOCKHOUND_OPTIONS="trace_dir=$T/tdir:trace_mode=full" run ./try
check "trace_dir and trace_mode=full (EVENT records, LH_FILE_FULL)" bash -c "python3 '$T/dump.py' '$T'/tdir/lockhound.*.trace | grep -qx 'FILE True 1 1' && python3 '$T/dump.py' '$T'/tdir/lockhound.*.trace | grep -q '^EVENT'"

# ---- 19: exported symbols ------------------------------------------------------------------------
allowed=$(grep -oE '[A-Za-z_][A-Za-z0-9_]*;' preload/liblockhound.map | tr -d ';' | sort)
exported=$(nm -D --defined-only "$SHIM" | awk '{print $3}' | sed 's/@.*//' | sort)
check "nm -D: only the interposed functions and lh_shim_* are exported" bash -c "[ -z \"\$(comm -13 <(echo '$allowed') <(echo '$exported'))\" ]"

# ---- 20: watchdog --------------------------------------------------------------------------------
cat >"$T/wd.c" <<'EOF'
#include <pthread.h>
pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t C = PTHREAD_COND_INITIALIZER;
static void *w(void *x) { pthread_mutex_lock(&M); pthread_cond_wait(&C, &M); pthread_mutex_unlock(&M); return x; }
int main(void) { pthread_t a, b; pthread_create(&a, 0, w, 0); pthread_create(&b, 0, w, 0); pthread_join(a, 0); pthread_join(b, 0); return 0; }
EOF
build wd
clean; LOCKHOUND_OPTIONS=halt_on_deadlock=1:deadlock_timeout_ms=200 run timeout 20 ./wd 2>"$T/err"; rc=$?
check "watchdog: condvar waits + join, exit 86 (got $rc), FINDING deadlock/watchdog" bash -c "[ $rc = 86 ] && python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -q '^FINDING 1 3'"

# ---- 21-22: levels (API and levels file) ------------------------------------------------------------
cat >"$T/lv.c" <<'EOF'
#include <pthread.h>
#include <lockhound/lockhound.h>
pthread_mutex_t hi = PTHREAD_MUTEX_INITIALIZER, lo = PTHREAD_MUTEX_INITIALIZER;
int main(int argc, char **argv) {
	(void)argv;
	if (argc > 1) { lh_lock_level(&hi, 20); lh_lock_level(&lo, 10); }
	pthread_mutex_lock(&lo); pthread_mutex_lock(&hi); pthread_mutex_unlock(&hi); pthread_mutex_unlock(&lo);
	return 0;
}
EOF
build lv
clean; run ./lv api 2>"$T/err"; rc=$?
check "level violation through the API: finding, stderr line, exit status unchanged" bash -c "[ $rc = 0 ] && grep -q 'level violation' '$T/err' && python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -q '^FINDING 3 0 1 2'"
printf '# levels\nhi 20\nlo 10\nnosuchlock 5\nlo\nhi 1x\n' >"$T/levels.txt"
clean; LOCKHOUND_OPTIONS="levels=$T/levels.txt" run ./lv 2>"$T/err"; rc=$?
check "levels file: symbols resolved (violation found), errors with line numbers" bash -c "[ $rc = 0 ] && python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -q '^FINDING 3' && grep -q 'levels.txt:4: unknown symbol' '$T/err' && grep -q 'levels.txt:5: malformed' '$T/err' && grep -q 'levels.txt:6: bad level' '$T/err'"

# ---- 23: fatal signal ------------------------------------------------------------------------------
cat >"$T/segv.c" <<'EOF'
#include <pthread.h>
#include <stdlib.h>
pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
int main(void) { pthread_mutex_lock(&M); pthread_mutex_unlock(&M); abort(); }
EOF
build segv
(cd "$T" && ./segv 2>/dev/null); rc1=$?
clean; run ./segv 2>/dev/null; rc2=$?
check "fatal signal: same status ($rc1 = $rc2), DEP flushed before death" bash -c "[ $rc1 = $rc2 ] && python3 '$T/dump.py' '$T'/lockhound.*.trace | grep -q '^DEP'"

# ---- 24: summary trace stays small ------------------------------------------------------------------
cat >"$T/loop.c" <<'EOF'
#include <pthread.h>
pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
int main(void) { for (int i = 0; i < 1000000; i++) { pthread_mutex_lock(&M); pthread_mutex_unlock(&M); } return 0; }
EOF
build loop
clean; run ./loop
check "summary mode: 1,000,000 lock/unlock pairs, trace under 64 KiB" bash -c "[ \$(stat -c %s '$T'/lockhound.*.trace) -lt 65536 ]"

echo "# $fail failed"
[ "$fail" = 0 ]
