#!/usr/bin/env bash
# Runs every libFuzzer harness of a fuzz build (cmake --preset fuzz) for a fixed time and prints
# one line per harness: executions, coverage (cov: edges, ft: features), corpus size, verdict.
#   tools/fuzz.sh BUILD_DIR SECONDS [name,name...]
# Each harness starts from its committed seed corpus and crash inputs (read only) and grows a
# working corpus in BUILD_DIR/fuzz/<name>/corpus; a crash leaves its input in
# BUILD_DIR/fuzz/<name>/ (crash-*, leak-*, timeout-*, oom-*) and the full log next to it.
# Exit status: 1 if any harness found something.
set -euo pipefail
build=${1:?usage: tools/fuzz.sh BUILD_DIR SECONDS [names]}
seconds=${2:-30}
only=${3:-}
list="$build/fuzzers.txt"
[[ -f "$list" ]] || { echo "fuzz: $list missing (configure with cmake --preset fuzz)" >&2; exit 2; }

failed=0
summary=()
while read -r name bin seeds crashes; do
  [[ -n "$name" ]] || continue
  if [[ -n "$only" && ",$only," != *",$name,"* ]]; then continue; fi
  work="$build/fuzz/$name"
  mkdir -p "$work/corpus"
  rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
  dirs=("$work/corpus" "$seeds")
  [[ -d "$crashes" ]] && dirs+=("$crashes")
  log="$work/fuzz.log"
  echo "fuzz: $name for ${seconds}s ..." >&2
  set +e
  # -max_len: libFuzzer would otherwise take the largest seed (a committed crash input can be
  # 80 KB) as the length to explore, and slow down to a few executions a second.
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -max_len="${FUZZ_MAX_LEN:-4096}" \
    -artifact_prefix="$work/" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # The last status line (#N DONE / pulse / NEW ...) carries the final cov: and ft: figures.
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  artifact=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1 || true)
  if [[ $rc -eq 0 && -z "$artifact" ]]; then
    verdict="ok"
  else
    verdict="FOUND ${artifact:-exit $rc} (log: $log)"
    failed=1
  fi
  summary+=("$(printf '%-22s %10s execs  cov %-5s ft %-6s corpus %-10s %s' "$name" "${execs:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$verdict")")
done <"$list"

echo
echo "fuzz summary (${seconds}s each):"
printf '%s\n' "${summary[@]}"
exit $failed
