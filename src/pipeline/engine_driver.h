// EngineDriver: drives one session's engine::Engine through session time, the single code path
// shared by the live delivery thread (SessionPipeline) and the offline reruns of recorded
// recognition (mode_compare.h), so that both produce the same segments from the same steps.
//
// Time never goes backwards: a call with an earlier `now` is treated as happening at the latest
// time seen. Before anything happens at `now`, every engine deadline <= now is ticked, exactly at
// the deadline (engine.nextDeadline()), which is what an engine ticked continuously would do.
// Segments and notices accumulate in output() until the caller takes them.
// Not thread-safe (the engine is not): one thread drives a driver.
#pragma once

#include <optional>
#include <string>

#include "engine/config.h"
#include "engine/engine.h"
#include "engine/types.h"

namespace parley::pipeline {

class EngineDriver {
 public:
  EngineDriver(std::string session_id, engine::EngineConfig config, engine::Mode mode);

  // Ticks every deadline <= now.
  void advanceTo(double now);
  // Audio consumed up to `audio_time` stream seconds, at `now`.
  void audio(double audio_time, double now);
  void event(const engine::RecognizerEvent& event, double now);
  void setMode(engine::Mode mode, double now);
  // End of stream: forwards everything still buffered at `now` (no further ticks).
  void finish(double now);

  std::optional<double> nextDeadline() const { return engine_.nextDeadline(); }
  double now() const { return now_; }
  const engine::Engine& engine() const { return engine_; }

  // Segments (seq order) and notices (ts 0) produced since the last clear().
  engine::Output& output() { return out_; }

 private:
  double clampTime(double now);

  engine::Engine engine_;
  engine::Output out_;
  double now_ = 0;
};

}  // namespace parley::pipeline
