#!/usr/bin/env bash
# `make bench`: runs every google-benchmark binary of the release build, then the full
# `parley bench` (records the corpus now, compares the policies, writes the reports).
# Reports land in build-release/bench/ (report.json, report.md, report.html); see docs/bench.md.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in build-release/benchmarks/*; do
  [[ -x "$b" ]] || continue
  echo "== $(basename "$b")"
  "$b" --benchmark_counters_tabular=true
done
echo "== parley bench"
build-release/parley bench --out build-release/bench "$@"
