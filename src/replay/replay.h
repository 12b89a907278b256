// Trace replay: runs one session's engine over a trace (ingest/trace.h) in the trace's virtual
// time, the code path shared by `parley replay`, the golden scenarios (tests/golden) and the bench
// (src/bench), and anything else that wants deterministic engine output from recorded recognizer
// input. The engine is driven by engine::Driver, the driver of the live pipeline; the session's
// flag decision is flags::decide, kept sticky by flags::SessionFlagTracker, as in `parley serve`.
//
// Virtual time: engine `now` is each line's arrival time `t`. Before an item at `t`, the engine is
// ticked at every deadline <= t (engine.nextDeadline()); after the last line the remaining
// deadlines are ticked (at most 1000) and the engine is finished. Same trace and options, same
// output, byte for byte.
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/stats.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/types.h"
#include "ingest/trace.h"

namespace parley::replay {

struct ReplayOptions {
  engine::EngineConfig config;
  engine::Mode mode = engine::Mode::kPartial;  // requested starting mode (--mode)
  // PARTIAL_RESULTS_ENABLED=false: final-only for the whole replay; mode lines and flag
  // changes cannot turn partial results on.
  bool kill_switch = false;
  std::string session_id;        // wins over the header's session_id; default "replay"
  bool collect_segments = true;  // keep every Segment in ReplayResult::segments
};

// Called as things happen, in order. Any of them may be empty.
struct ReplayCallbacks {
  std::function<void(const engine::Segment&)> on_segment;
  // Engine notices, stamped with the virtual time (ts) and the session id.
  std::function<void(const core::log::Record&)> on_notice;
  // Rejected lines: unparseable ones and flag patches that cannot apply.
  std::function<void(const ingest::LineError&)> on_error;
  // Each recognizer event with its virtual arrival time, just before the engine gets it (caption
  // lines follow hypotheses).
  std::function<void(const engine::RecognizerEvent&, double t)> on_event;
};

struct ReplayResult {
  std::optional<ingest::TraceHeader> header;
  std::string session_id;
  engine::Mode start_mode = engine::Mode::kPartial;  // effective mode at session start
  engine::Mode end_mode = engine::Mode::kPartial;    // effective mode at the end
  long long items = 0;   // trace items processed (after expanding multi-result AWS lines)
  long long events = 0;  // recognizer events among them
  long long segment_count = 0;
  std::vector<engine::Segment> segments;  // when ReplayOptions::collect_segments
  std::vector<ingest::LineError> errors;  // rejected lines, in order
  engine::EngineStats stats;              // the engine's counters at the end
  // Word latency: segment emitted_at minus the forwarded word's audio end, over forwarded
  // words of kind word (punctuation excluded); count is the number of such words.
  core::Summary latency;
  double end_time = 0;  // virtual time at which the engine was finished
};

ReplayResult replayTrace(std::istream& in, const ReplayOptions& options,
                         const ReplayCallbacks& callbacks = {});

// "replay: events=120 segments=14 words=87 latency_mean=0.412s p50=0.380s p95=0.901s
// (session golden-eagle-427, mode partial)", plus " rejected_lines=N" when lines were rejected.
std::string formatReplaySummary(const ReplayResult& result);

}  // namespace parley::replay
