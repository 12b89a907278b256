#!/usr/bin/env bash
# e2e: PARTIAL_RESULTS_ENABLED, the kill switch, is read by one parser with one set of spellings
# (docs/configuration.md) on every command path:
# - parley replay: each spelling forces final-only (no partial segment) or leaves partials on;
#   anything else is a usage error (exit 2) naming the variable;
# - parley flags explain (the decision path of parley serve: flags::FlagSource): each spelling
#   gives mode final-only / partial; anything else is ignored with a warning;
# - parley run: each spelling is accepted (the command gets past its settings to the audio),
#   anything else is a usage error naming the variable; and one real run with `0` (which run
#   refused before the parser was shared) runs final-only.
set -euo pipefail
parley=${1:?usage: kill_switch.sh PARLEY SOURCE_DIR}
src=${2:?usage: kill_switch.sh PARLEY SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset PARTIAL_RESULTS_ENABLED ROLLOUT_PERCENTAGE FEATURE_FLAG_PARAMETER_NAME PARLEY_STORE
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

trace="$src/tests/golden/aws_stable_items/input.jsonl"
store="sqlite:$tmp/parley.db"
printf 'this is not audio at all\n' >"$tmp/notes.wav"

kill_on=(false FALSE False 0 no No off OFF)
kill_off=(true TRUE 1 yes YES on On "")

for v in "${kill_on[@]}" "${kill_off[@]}"; do
  expect_partial=1
  for k in "${kill_on[@]}"; do [[ "$v" == "$k" ]] && expect_partial=0; done

  # parley replay
  rc=0
  PARTIAL_RESULTS_ENABLED=$v "$parley" replay "$trace" >"$tmp/replay.out" 2>"$tmp/replay.err" || rc=$?
  if [[ $rc -ne 0 ]]; then
    bad "replay PARTIAL_RESULTS_ENABLED='$v': exit $rc"; cat "$tmp/replay.err"
  elif [[ $expect_partial -eq 1 ]] && ! grep -q '"kind":"partial"' "$tmp/replay.out"; then
    bad "replay PARTIAL_RESULTS_ENABLED='$v': no partial segment"
  elif [[ $expect_partial -eq 0 ]] && grep -q '"kind":"partial"' "$tmp/replay.out"; then
    bad "replay PARTIAL_RESULTS_ENABLED='$v': partial segments despite the kill switch"
  else
    ok "replay PARTIAL_RESULTS_ENABLED='$v' (partials: $expect_partial)"
  fi

  # parley flags explain: the decision parley serve takes for a new session
  want=partial
  [[ $expect_partial -eq 0 ]] && want=final-only
  mode=$(PARTIAL_RESULTS_ENABLED=$v "$parley" flags explain --store "$store" \
           --session golden-eagle-427 --json 2>/dev/null | jq -r .mode)
  if [[ "$mode" == "$want" ]]; then
    ok "flags explain PARTIAL_RESULTS_ENABLED='$v' -> $mode"
  else
    bad "flags explain PARTIAL_RESULTS_ENABLED='$v' -> '$mode', expected $want"
  fi

  # parley run: accepted, so the command goes on to read (and refuse) the audio file
  rc=0
  PARTIAL_RESULTS_ENABLED=$v "$parley" run "$tmp/notes.wav" >/dev/null 2>"$tmp/run.err" || rc=$?
  if [[ $rc -eq 2 ]] && grep -q "notes\.wav" "$tmp/run.err" &&
     ! grep -q PARTIAL_RESULTS_ENABLED "$tmp/run.err"; then
    ok "run PARTIAL_RESULTS_ENABLED='$v' accepted"
  else
    bad "run PARTIAL_RESULTS_ENABLED='$v': exit $rc"; cat "$tmp/run.err"
  fi
done

for v in maybe 2 disabled; do
  rc=0
  PARTIAL_RESULTS_ENABLED=$v "$parley" replay "$trace" >/dev/null 2>"$tmp/err" || rc=$?
  if [[ $rc -eq 2 ]] && grep -q "PARTIAL_RESULTS_ENABLED must be true|1|yes|on or false|0|no|off" "$tmp/err"; then
    ok "replay PARTIAL_RESULTS_ENABLED='$v' -> usage error"
  else
    bad "replay PARTIAL_RESULTS_ENABLED='$v': exit $rc"; cat "$tmp/err"
  fi
  rc=0
  PARTIAL_RESULTS_ENABLED=$v "$parley" run "$tmp/notes.wav" >/dev/null 2>"$tmp/err" || rc=$?
  if [[ $rc -eq 2 ]] && grep -q "PARTIAL_RESULTS_ENABLED must be true|1|yes|on or false|0|no|off" "$tmp/err"; then
    ok "run PARTIAL_RESULTS_ENABLED='$v' -> usage error"
  else
    bad "run PARTIAL_RESULTS_ENABLED='$v': exit $rc"; cat "$tmp/err"
  fi
  out=$(PARTIAL_RESULTS_ENABLED=$v "$parley" flags explain --store "$store" \
          --session golden-eagle-427 --json 2>"$tmp/err" | jq -r .mode)
  if [[ "$out" == partial ]] && grep -q "PARTIAL_RESULTS_ENABLED" "$tmp/err"; then
    ok "flags explain PARTIAL_RESULTS_ENABLED='$v' -> ignored with a warning"
  else
    bad "flags explain PARTIAL_RESULTS_ENABLED='$v' -> '$out'"; cat "$tmp/err"
  fi
done

# One real `parley run` with the kill switch spelled 0: the session runs final-only.
clip=/usr/share/pocketsphinx/test/data/goforward.raw
if [[ -f $clip ]]; then
  mode=$(PARTIAL_RESULTS_ENABLED=0 LOG_LEVEL=ERROR "$parley" run "$clip" --json --no-speech \
           2>"$tmp/err" | tail -1 | jq -r .mode)
  if [[ "$mode" == final-only ]]; then
    ok "run PARTIAL_RESULTS_ENABLED=0 on $clip -> final-only"
  else
    bad "run PARTIAL_RESULTS_ENABLED=0 on $clip -> '$mode'"; cat "$tmp/err"
  fi
else
  bad "missing $clip (pocketsphinx test data)"
fi
exit $fail
