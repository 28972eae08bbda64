#!/usr/bin/env bats
# 61-report-browser: the HTML report in a real headless browser (Debian's
# chromium, driven through tests/browser/chromium.sh): it loads with no
# console message, the graphs are there, every finding is listed, the kind
# filter hides and shows findings, hostile names create no element, and a
# screenshot is saved as $BUILD/report-browser.png.
#
# The filter is driven through the page's own hash parameter
# (report.html#hide=KIND runs the same code as unticking the checkbox),
# because --dump-dom cannot click.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	# paths absolute, BUILD relative to the repository or absolute
	# (make check BUILD=/tmp/b), as in helpers.bash
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	BUILD=${BUILD:-build}
	case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
	RENDER="$BUILD/tests/test_report_render"
	CHROME=$ROOT/tests/browser/chromium.sh
	[ -x "$RENDER" ] || skip "$RENDER not built"
	command -v chromium >/dev/null || skip "chromium is not installed (apt-get install chromium)"
	D=$(mktemp -d)
	"$RENDER" html="$D/r.html"
	"$RENDER" --hostile html="$D/h.html"
}

teardown() {
	[ -n "${D:-}" ] && rm -rf "$D"
}

# console lines chromium logged for the page
console_of() {
	grep -E 'CONSOLE' "$1" || true
}

@test "61.1 the console check can fail: a page with a script error is caught" {
	printf '<!doctype html><p>x</p><script>no_such_function();</script>' > "$D/bad.html"
	CONSOLE_LOG="$D/bad.log" run "$CHROME" dom "file://$D/bad.html"
	assert_success
	run console_of "$D/bad.log"
	assert_output --partial "no_such_function is not defined"
}

@test "61.2 report loads with no console message, scripts ran, graphs and findings present" {
	CONSOLE_LOG="$D/r.log" run "$CHROME" dom "file://$D/r.html"
	assert_success
	dom=$output
	run console_of "$D/r.log"
	assert_output ""
	[[ $dom == *'data-ready="1"'* ]] || fail "page script did not run"
	[ "$(grep -o '<article class="finding' <<<"$dom" | wc -l)" -eq 3 ] || fail "not 3 findings"
	[ "$(grep -o '<svg' <<<"$dom" | wc -l)" -ge 3 ] || fail "graph SVGs missing"
	[[ $dom == *'3 of 3 findings shown'* ]] || fail "counter wrong"
	[[ $dom != *'finding sev-error hidden'* ]] || fail "a finding hidden without a filter"
}

@test "61.3 the kind filter hides and shows findings" {
	run "$CHROME" dom "file://$D/r.html#hide=lock-order"
	assert_success
	grep -q 'class="finding sev-note hidden" data-kind="lock-order"' <<<"$output" || fail "lock-order not hidden"
	grep -q 'class="finding sev-error" data-kind="potential-deadlock"' <<<"$output" || fail "potential-deadlock hidden too"
	grep -q '2 of 3 findings shown' <<<"$output" || fail "counter not updated"
	run "$CHROME" dom "file://$D/r.html#hide=lock-order,potential-deadlock,misuse"
	grep -q '0 of 3 findings shown' <<<"$output" || fail "not all hidden"
	run "$CHROME" dom "file://$D/r.html"
	grep -q 'class="finding sev-note" data-kind="lock-order"' <<<"$output" || fail "lock-order not shown again"
}

@test "61.4 hostile names: no console message, no injected element" {
	CONSOLE_LOG="$D/h.log" run "$CHROME" dom "file://$D/h.html"
	assert_success
	dom=$output
	run console_of "$D/h.log"
	assert_output ""
	[ "$(grep -o '<script' <<<"$dom" | wc -l)" -eq 1 ] || fail "extra script element"
	[[ $dom != *'<img'* && $dom != *'<b>x'* && $dom != *'<svg onload'* ]] || fail "injected markup in DOM"
	[[ $dom == *'&lt;script&gt;alert(1)&lt;/script&gt;'* ]] || fail "hostile lock name not shown as text"
}

@test "61.5 screenshot saved under build/" {
	rm -f "$BUILD/report-browser.png"
	run "$CHROME" shot "file://$D/r.html" "$BUILD/report-browser.png"
	assert_success
	[ -s "$BUILD/report-browser.png" ] || fail "no screenshot"
	run head -c 8 "$BUILD/report-browser.png"
	assert_output --partial "PNG"
}
