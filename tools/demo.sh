#!/usr/bin/env bash
# The main job (replaced by the speech pipeline when it lands).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "parley demo: not yet wired"
