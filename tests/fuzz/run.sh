#!/usr/bin/env bash
# tests/fuzz/run.sh - build the libFuzzer harness for the trace reader and
# fuzz it for a bounded time.
#
#   tests/fuzz/run.sh [SECONDS]        default 300; needs clang with libFuzzer
#
# Core objects are built with clang, ASan, UBSan (no recovery) and the
# fuzzer's coverage into $FUZZ_BUILD (default /tmp/b-fuzz).  Seeds: traces of
# several scenario programs, summary and full mode, produced with the shim
# from build/ (built if missing).  Crashes land in $FUZZ_BUILD/crashes; copy
# each to tests/data/fuzz/ once fixed (tests/fuzz_regress.sh replays them).
set -eu
cd "$(dirname "$0")/../.."
root=$PWD
secs=${1:-300}
B=${FUZZ_BUILD:-/tmp/b-fuzz}
jobs=${FUZZ_JOBS:-2}

CFLAGS="-O1 -g -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" \
	make -s CC=clang BUILD="$B" SANITIZE=address "$B/lib/liblhcore.a"
clang -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iinclude -Icommon -Ianalyzer -Ireport -D_GNU_SOURCE -std=gnu11 -Wall -Wextra -Werror \
	-o "$B/fuzz_trace" tests/fuzz/fuzz_trace.c "$B/lib/liblhcore.a" \
	-ldw -lelf -lgvc -lcgraph -lpthread -lm -ldl

# seeds
make -s build/lib/liblockhound.so
corpus=$B/corpus
mkdir -p "$corpus" "$B/crashes"
if [ -z "$(ls -A "$corpus")" ]; then
	tmp=$(mktemp -d)
	for p in abba_threads cycle3 real_deadlock misuse_relock misuse_unlock_not_owner \
		fork_exec level_violation condvar_deadlock3 trylock_reverse rwlock_write_read \
		dlopen_locks philosophers misuse_destroy_locked self_deadlock; do
		make -s "build/tests/progs/$p" || continue
		for mode in summary full; do
			d=$tmp/$p.$mode
			mkdir -p "$d"
			(cd "$d" && LOCKHOUND_OPTIONS="trace_dir=$d:trace_mode=$mode:deadlock_timeout_ms=300:halt_on_deadlock=1" \
				timeout 10 env LD_PRELOAD="$root/build/lib/liblockhound.so" \
				"$root/build/tests/progs/$p" >/dev/null 2>&1) || true
			for t in "$d"/*.trace; do
				[ -f "$t" ] && cp "$t" "$corpus/$p.$mode.$(basename "$t")"
			done
		done
	done
	rm -rf "$tmp"
	cp tests/data/fuzz/* "$corpus/" 2>/dev/null || true
fi
echo "fuzz: $(ls "$corpus" | wc -l) inputs in the corpus, $secs s, $jobs jobs"
cd "$B"        # libFuzzer writes fuzz-N.log into the current directory
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	"$B/fuzz_trace" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-jobs="$jobs" -workers="$jobs" -artifact_prefix="$B/crashes/" -print_final_stats=1 "$corpus"
