// The benchmark corpus: recorded recognizer traces (the trace format of ingest/trace.h) with
// what the bench needs to score them, carried in the trace header under "bench": the kind of
// speech (real LibriVox speech or synthesized), the reference transcript, and for synthesized
// speech the exact time of every word (gold times from the synthesizer). Committed traces live in
// bench/corpus/ so that the engine-only bench runs without a recognizer.
//
// Also the trace transforms the bench applies: ideal timing (events arrive at the audio time
// that produced them, recognizer compute removed) and the AWS Transcribe-style conversion
// (pocketsphinx partials with per-item Stable flags, docs/bench.md).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "engine/types.h"
#include "ingest/trace.h"

namespace parley::bench {

struct GoldWord {
  std::string text;
  double start = 0;
  double end = 0;
};

struct CorpusItem {
  std::string name;            // file stem, e.g. "real-librivox-0870"
  std::string kind;            // "real" | "synth"
  std::string source;          // recognizer: "pocketsphinx" | "aws-transcribe"
  std::string reference;       // the words that were spoken
  std::vector<GoldWord> gold;  // synthesized speech: every word's audio time
  std::string voice;           // synthesized speech: espeak voice, speed (wpm), pause (s)
  int speed_wpm = 0;
  double pause_seconds = 0;
  double audio_seconds = 0;    // length of the audio
  double compute_seconds = 0;  // recognizer CPU time spent decoding it (when recorded)
  int chunk_ms = 100;
  std::vector<ingest::TraceItem> items;  // audio and event lines, in file order

  bool real() const { return kind == "real"; }
};

// Reads a corpus trace: a trace whose header carries the "bench" fields. Errors: kInvalidInput
// naming the line that is wrong (bad lines are not skipped: a corpus must be clean).
core::Result<CorpusItem> parseCorpusItem(const std::string& name, const std::string& text);
// The same trace as text (header line with the bench fields, then every item), so that
// parseCorpusItem(formatCorpusItem(x)) == x.
std::string formatCorpusItem(const CorpusItem& item);
// Every *.jsonl file of `dir`, sorted by name. Errors: kNotFound for a missing or empty
// directory, or the first bad file's error.
core::Result<std::vector<CorpusItem>> loadCorpus(const std::string& dir);
// Writes item as dir/<name>.jsonl.
core::Status saveCorpusItem(const std::string& dir, const CorpusItem& item);

// The trace as replay input (items only, header included), optionally with ideal timing: every
// event re-timed to the audio time of the last audio line before it (the moment the recognizer
// had the audio that produced it; no compute), audio lines unchanged.
std::string traceText(const CorpusItem& item, bool ideal_timing);

// The recognizer's final transcript: the words of every final event, in order, punctuation
// dropped.
std::vector<engine::Word> finalWords(const CorpusItem& item);

// Partial hypotheses and final of each result, as normalized tokens in arrival order.
std::vector<std::vector<std::vector<std::string>>> hypothesesByResult(const CorpusItem& item);

// AWS Transcribe-style stream built from a pocketsphinx trace: each event becomes a
// TranscriptEvent result with the same ResultId, IsPartial and times. A partial's item is
// Stable when that item and every item before it are unchanged over the next `k` hypotheses
// of the same result (the final counts as a hypothesis); items of finals are all Stable.
// Events keep their arrival times; audio lines are kept.
CorpusItem awsStableStream(const CorpusItem& pocketsphinx_item, int k);

// Prototype of a commit rule for recognizers without a stability signal (docs/bench.md,
// "frontier commit"), applied causally to a pocketsphinx trace by adding Stable flags: word i of
// a partial is Stable when words 0..i are, it has stood at that position (same words before it)
// in at least `min_hypotheses` consecutive hypotheses, and the recognizer has processed at
// least `lag` seconds of audio past its end while still hypothesizing it. The processed frontier
// is the audio line before an event, and on an audio line without event the previous audio line
// (the chunk before is decoded by then). When the stable run grows on an audio line without a
// new hypothesis, the hypothesis is re-sent with the new flags at that line's time. Finals are
// all Stable. Uses only what was known at each moment.
CorpusItem frontierStableStream(const CorpusItem& pocketsphinx_item, double lag,
                                int min_hypotheses);

}  // namespace parley::bench
