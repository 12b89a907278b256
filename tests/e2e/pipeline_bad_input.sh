#!/usr/bin/env bash
# e2e: `parley run` refuses bad input with exit status 2 and a message naming the problem,
# before loading any model.
set -euo pipefail
parley=${1:?usage: pipeline_bad_input.sh PARLEY}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect STATUS PATTERN -- ARGS...: runs parley run ARGS, checks the exit status and that stderr
# matches PATTERN (grep -E, case-insensitive) and that nothing was printed on stdout.
expect() {
  local status=$1 pattern=$2
  shift 3
  local rc=0
  "$parley" run "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [[ $rc -ne $status ]]; then
    echo "FAIL: parley run $*: exit $rc, expected $status; stderr:"; cat "$tmp/err"; fail=1
  elif ! grep -qiE "$pattern" "$tmp/err"; then
    echo "FAIL: parley run $*: stderr does not match /$pattern/:"; cat "$tmp/err"; fail=1
  elif [[ -s "$tmp/out" ]]; then
    echo "FAIL: parley run $*: unexpected stdout:"; cat "$tmp/out"; fail=1
  else
    echo "ok: parley run $* -> $rc: $(head -1 "$tmp/err")"
  fi
}

printf 'this is not audio at all\n' >"$tmp/notes.wav"
printf 'RIFF\x24\x00\x00\x00WAVEfmt ' >"$tmp/truncated.wav"
head -c 3000 /dev/urandom >"$tmp/noise.mp3"
printf 'abc' >"$tmp/odd.raw"

expect 2 "notes\.wav.*(RIFF|WAV)" -- "$tmp/notes.wav"
expect 2 "truncated\.wav" -- "$tmp/truncated.wav"
expect 2 "noise\.mp3" -- "$tmp/noise.mp3"
expect 2 "odd\.raw" -- "$tmp/odd.raw"
expect 2 "missing\.wav" -- "$tmp/missing.wav"
expect 2 "missing AUDIO" --
expect 2 "mode" -- "$tmp/notes.wav" --mode sometimes
expect 2 "min_stability_threshold" -- "$tmp/notes.wav" --set min_stability_threshold=2
expect 2 "unknown option" -- "$tmp/notes.wav" --frobnicate

# --help works and documents the timing model.
"$parley" run --help >"$tmp/help"
grep -q "arrival_i = max(arrival_{i-1}, a_i) + compute_i" "$tmp/help" || {
  echo "FAIL: --help does not describe the arrival model"; fail=1
}
exit $fail
