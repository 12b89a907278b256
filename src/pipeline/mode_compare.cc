#include "pipeline/mode_compare.h"

#include "engine/driver.h"

namespace parley::pipeline {

std::vector<double> wordLatencies(std::span<const engine::Segment> segments) {
  std::vector<double> out;
  for (const auto& seg : segments) {
    for (const auto& w : seg.words) {
      if (w.kind == engine::WordKind::kWord) out.push_back(seg.emitted_at - w.end);
    }
  }
  return out;
}

ModeRun runEngineOnSteps(std::span<const RecognizerStep> steps, const std::string& session_id,
                         const engine::EngineConfig& config, engine::Mode mode, StepClock clock) {
  ModeRun run;
  run.mode = mode;
  engine::Driver driver(session_id, config, mode);
  auto take = [&] {
    for (auto& seg : driver.output().segments) run.segments.push_back(std::move(seg));
    driver.output().clear();
  };
  for (const auto& step : steps) {
    const double t = clock == StepClock::kArrival ? step.arrival : step.received_at;
    for (const auto& e : step.events) driver.event(e, t);
    driver.audio(step.audio_time, t);
    take();
  }
  driver.finish(driver.now());
  take();
  run.stats = driver.engine().stats();
  run.latency = core::summarize(wordLatencies(run.segments));
  return run;
}

}  // namespace parley::pipeline
