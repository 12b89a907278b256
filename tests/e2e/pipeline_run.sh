#!/usr/bin/env bash
# e2e: `parley run` on a real LibriVox clip with the embedded stack (pocketsphinx, engine,
# apertium eng-spa, espeak-ng). Asserts structure, never exact words or timings:
# - partial segments exist and each comes before the final of its result (seq order);
# - every caption is translated and reads as Spanish (differs from the English source; common
#   Spanish words/characters appear);
# - seq numbers run 1, 2, 3, ... without gaps;
# - the live captions (arrival-model clock) equal the rerun of partial mode on the recorded
#   recognition, and final-only forwards the same number of words;
# - caption lines (--json line objects): numbered 1, 2, 3 per language, each revised with rev
#   1, 2, 3, ..., ending with exactly one final revision; the Spanish final lines translate
#   the English final lines;
# - the translated speech WAV is 16 kHz mono with non-trivial length and energy.
set -euo pipefail
parley=${1:?usage: pipeline_run.sh PARLEY}
clip=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

LOG_LEVEL=WARN "$parley" run "$clip" --to es --json --out-audio "$tmp/es.wav" \
  >"$tmp/out.jsonl" 2>"$tmp/err.log" || {
  rc=$?
  echo "FAIL: parley run exited $rc"; cat "$tmp/err.log"; exit 1
}

python3 - "$tmp/out.jsonl" "$tmp/es.wav" <<'PY'
import json, math, struct, sys, wave

lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert lines, "no output"
summary = lines[-1]
captions = [o for o in lines[:-1] if o["type"] == "caption"]
revisions = [o for o in lines[:-1] if o["type"] == "line"]
assert summary["type"] == "summary", summary
assert len(captions) + len(revisions) == len(lines) - 1, "unknown object types"
assert captions, "no captions"
print(f"{len(captions)} captions")
for c in captions:
    print(f'  {c["seq"]:3} {c["kind"]:8} {c["source_text"]!r:45} -> {c["text"]!r}')

# seq 1, 2, 3, ... (one target language: one caption per segment)
seqs = [c["seq"] for c in captions]
assert seqs == list(range(1, len(seqs) + 1)), seqs

# Partials exist and come before the final of their result.
kinds = [c["kind"] for c in captions]
assert "partial" in kinds, kinds
assert "final" in kinds, kinds
final_seq = {c["result_id"]: c["seq"] for c in captions if c["kind"] == "final"}
for c in captions:
    if c["kind"] == "partial" and c["result_id"] in final_seq:
        assert c["seq"] < final_seq[c["result_id"]], c
assert any(c["kind"] == "partial" and c["result_id"] in final_seq for c in captions), \
    "no result had a partial before its final"

# Spanish captions.
assert all(c["lang"] == "es" and c["translated"] for c in captions), "untranslated captions"
assert summary["untranslated_captions"] == 0
changed = [c for c in captions if c["text"].strip().lower() != c["source_text"].strip().lower()]
assert len(changed) >= 0.7 * len(captions), (len(changed), len(captions))
text = " " + " ".join(c["text"] for c in captions).lower() + " "
spanish_words = {"el", "la", "los", "las", "de", "del", "que", "y", "en", "un", "una", "a",
                 "su", "sus", "para", "por", "con", "no", "es", "más", "pudo", "había", "tenía"}
found = {w for w in spanish_words if f" {w} " in text}
accents = any(ch in text for ch in "áéíóúñ¿¡")
assert len(found) >= 3 or (found and accents), f"does not look Spanish: {text!r}"
print("spanish markers:", sorted(found), "accents:", accents)

# Live captions (arrival-model clock) == rerun of the same mode on the recorded recognition.
wl = summary["word_latency"]
assert wl["live"] == wl["partial"], wl
assert summary["segments"]["live"] == summary["segments"]["partial"] == len(captions)
assert wl["partial"]["count"] > 5 and wl["final_only"]["count"] > 5, wl
assert wl["partial"]["p50"] <= wl["final_only"]["p50"], wl
assert summary["segments"]["final_only"] < summary["segments"]["partial"], summary["segments"]
assert summary["real_time_factor"] > 0
assert summary["stages"]["translate"]["count"] == len(captions)
assert summary["audio_chunks_dropped"] == 0
print("word latency p50: partial %.2fs, final-only %.2fs; RTF %.3f" % (
    wl["partial"]["p50"], wl["final_only"]["p50"], summary["real_time_factor"]))

# Caption lines: per language, lines 1, 2, 3 ... each with revs 1, 2, 3 ... and one final last.
by_lang = {}
for r in revisions:
    by_lang.setdefault(r["lang"], {}).setdefault(r["line"], []).append(r)
assert set(by_lang) == {"en", "es"}, set(by_lang)
for lang, per_line in by_lang.items():
    assert sorted(per_line) == list(range(1, len(per_line) + 1)), (lang, sorted(per_line))
    for n, revs in per_line.items():
        assert [r["rev"] for r in revs] == list(range(1, len(revs) + 1)), (lang, n, revs)
        assert [r["final"] for r in revs] == [False] * (len(revs) - 1) + [True], (lang, n, revs)
        for r in revs:
            assert 0 <= r["stable_chars"] <= len(r["text"].encode()), r
assert len(by_lang["es"]) == len(by_lang["en"]), "a line in every language"
revised = sum(1 for revs in by_lang["es"].values() if len(revs) > 1)
assert revised > 0, "no Spanish line was revised before its final"
for n, revs in by_lang["es"].items():
    fin = revs[-1]
    assert fin["source_text"] == by_lang["en"][n][-1]["text"], (fin, by_lang["en"][n][-1])
ls = summary["lines"]
assert ls["revisions"] == len(revisions), (ls, len(revisions))
assert ls["lines"] == len(by_lang["es"]) + len(by_lang["en"]), ls
print(f'{len(by_lang["es"])} Spanish lines, {revised} revised before the final; erasure '
      f'{ls["normalized_erasure"]:.3f}')
for n, revs in sorted(by_lang["es"].items()):
    print(f'  L{n} r{revs[-1]["rev"]} {revs[-1]["source_text"]!r:45} -> {revs[-1]["text"]!r}')

# The translated speech.
with wave.open(sys.argv[2]) as w:
    assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
    n = w.getnframes()
    data = w.readframes(n)
assert n / 16000 > 1.0, f"speech only {n / 16000:.2f} s"
samples = struct.unpack(f"<{n}h", data)
rms = math.sqrt(sum(s * s for s in samples) / n) / 32768
assert rms > 0.01, f"speech too quiet: rms {rms}"
assert abs(summary["out_audio_seconds"] - n / 16000) < 1e-3
print(f"speech: {n / 16000:.2f} s, rms {rms:.3f}")
PY
echo "e2e_pipeline_run: ok"
