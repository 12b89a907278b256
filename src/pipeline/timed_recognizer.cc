#include "pipeline/timed_recognizer.h"

#include <utility>

#include "asr/thread_cpu_clock.h"

namespace parley::pipeline {

TimedRecognizer::TimedRecognizer(std::unique_ptr<asr::Recognizer> inner, StepCallback on_step)
    : inner_(std::move(inner)), on_step_(std::move(on_step)) {}

core::Status TimedRecognizer::startStream() { return inner_->startStream(); }

core::Status TimedRecognizer::accept(std::span<const int16_t> pcm,
                                     std::vector<engine::RecognizerEvent>* out) {
  asr::ThreadCpuClock cpu;
  scratch_.clear();
  const double t0 = cpu.now();
  core::Status status = inner_->accept(pcm, &scratch_);
  RecognizerStep step;
  step.compute_s = cpu.now() - t0;
  step.audio_time = inner_->audioSeconds();
  step.events = scratch_;
  if (out) out->insert(out->end(), scratch_.begin(), scratch_.end());
  if (on_step_) on_step_(std::move(step));
  return status;
}

core::Status TimedRecognizer::finish(std::vector<engine::RecognizerEvent>* out) {
  asr::ThreadCpuClock cpu;
  scratch_.clear();
  const double t0 = cpu.now();
  core::Status status = inner_->finish(&scratch_);
  RecognizerStep step;
  step.compute_s = cpu.now() - t0;
  step.audio_time = inner_->audioSeconds();
  step.end_of_stream = true;
  step.events = scratch_;
  if (out) out->insert(out->end(), scratch_.begin(), scratch_.end());
  if (on_step_) on_step_(std::move(step));
  return status;
}

}  // namespace parley::pipeline
