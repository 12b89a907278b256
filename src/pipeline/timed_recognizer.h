// TimedRecognizer: an asr::Recognizer decorator that measures every call of the recognizer it
// wraps (thread CPU time) and reports each one as a RecognizerStep: the audio consumed so far,
// the compute it took and the events it produced. SessionPipeline wraps the session's recognizer
// in one, so that the delivery thread learns of every chunk consumed (for engine.onAudio and the
// arrival model), not only of chunks that produced events.
//
// Threads: calls come from the thread driving the recognizer (RecognizerWorker); `on_step` runs
// on that thread, inside accept()/finish(), and may block (pipeline backpressure).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "asr/recognizer.h"
#include "core/result.h"
#include "engine/types.h"
#include "pipeline/session_pipeline.h"

namespace parley::pipeline {

class TimedRecognizer final : public asr::Recognizer {
 public:
  using StepCallback = std::function<void(RecognizerStep)>;

  TimedRecognizer(std::unique_ptr<asr::Recognizer> inner, StepCallback on_step);

  core::Status startStream() override;
  // Steps carry audio_time, compute_s and events; arrival and received_at are left to the
  // pipeline. Events are also appended to `out`, as the wrapped recognizer would.
  core::Status accept(std::span<const int16_t> pcm,
                      std::vector<engine::RecognizerEvent>* out) override;
  core::Status finish(std::vector<engine::RecognizerEvent>* out) override;
  double audioSeconds() const override { return inner_->audioSeconds(); }
  std::string name() const override { return inner_->name(); }

 private:
  std::unique_ptr<asr::Recognizer> inner_;
  StepCallback on_step_;
  std::vector<engine::RecognizerEvent> scratch_;
};

}  // namespace parley::pipeline
