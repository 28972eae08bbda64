#!/usr/bin/env bats
# 60-report-formats: the four report writers on the hand-built model of
# tests/unit/test_report_model.h (rendered by build/tests/test_report_render):
# JSON per the contract (parsed with jq), SARIF validated against the SARIF
# 2.1.0 JSON schema, hostile names kept valid and inert, HTML offline.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	BUILD=${BUILD:-build}
	RENDER="$BUILD/tests/test_report_render"
	[ -x "$RENDER" ] || skip "$RENDER not built"
	D=$(mktemp -d)
}

teardown() {
	[ -n "${D:-}" ] && rm -rf "$D"
}

@test "60.1 JSON report follows the contract schema" {
	run timeout 60 "$RENDER" json="$D/r.json"
	assert_success
	run jq -e '.version == 1 and (.findings | length) == 3
		and ([.findings[].kind] == ["potential-deadlock", "lock-order", "misuse"])
		and .stats.threads == 4 and .stats.locks == 5 and .stats.edges == 6 and .stats.events == 123456' "$D/r.json"
	assert_success
	# finding fields and types
	run jq -e 'all(.findings[]; (.id | test("^[0-9a-f]{16}$")) and (.count | type) == "number"
		and (.summary | type) == "string" and (.fix | type) == "string"
		and all(.locks[]; (.address | test("^0x[0-9a-f]+$")) and (.name | type) == "string")
		and all(.threads[]; (.id | type) == "number" and (.created_at | type) == "array")
		and all(.events[]; (.what | type) == "string" and all(.stack[];
			(.pc | test("^0x[0-9a-f]+$")) and has("function") and has("file")
			and (.line | type) == "number" and has("module"))))' "$D/r.json"
	assert_success
}

@test "60.2 JSON: cycle events in hold/acquire pairs, level only when declared, known marked" {
	run timeout 60 "$RENDER" json="$D/r.json"
	assert_success
	run jq -r '[.findings[0].events[].what] | join(",")' "$D/r.json"
	assert_output "hold,acquire,hold,acquire,hold,acquire"
	run jq -r '[.findings[0].locks[].name] | join(" ")' "$D/r.json"
	assert_output "acct_lock_A acct_lock_B acct_lock_C"
	run jq -e '(.findings[0].locks[0] | has("level") | not) and .findings[1].locks[1].level == 20' "$D/r.json"
	assert_success
	run jq -e '.findings[1].known == true and (.findings[0] | has("known") | not)' "$D/r.json"
	assert_success
	run jq -r '.findings[0].threads[2].name' "$D/r.json"
	assert_output "T4"
	run grep -c SUPPRESSED "$D/r.json"
	assert_output 0
}

@test "60.3 hostile names: JSON still parses and round-trips the text" {
	run timeout 60 "$RENDER" --hostile json="$D/h.json" sarif="$D/h.sarif"
	assert_success
	run jq -r '.findings[0].locks[0].name' "$D/h.json"
	assert_output '<script>alert(1)</script>'
	run jq -r '.findings[0].locks[2].name | explode | map(select(. < 32)) | length' "$D/h.json"
	assert_output 2
	# invalid UTF-8 came out as U+FFFD
	run jq -r '.findings[0].locks[1].name | test("^bad\ufffd\ufffd")' "$D/h.json"
	assert_output true
	run jq -e '.runs[0].results | length == 3' "$D/h.sarif"
	assert_success
}

validate_sarif() {
	local py=python3
	# Debian's python3-jsonschema (make deps) serves /usr/bin/python3
	"$py" -c 'import jsonschema' 2>/dev/null || py=/usr/bin/python3
	"$py" - "$1" "$2" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)   # the schema's own draft (2020-12)
cls.check_schema(schema)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:10]:
    print("invalid at", "/".join(map(str, e.path)), ":", e.message)
sys.exit(1 if errors else 0)
PY
}

