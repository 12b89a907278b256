// Reruns the engine on recorded recognition (RecognizerSteps from a SessionPipeline) so that two
// modes can be compared on exactly the same recognizer output: `parley run` decodes the audio
// once and reports word latency in partial and final-only mode side by side (summarized by
// core::summarize, core/stats.h).
//
// Pure and deterministic: the same steps, config and mode give the same segments, byte for
// byte, and the same segments the pipeline produced live when it ran with
// Timing::kArrivalModel (both drive the engine through engine::Driver).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/stats.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/types.h"
#include "pipeline/session_pipeline.h"

namespace parley::pipeline {

// Word latency of each forwarded word (kind word; punctuation excluded): the segment's
// emitted_at minus the word's audio end time.
std::vector<double> wordLatencies(std::span<const engine::Segment> segments);

// Which time of a step the engine sees.
enum class StepClock {
  kArrival,   // RecognizerStep::arrival (the arrival model; deterministic)
  kReceived,  // RecognizerStep::received_at (what a live session measured)
};

struct ModeRun {
  engine::Mode mode = engine::Mode::kPartial;
  std::vector<engine::Segment> segments;
  engine::EngineStats stats;
  core::Summary latency;  // of wordLatencies(segments)
};

// Feeds each step to a fresh engine the way the delivery thread does: at the step's time, its
// events, then the audio consumed (onAudio); deadlines are ticked in between; finish() at the
// last step's time. Engine notices are dropped (the live run logged them).
ModeRun runEngineOnSteps(std::span<const RecognizerStep> steps, const std::string& session_id,
                         const engine::EngineConfig& config, engine::Mode mode,
                         StepClock clock = StepClock::kArrival);

}  // namespace parley::pipeline
