#!/usr/bin/env bash
# tests/stm_tsan.sh - stress the STM library under ThreadSanitizer.
#
# Builds the library and the threaded STM unit tests with -fsanitize=thread
# into a temporary directory, runs each, and prints TAP: one check per
# program (it passed its own checks and TSan reported nothing).
# Sizes are cut (TRANSFERS, N_ITEMS) so the whole run stays near 10 s.
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# gcc warns that TSan does not model atomic_thread_fence; the fences are
# argued in stm/*.c, so silence that one warning where the compiler has it.
extra=
echo 'int main(void){return 0;}' >"$tmp/probe.c"
if $CC -Werror -Wno-tsan -fsanitize=thread "$tmp/probe.c" -o "$tmp/probe" 2>/dev/null; then
	extra=-Wno-tsan
fi

progs="bank retry orelse stats alloc basic array commit"
set -- $progs
echo "1..$#"
n=0 fail=0
cflags="-std=gnu11 -O1 -g -fsanitize=thread -fPIE -D_GNU_SOURCE -Wall -Wextra -Werror $extra -Iinclude"
# The library once, then each test against it.
objs=
for f in stm/*.c; do
	o=$tmp/$(basename "$f" .c).o
	$CC $cflags -c "$f" -o "$o" 2>>"$tmp/cc.log" || { echo "Bail out! library does not build with TSan"; sed 's/^/# /' "$tmp/cc.log" | head -8; exit 1; }
	objs="$objs $o"
done
export TSAN_OPTIONS="halt_on_error=0 exitcode=66 ${TSAN_OPTIONS:-}"
for p in $progs; do
	n=$((n + 1))
	src=tests/unit/test_stm_$p.c
	bin=$tmp/tsan_$p
	if ! $CC $cflags -pie -DTRANSFERS=100000 -DN_ITEMS=200000 -Itests/unit "$src" $objs \
		-o "$bin" -lpthread 2>"$tmp/cc.log"; then
		echo "not ok $n - tsan: test_stm_$p builds"
		sed 's/^/# /' "$tmp/cc.log" | head -8
		fail=1
		continue
	fi
	timeout -k 5 60 "$bin" >"$tmp/out.log" 2>&1
	rc=$?
	races=$(grep -c 'WARNING: ThreadSanitizer' "$tmp/out.log")
	checks=$(grep -c '^ok ' "$tmp/out.log")
	if [ "$rc" -eq 0 ] && [ "$races" -eq 0 ] && ! grep -q '^not ok' "$tmp/out.log"; then
		echo "ok $n - tsan: test_stm_$p ($checks checks, no report)"
	else
		echo "not ok $n - tsan: test_stm_$p (exit $rc, $races reports)"
		grep -E '^not ok|WARNING|#[0-9] ' "$tmp/out.log" | head -40 | sed 's/^/# /'
		fail=1
	fi
done
exit $fail
