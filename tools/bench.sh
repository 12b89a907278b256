#!/usr/bin/env bash
# Runs every google-benchmark binary of the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in build-release/benchmarks/*; do
  [[ -x "$b" ]] || continue
  echo "== $(basename "$b")"
  "$b" --benchmark_counters_tabular=true
done
