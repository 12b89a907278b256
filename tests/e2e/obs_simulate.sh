#!/usr/bin/env bash
# `parley rollout controller --simulate`: decisions on recorded windows match the reviewed
# expected output; the off switch decides nothing; bad lines are reported with their line number,
# skipped, and make the exit status 1; usage errors exit 2.
# Usage: obs_simulate.sh PARLEY_BINARY TESTS_E2E_DIR WORK_DIR
set -u
parley=$1 dir=$2 work=$3
mkdir -p "$work"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

"$parley" rollout controller --simulate "$dir/obs_windows.jsonl" >"$work/windows.out" 2>"$work/windows.err"
check "windows exit 0" "[ $? -eq 0 ]"
check "windows decisions match obs_windows.expected.jsonl" \
  "diff -u '$dir/obs_windows.expected.jsonl' '$work/windows.out'"

"$parley" rollout controller --simulate "$dir/obs_promotion.jsonl" --promotion 10:120,50:120,100 \
  >"$work/promotion.out" 2>/dev/null
check "promotion exit 0" "[ $? -eq 0 ]"
check "promotion decisions match obs_promotion.expected.jsonl" \
  "diff -u '$dir/obs_promotion.expected.jsonl' '$work/promotion.out'"

# Without a schedule the same healthy windows never raise the percentage.
"$parley" rollout controller --simulate "$dir/obs_promotion.jsonl" >"$work/noschedule.out" 2>/dev/null
check "no schedule: never set_percentage" "! grep -q set_percentage '$work/noschedule.out'"

# Off switch: every line decided, all "none".
"$parley" rollout controller --simulate "$dir/obs_windows.jsonl" --off >"$work/off.out" 2>/dev/null
check "off: exit 0" "[ $? -eq 0 ]"
check "off: one decision per line" "[ \$(wc -l <'$work/off.out') -eq \$(grep -c . '$dir/obs_windows.jsonl') ]"
check "off: all none" "[ \$(grep -c '\"action\":\"none\",\"reason\":\"controller off\"' '$work/off.out') -eq \$(wc -l <'$work/off.out') ]"

# Bad lines: reported with line numbers, skipped, exit 1; good lines still decided (from stdin).
cat >"$work/bad.jsonl" <<'JSONL'
{"t": 100, "percentage": 100, "canary": {"samples": 10, "latency_p95_s": 8}}
{"t": 60, "percentage": "100", "canary": {"samples": 10}}
not json at all

{"t": 120, "percentage": 50, "canary": {"samples": 10, "error_rate": 1.5}}
{"t": 30, "percentage": 50, "canary": {"samples": 10}}
{"t": 180, "percentage": 50, "canary": {"samples": 10, "latency_p95_s": 1}}
JSONL
"$parley" rollout controller --simulate - <"$work/bad.jsonl" >"$work/bad.out" 2>"$work/bad.err"
check "bad lines: exit 1" "[ $? -eq 1 ]"
check "bad lines: two decisions" "[ \$(wc -l <'$work/bad.out') -eq 2 ]"
check "bad lines: first line decided" "grep -q '\"t\":100,\"action\":\"disable\"' '$work/bad.out'"
for n in 2 3 5 6; do
  check "bad lines: line $n reported" "grep -q -- '-:$n:' '$work/bad.err'"
done
check "bad lines: field named" "grep -q 'percentage is required and must be an integer' '$work/bad.err'"

# Usage errors exit 2.
"$parley" rollout controller >/dev/null 2>&1
check "no --simulate: exit 2" "[ $? -eq 2 ]"
"$parley" rollout controller --simulate x --promotion 50:1,10:1 >/dev/null 2>&1
check "bad schedule: exit 2" "[ $? -eq 2 ]"
"$parley" rollout controller --simulate /nonexistent/file >/dev/null 2>&1
check "unreadable file: exit 1" "[ $? -eq 1 ]"
"$parley" rollout controller --help | grep -q -- '--promotion'
check "--help documents --promotion" "[ $? -eq 0 ]"
exit $fail