@test "60.4 SARIF validates against the SARIF 2.1.0 JSON schema" {
	schema=tests/data/sarif-schema-2.1.0.json
	run timeout 60 "$RENDER" sarif="$D/r.sarif"
	assert_success
	run validate_sarif "$schema" "$D/r.sarif"
	assert_success
	run timeout 60 "$RENDER" --hostile sarif="$D/h.sarif"
	assert_success
	run validate_sarif "$schema" "$D/h.sarif"
	assert_success
	# the check can fail: a result without a message is rejected
	jq 'del(.runs[0].results[0].message)' "$D/r.sarif" > "$D/bad.sarif"
	run validate_sarif "$schema" "$D/bad.sarif"
	assert_failure
}

@test "60.5 SARIF content: rules per kind, levels, fingerprints, locations" {
	run timeout 60 "$RENDER" sarif="$D/r.sarif"
	assert_success
	run jq -r '[.runs[0].tool.driver.rules[].id] | join(",")' "$D/r.sarif"
	assert_output "potential-deadlock,lock-order,deadlock,level-violation,race,misuse"
	run jq -r '[.runs[0].results[] | .ruleId + "=" + .level] | join(",")' "$D/r.sarif"
	assert_output "potential-deadlock=error,lock-order=note,misuse=warning"
	run jq -r '.runs[0].results[0].partialFingerprints["lockhound/v1"]' "$D/r.sarif"
	assert_output "a1b2c3d4e5f60718"
	run jq -r '.runs[0].results[0].locations[0].physicalLocation | .artifactLocation.uri + ":" + (.region.startLine | tostring) + ":" + .artifactLocation.uriBaseId' "$D/r.sarif"
	assert_output "tests/data/report-demo.c:10:SRCROOT"
	run jq -r '.runs[0].results[0].relatedLocations | length' "$D/r.sarif"
	assert_output 5
	run jq -r '.runs[0].results[0].codeFlows[0].threadFlows | length' "$D/r.sarif"
	assert_output 3
	run jq -r '.runs[0].results[1].baselineState' "$D/r.sarif"
	assert_output "unchanged"
}

@test "60.6 HTML report is self-contained and escapes hostile names" {
	run timeout 60 "$RENDER" --hostile html="$D/h.html"
	assert_success
	run grep -cE 'https?:|<img|<iframe|<link|<object| src="| href="' "$D/h.html"
	assert_output 0
	run grep -c '<script' "$D/h.html"
	assert_output 1
	run grep -c '&lt;script&gt;alert(1)&lt;/script&gt;' "$D/h.html"
	refute_output 0
}

@test "60.7 text report ends with the summary line" {
	run timeout 60 "$RENDER" text="$D/r.txt"
	assert_success
	run tail -n 1 "$D/r.txt"
	assert_output "lockhound: 3 findings (1 potential-deadlock, 1 lock-order, 1 misuse)"
}

@test "60.8 lockhound report writes every format from real traces" {
	CLI="$BUILD/bin/lockhound"
	PROG="$BUILD/tests/progs/abba_threads"
	[ -x "$CLI" ] || skip "$CLI not built"
	[ -x "$PROG" ] || skip "$PROG not built"
	mkdir -p "$D/t"
	run timeout 60 env LD_PRELOAD="$BUILD/lib/liblockhound.so" LOCKHOUND_OPTIONS="trace_dir=$D/t" "$PROG"
	ls "$D"/t/lockhound.*.trace >/dev/null 2>&1 || skip "the shim wrote no trace (pipeline tests 10-*.bats cover that)"
	for fmt in json sarif html text; do
		run timeout 60 "$CLI" report --format "$fmt" -o "$D/out.$fmt" "$D/t"
		[ "$status" -le 1 ] || fail "report --format $fmt exited $status: $output"
		[ -s "$D/out.$fmt" ] || fail "no $fmt output"
	done
	run jq -e '.version == 1' "$D/out.json"
	assert_success
	schema=tests/data/sarif-schema-2.1.0.json
	run validate_sarif "$schema" "$D/out.sarif"
	assert_success
}
