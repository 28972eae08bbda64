#!/usr/bin/env bats
# The progress line on stderr appears only for an analysis that runs longer
# than LOCKHOUND_PROGRESS_MS (default one second), never for a short one.

load helpers

setup_file() {
	p=$(prog abba_threads)
	mkdir -p "$BATS_FILE_TMPDIR/t"
	env LD_PRELOAD="$SHIM" LOCKHOUND_OPTIONS="trace_dir=$BATS_FILE_TMPDIR/t" timeout 30 "$p" >/dev/null 2>&1 || true
}

@test "63.1 a short analysis prints no progress line" {
	run --separate-stderr timeout 60 "$LH" report --format json -o /dev/null "$BATS_FILE_TMPDIR/t"
	assert_equal "$status" 1
	[[ "$stderr" != *analyzing* ]] || fail "unexpected progress line: $stderr"
}

@test "63.2 past the delay the progress line appears on stderr, stdout untouched" {
	run --separate-stderr env LOCKHOUND_PROGRESS_MS=0 timeout 60 "$LH" report --format json "$BATS_FILE_TMPDIR/t"
	assert_equal "$status" 1
	[[ "$stderr" == *"lockhound: analyzing"* ]] || fail "no progress line: $stderr"
	printf '%s' "$output" | jq -e '.findings | length >= 1' >/dev/null || fail "stdout is not the JSON report"
}
