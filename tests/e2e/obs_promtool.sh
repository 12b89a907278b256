#!/usr/bin/env bash
# promtool on parley's observability outputs:
#   obs_promtool.sh rules   PARLEY_BINARY TESTS_E2E_DIR WORK_DIR
#     `promtool check rules` on `parley alarms --prometheus-rules`, then `promtool test rules`
#     with synthetic series for each alarm (obs_rules_test.yml).
#   obs_promtool.sh metrics SAMPLE_BINARY WORK_DIR
#     `promtool check metrics` on a populated /metrics exposition.
# Exits 77 (ctest: skipped) only when promtool is not installed (Debian package `prometheus`).
set -u
if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIP: promtool not found (apt-get install prometheus)"
  exit 77
fi
mode=$1
case "$mode" in
  rules)
    parley=$2 dir=$3 work=$4
    mkdir -p "$work"
    "$parley" alarms --prometheus-rules >"$work/rules.yml" || { echo "FAIL: export"; exit 1; }
    promtool check rules "$work/rules.yml" || { echo "FAIL: promtool check rules"; exit 1; }
    grep -c '^      - alert:' "$work/rules.yml" | grep -qx 6 || { echo "FAIL: expected 6 alerts"; exit 1; }
    cp "$dir/obs_rules_test.yml" "$work/rules_test.yml"
    (cd "$work" && promtool test rules rules_test.yml) || { echo "FAIL: promtool test rules"; exit 1; }
    ;;
  metrics)
    sample=$2 work=$3
    mkdir -p "$work"
    "$sample" >"$work/metrics.txt" || { echo "FAIL: sample"; exit 1; }
    # promtool prints lint problems and exits non-zero on them.
    out=$(promtool check metrics <"$work/metrics.txt" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] || [ -n "$out" ]; then echo "FAIL: promtool check metrics: $out"; exit 1; fi
    for d in partial final_only; do
      grep -q "parley_word_latency_seconds_bucket{decision=\"$d\",le=\"5\"}" "$work/metrics.txt" ||
        { echo "FAIL: no $d latency bucket"; exit 1; }
    done
    ;;
  *) echo "usage: $0 rules|metrics ..."; exit 2 ;;
esac
echo "ok"
