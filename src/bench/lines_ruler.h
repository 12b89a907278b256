// The ruler of caption lines (docs/bench.md, "Caption lines"): what a reader sees and what a
// listener hears, per mode, on the same recognition. A mode is either an append-only lane (the
// engine's segments, each translated once and appended: final-only, the runbook's policy,
// parley's segments) or a revise lane (src/lines: each line re-translated as it grows, shown
// under a display policy, spoken in settled pieces).
//
// Per token of each line's final text, first display and time to stable after the token's
// reference time (lines/measure.h, shared with the live server's histogram). Also the
// normalized erasure of the displayed stream, the chrF of final lines and of the spoken text
// against final-only's translation, speech-start latency, and the translation cost.
//
// Deterministic apart from the translator's wall time (`mt_seconds`). Single-threaded.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bench/corpus.h"
#include "core/result.h"
#include "core/stats.h"
#include "engine/config.h"
#include "lines/lines.h"
#include "lines/measure.h"

namespace parley::bench {

struct LineModeSpec {
  std::string name;  // "final-only", "runbook", "append", "revise-agree", ...
  std::string description;
  engine::Mode mode = engine::Mode::kPartial;
  engine::EngineConfig config;
  bool revise = false;      // false: the append-only lane (segments translated once)
  lines::LineConfig lines;  // revise lanes: display policy, line split, speech rule
  bool shipped = false;     // the lane the engine's defaults describe (caption_mode, line_*)
};

// The compared lanes: final-only, runbook and `append` (the segments of the given engine
// settings) as append-only lanes, then revise lanes over the same engine settings: every display
// policy (none, mask_k with k = 1..3, agree) with the speech rule at 2 and 4 settled words
// (`revise-<policy>-s<n>`), and the shipped line settings with other line lengths
// (`revise-default-max8`, `-max12`, `-max20`, the shipped one left out). `shipped` marks the lane
// of the given settings.
std::vector<LineModeSpec> lineModes(const engine::EngineConfig& parley_config,
                                    engine::Mode parley_mode);

struct LineFigures {
  std::string mode;
  std::string group;
  long long items = 0;
  long long results = 0;        // recognizer results that made at least one line
  long long split_results = 0;  // ... that made more than one line
  long long lines = 0;
  long long revisions = 0;
  long long final_tokens = 0;
  long long measured_tokens = 0;   // final tokens with a reference time
  core::Summary first_display;     // seconds after the reference time
  core::Summary time_to_stable;    // seconds after the reference time
  long long erased_tokens = 0;     // of the displayed stream
  double normalized_erasure = 0;   // erased / final tokens
  double final_chrf = -1;          // final lines vs final-only's translation
  double final_chrf_unsplit = -1;  // the same over results that made one line (-1: none)
  double spoken_chrf = -1;         // spoken text vs final-only's translation
  core::Summary speech_start;      // per spoken piece, seconds after its first token's ref
  long long spoken_pieces = 0;
  long long spoken_mismatches = 0;  // revise: finals that differ from what was spoken
  long long settled_changes = 0;    // revise: finals that changed settled text
  long long mt_calls = 0;
  long long mt_chars = 0;          // bytes sent to the translator
  double mt_chars_ratio = -1;      // vs final-only in the same group
  double mt_seconds_per_item = 0;  // wall time blocked on the translator per session
  bool shipped = false;            // the lane the engine's defaults describe
};

// Translation for the ruler: text -> translation, plus the wall seconds the first real call for
// that text took (memoized callers charge it again for every call).
struct TimedTranslation {
  std::string text;
  double seconds = 0;
  bool ok = true;
};
using RulerTranslateFn = std::function<TimedTranslation(const std::string& text)>;

// Runs one lane over the items of one group (computation-aware timing), with `final_only_mt`
// the translation of final-only's segments per item (joined), and `final_only_by_result` per
// item the translation of each result's final segment (for the unsplit chrF), as
// finalOnlyTranslations() computes them.
struct FinalOnlyText {
  std::string joined;                                        // per item
  std::vector<std::pair<std::string, std::string>> results;  // result id -> translation
  long long chars = 0;                                       // bytes sent to the translator
};
std::vector<FinalOnlyText> finalOnlyTranslations(const std::vector<const CorpusItem*>& items,
                                                 const RulerTranslateFn& translate);
LineFigures runLineMode(const std::vector<const CorpusItem*>& items,
                        const std::vector<FinalOnlyText>& final_only, const LineModeSpec& mode,
                        const std::string& group, const RulerTranslateFn& translate);

// The caption-line targets (docs/bench.md): time to stable p50 <= 1.2 s and p95 <= 2.0 s, first
// display p50 <= 0.6 s, normalized erasure <= 0.20, final-line chrF >= 0.97 (1.000 for unsplit
// results), spoken-text chrF >= 0.90, speech start p50 <= 1.5 s, MT characters <= 4x final-only.
struct LineTargetCheck {
  std::string name;
  std::string target;
  double value = 0;
  bool pass = false;
};
std::vector<LineTargetCheck> checkLineTargets(const LineFigures& figures);
// The lane that meets the most targets on `real` (then on `synth`, then the lower time to stable
// p50); empty when there are no line figures.
std::string bestLineLane(const std::vector<LineFigures>& figures);

}  // namespace parley::bench
