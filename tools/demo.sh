#!/usr/bin/env bash
# make demo: real recorded speech (LibriVox, public domain, shipped by Debian's
# pocketsphinx-testdata) through one parley session each: Spanish captions as the engine
# forwards them, then the latency summary (partial vs final-only on the same recognition). The
# translated speech is written to build/demo/*-es.wav.
# By default the clips are decoded as fast as possible and times follow the arrival model
# (docs/pipeline.md), which does not depend on how busy the machine is; DEMO_REALTIME=1 feeds
# the audio at 1x so captions appear when a live listener would see them.
# Usage: tools/demo.sh [AUDIO...]   (default: two LibriVox clips, ~13 s of speech)
# Environment: PARLEY (binary, default build/parley), DEMO_REALTIME=1, LOG_LEVEL.
set -euo pipefail
cd "$(dirname "$0")/.."

parley=${PARLEY:-build/parley}
data=/usr/share/pocketsphinx/test/data/librivox
outdir=build/demo

if [[ ! -x "$parley" ]]; then
  echo "demo: $parley not found; run 'make build' first" >&2
  exit 1
fi
if [[ $# -gt 0 ]]; then
  clips=("$@")
else
  if [[ ! -d "$data" ]]; then
    echo "demo: $data missing; install pocketsphinx-testdata (make deps)" >&2
    exit 1
  fi
  clips=("$data/sense_and_sensibility_01_austen_64kb-0870.wav"
         "$data/sense_and_sensibility_01_austen_64kb-0920.wav")
fi
mkdir -p "$outdir"

pace=()
[[ "${DEMO_REALTIME:-0}" == "1" ]] && pace=(--realtime)
bold="" reset=""
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then bold=$'\033[1m' reset=$'\033[0m'; fi

for clip in "${clips[@]}"; do
  name=$(basename "$clip" .wav)
  echo
  echo "${bold}=== $name ===${reset}"
  # The human transcript, when the clip comes from the LibriVox test set.
  if [[ -f "$data/transcription" ]]; then
    ref=$(grep -F "($name)" "$data/transcription" | sed -e 's/<s> //' -e 's: </s>.*::' || true)
    [[ -n "$ref" ]] && echo "reference: $ref"
  fi
  echo
  LOG_LEVEL=${LOG_LEVEL:-ERROR} "$parley" run "$clip" --to es "${pace[@]}" \
    --out-audio "$outdir/$name-es.wav"
done
echo
echo "Translated speech: $outdir/*-es.wav   (play with: aplay $outdir/<clip>-es.wav)"
