// The partial-results engine (docs/engine.md): one instance per session, turning recognizer
// events into Segments that carry only words that will not change and were never forwarded.
//
// Pure and deterministic: time comes in as arguments, nothing here does I/O, locks, sleeps or
// draws random numbers. Log lines the engine wants written come back as `Output::notices`.
// Not thread-safe: one session's engine is driven by one thread at a time.
//
// Driving it: call onEvent for each recognizer event, onAudio with the audio the recognizer has
// consumed, after the events it produced from it (pause, recognizer-health and frontier-commit
// rules), and onTick when time passes; nextDeadline() says the earliest
// time at which onTick can change anything, so replays tick exactly there and live pipelines
// can sleep until then.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "engine/config.h"
#include "engine/types.h"

namespace parley::engine {

// One counter per engine metric of docs/metrics.md (runbook names in the comments).
struct EngineStats {
  long long events = 0;  // recognizer events processed (partial + final)
  long long partial_events = 0;
  long long final_events = 0;
  long long audio_updates = 0;
  long long segments = 0;
  long long segments_by_kind[5] = {};  // indexed by SegmentKind
  long long words_forwarded = 0;
  long long partial_results_dropped = 0;        // PartialResultsDropped (rate limit)
  long long duplicates_detected = 0;            // DuplicatesDetected
  long long orphaned_results_flushed = 0;       // OrphanedResultsFlushed
  long long transcribe_fallback_triggered = 0;  // TranscribeFallbackTriggered
  long long discrepancies = 0;                  // finals contradicting forwarded words
  long long discrepancy_warnings = 0;           // ... by more than 20%
  long long late_events = 0;                    // events for results already finalized
  long long overflow_words = 0;                 // words forwarded by the buffer-capacity rule
  long long invalid_events = 0;                 // events rejected (errors)
  long long stability_unavailable = 0;          // sessions warned "stability scores unavailable"
  long long mode_switches = 0;                  // partial <-> final-only switches
  // PartialToFinalRatio: partial events per final event (0 when no final yet).
  double partialToFinalRatio() const;
};

struct Output {
  std::vector<Segment> segments;
  std::vector<core::log::Record> notices;  // ts is 0: the caller stamps and writes them
  void clear() {
    segments.clear();
    notices.clear();
  }
};

class Engine {
 public:
  Engine(std::string session_id, EngineConfig config, Mode mode = Mode::kPartial);
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // A recognizer event arriving at engine time `now`.
  void onEvent(const RecognizerEvent& event, double now, Output& out);
  // The recognizer has consumed audio up to `audio_time` seconds of stream, at engine time
  // `now` (call after the events it produced from that audio; docs/engine.md, rule 3).
  void onAudio(double audio_time, double now, Output& out);
  // Time has passed: timeouts, rate-limit releases, orphans, recognizer health.
  void onTick(double now, Output& out);
  // Switches between partial and final-only mode (flag change, kill switch). Switching to
  // final-only first forwards the committed words still buffered, so nothing is lost or repeated.
  void setMode(Mode mode, double now, Output& out);
  // End of stream: everything still buffered is forwarded (kind orphan, reason end_of_stream).
  void finish(double now, Output& out);

  // Earliest engine time at which onTick may forward or change something; nullopt if none.
  std::optional<double> nextDeadline() const;

  Mode mode() const;        // the mode set by the caller
  bool inFallback() const;  // recognizer-health fallback to final-only active
  const std::string& sessionId() const;
  const EngineConfig& config() const;
  const EngineStats& stats() const;
  // Approximate bytes of state held for this session (object plus heap).
  std::size_t stateBytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::engine
