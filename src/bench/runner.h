// The benchmark runner: replays every corpus trace through the engine once per mode (final-only,
// the runbook's policy, parley's policy, and the tuning sweep's candidates), in two timings
// (ideal: events at the audio time that produced them; computation-aware: the recorded arrival
// times), and computes the metrics of docs/bench.md per corpus group. Translation quality and
// cost use a real translate::Translator when one is given.
//
// Deterministic: the same corpus and modes give the same engine figures (only the engine
// throughput measurement reads a clock). Single-threaded.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/corpus.h"
#include "bench/lines_ruler.h"
#include "bench/metrics.h"
#include "core/stats.h"
#include "engine/config.h"
#include "engine/types.h"

namespace parley::translate {
class Translator;
}

namespace parley::bench {

struct ModeSpec {
  std::string name;         // "final-only", "runbook", "parley", "sweep-..."
  std::string description;  // one line for the report
  engine::Mode mode = engine::Mode::kPartial;
  engine::EngineConfig config;
  std::vector<std::string> settings;  // the non-default keys, "key=value"
  // The bench-side prototype of frontier commit (corpus.h, frontierStableStream: Stable flags
  // added to the trace, then replayed through the engine), applied to streams without a
  // stability signal when prototype_commit_lag >= 0. Kept to compare with the engine's own
  // `stability_fallback=frontier`; a prototype row never wins the sweep.
  double prototype_commit_lag = -1;
  int prototype_min_hypotheses = 1;
  bool prototype() const { return prototype_commit_lag >= 0; }
};

// The modes every report compares: final-only (the baseline), the runbook's policy
// (forward_policy=sentence, stability_fallback=timeout 3 s, min_stability 0.85, pause 2 s,
// buffer timeout 5 s) and `parley` (the given config).
ModeSpec finalOnlyMode();
ModeSpec runbookMode();
// The engine's current defaults (src/engine/config.h), as shipped.
ModeSpec engineDefaultsMode();
// The tuning sweep's candidate policies (docs/bench.md): local agreement (c1..c18), the engine's
// frontier commit (f19..f28) and, for comparison, the bench prototype of the frontier row f27
// (p29, never the winner); `quick` keeps a handful.
std::vector<ModeSpec> sweepCandidates(bool quick);
ModeSpec parleyMode(const engine::EngineConfig& config, std::vector<std::string> settings);
// Builds a mode from "key=value" settings over the engine defaults. Errors name the key.
core::Result<ModeSpec> modeFromSettings(const std::string& name,
                                        const std::vector<std::string>& settings);

// Figures of one mode over one group of corpus items.
struct ModeFigures {
  std::string mode;
  std::string group;
  long long items = 0;
  long long segments = 0;
  core::Summary latency_ideal;    // seconds, per final word (docs/bench.md)
  core::Summary latency_compute;  // the same with recognizer compute (recorded arrival times)
  long long final_words = 0;
  long long matched_words = 0;
  long long partial_words = 0;          // computation-aware run
  long long partial_disagreements = 0;  // computation-aware run
  double disagreement_pct = 0;          // partial_disagreements / final_words * 100
  double disagreement_pct_ideal = 0;    // the same for the ideal run
  double forwarded_wer = 0;             // forwarded stream vs reference transcript, %
  double final_wer = 0;  // recognizer finals vs reference transcript, % (same for all modes)
  // Translation (computation-aware segments); -1 when no translator was given.
  long long mt_calls = 0;
  long long mt_chars = 0;       // characters of segment text sent to MT
  long long tts_chars = 0;      // characters of translations sent to the synthesizer
  double mt_chars_ratio = -1;   // vs final-only in the same group
  double tts_chars_ratio = -1;  // vs final-only
  double chrf_vs_final_only = -1;
  double chrf_vs_reference = -1;  // synthesized speech only: vs the translated reference text
  std::vector<double> latencies_compute;  // raw values, for charts (not in report.json)
};

// A group's raw-stream figures, independent of the mode.
struct GroupFigures {
  std::string group;
  long long items = 0;
  double audio_seconds = 0;
  double compute_seconds = 0;
  double rtf = 0;        // compute / audio
  double final_wer = 0;  // %
  long long reference_words = 0;
  long long final_words = 0;
  long long partial_events = 0;
  long long final_events = 0;
  long long erased_tokens = 0;
  double normalized_erasure = 0;  // erased tokens / final tokens
};

// One utterance's story for the timeline chart: every hypothesis, what a mode forwarded, the
// final(s), with arrival (computation-aware) times and word end times.
struct Timeline {
  std::string item;
  std::string mode;
  struct Hyp {
    double t = 0;
    bool is_partial = true;
    std::string text;
  };
  struct Seg {
    double t = 0;
    std::string kind;
    std::string reason;
    std::string text;
    double audio_end = 0;
  };
  struct WordTime {
    std::string text;
    double end = 0;
  };
  std::vector<Hyp> hypotheses;
  std::vector<Seg> segments;
  std::vector<WordTime> words;  // final transcript with (gold) end times
  double audio_seconds = 0;
};

struct SweepRow {
  ModeSpec spec;
  ModeFigures real;  // on the "real" group (no translation)
  ModeFigures synth;
  bool meets_targets = false;
};

// Groups: "real" (LibriVox, pocketsphinx), "real-aws" (the same with Stable flags), "synth"
// (synthesized speech, pocketsphinx), "synth-aws".
std::string groupOf(const CorpusItem& item);

struct BenchInput {
  std::vector<CorpusItem> corpus;
  std::vector<ModeSpec> modes;  // the compared modes, final-only first
  // Candidate policies (engine figures only). The winner on real speech is compared too, as
  // mode "parley".
  std::vector<ModeSpec> sweep;
  translate::Translator* translator = nullptr;  // nullptr: no translation figures
  std::string timeline_item;  // item shown in the timeline (default: first real item)
  std::function<void(double fraction, const std::string& what)> progress;
};

struct BenchResult {
  std::vector<ModeSpec> modes;  // the compared modes (input modes, then "parley" = sweep winner)
  std::vector<GroupFigures> groups;
  std::vector<ModeFigures> figures;  // per group x mode
  std::vector<SweepRow> sweep;
  // Caption-line figures per group ("real", "synth") x lane (lines_ruler.h); empty without a
  // translator.
  std::vector<LineFigures> lines;
  std::string sweep_winner;  // name of the sweep row that wins (empty if none meets the targets)
  Timeline timeline;
  double engine_events_per_second = 0;  // one core, events of the whole corpus replayed
  long long engine_events_measured = 0;
  std::size_t engine_idle_session_bytes = 0;
};

BenchResult runBench(const BenchInput& input);

// The engine targets (docs/bench.md, "Targets") checked on a mode's figures against final-only's in
// the same group.
struct TargetCheck {
  std::string name;
  std::string target;
  double value = 0;
  bool pass = false;
};
std::vector<TargetCheck> checkTargets(const ModeFigures& mode, const ModeFigures& final_only);

// The trace text replayItem feeds the engine for `mode` (rows with frontier commit replay the
// audio as the recognizer consumed it).
std::string replayInput(const CorpusItem& item, const ModeSpec& mode, bool ideal_timing);
// Replays one item in one mode and timing. Exposed for tests.
std::vector<engine::Segment> replayItem(const CorpusItem& item, const ModeSpec& mode,
                                        bool ideal_timing);
// Final transcript tokens of an item with their end times: gold times (synthesized speech,
// where the final word aligns with a gold word) or the recognizer's word ends.
std::vector<FinalToken> finalTokens(const CorpusItem& item);

}  // namespace parley::bench
