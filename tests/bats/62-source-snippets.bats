#!/usr/bin/env bats
# HTML source snippets do not need the source tree as the current directory:
# relative file names from the debug info are resolved against the
# compilation directory (DW_AT_comp_dir) the analyzer keeps in each frame.

load helpers

@test "62.5 lockhound run --html from an unrelated cwd shows the program's source lines" {
	need_lockhound
	p=$(prog abba_threads)
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	cd "$BATS_TEST_TMPDIR/elsewhere"
	[ ! -e tests/progs/abba_threads.c ] || fail "cwd has the sources"
	run --separate-stderr timeout -k 5 "$LH_TIMEOUT" "$LH" run --html r.html --json r.json -- "$p"
	[ "$status" -eq 66 ] || { show_run; fail "exit $status"; }
	# JSON keeps the file name as the debug info has it
	run jq -r '[.findings[0].events[].stack[0].file] | unique | join(" ")' r.json
	assert_output --partial "abba_threads.c"
	# the highlighted line is the lock call of the frame, from abba_threads.c
	line=$(jq -r '[.findings[0].events[].stack[0] | select(.file | endswith("abba_threads.c"))][0].line' r.json)
	want=$(sed -n "${line}p" "$ROOT/tests/progs/abba_threads.c" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
	[ -n "$want" ] || fail "no source line $line"
	grep -F "<span class=\"ln hl\"><span class=\"no\">$line</span>$want</span>" r.html >/dev/null ||
		fail "no highlighted line $line ($want) in the HTML"
}

@test "62.6 lockhound report --format html from another cwd on kept traces: snippets too" {
	need_lockhound
	p=$(prog abba_threads)
	run_lh "$p"
	assert_status 66
	cd "$BATS_TEST_TMPDIR"
	mkdir -p other && cd other
	run timeout -k 5 "$LH_TIMEOUT" "$LH" report --format html -o r.html "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 1 ] || fail "report exit $status"
	grep -F 'pthread_mutex_lock(&amp;lock_' r.html | grep -F 'class="ln hl"' >/dev/null ||
		fail "no highlighted lock call in the HTML"
}
