#!/usr/bin/env bash
# tests/stm_asan.sh - the STM library under AddressSanitizer + UBSan, with
# leak detection.
#
# Builds the library and three STM unit tests (basic, alloc, orelse: they
# abort, retry and free TVars and transactional allocations) with
# -fsanitize=address,undefined into a temporary directory, runs each with
# ASAN_OPTIONS=detect_leaks=1, and prints TAP: one check per program (it
# passed its own checks, exited 0, and no sanitizer reported anything).
# Mirrors tests/stm_tsan.sh.
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

progs="basic alloc orelse"
# shellcheck disable=SC2086
set -- $progs
echo "1..$#"
n=0 fail=0
# -fno-sanitize-recover: a UBSan finding ends the program with an error.
cflags="-std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer -fPIE -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude"
# The library once, then each test against it.
objs=
for f in stm/*.c; do
	o=$tmp/$(basename "$f" .c).o
	# shellcheck disable=SC2086
	$CC $cflags -c "$f" -o "$o" 2>>"$tmp/cc.log" || {
		echo "Bail out! library does not build with ASan"
		sed 's/^/# /' "$tmp/cc.log" | head -8
		exit 1
	}
	objs="$objs $o"
done
# exitcode 66 for ASan reports (leaks included), so they cannot pass as 0.
export ASAN_OPTIONS="detect_leaks=1 exitcode=66 abort_on_error=0 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1 ${UBSAN_OPTIONS:-}"
for p in $progs; do
	n=$((n + 1))
	src=tests/unit/test_stm_$p.c
	bin=$tmp/asan_$p
	# shellcheck disable=SC2086
	if ! $CC $cflags -pie -Itests/unit "$src" $objs -o "$bin" -lpthread 2>"$tmp/cc.log"; then
		echo "not ok $n - asan: test_stm_$p builds"
		sed 's/^/# /' "$tmp/cc.log" | head -8
		fail=1
		continue
	fi
	timeout -k 5 60 "$bin" >"$tmp/out.log" 2>&1
	rc=$?
	reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$tmp/out.log")
	checks=$(grep -c '^ok ' "$tmp/out.log")
	if [ "$rc" -eq 0 ] && [ "$reports" -eq 0 ] && [ "$checks" -gt 0 ] &&
		! grep -q '^not ok' "$tmp/out.log"; then
		echo "ok $n - asan: test_stm_$p ($checks checks, no leak or error report)"
	else
		echo "not ok $n - asan: test_stm_$p (exit $rc, $reports reports, $checks checks)"
		grep -E '^not ok|ERROR|SUMMARY|runtime error|#[0-9] ' "$tmp/out.log" | head -40 | sed 's/^/# /'
		fail=1
	fi
done
exit $fail
