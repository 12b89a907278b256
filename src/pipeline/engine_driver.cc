#include "pipeline/engine_driver.h"

#include <algorithm>
#include <utility>

namespace parley::pipeline {

namespace {

// A deadline that does not move after a tick would be an engine bug; stop ticking it after
// this many attempts rather than spin (the next call moves time on).
constexpr int kMaxStuckTicks = 3;

}  // namespace

EngineDriver::EngineDriver(std::string session_id, engine::EngineConfig config, engine::Mode mode)
    : engine_(std::move(session_id), std::move(config), mode) {}

double EngineDriver::clampTime(double now) {
  now_ = std::max(now_, now);
  return now_;
}

void EngineDriver::advanceTo(double now) {
  now = std::max(now_, now);
  int stuck = 0;
  while (auto deadline = engine_.nextDeadline()) {
    if (*deadline > now) break;
    const double at = std::max(*deadline, now_);
    engine_.onTick(at, out_);
    now_ = at;
    auto next = engine_.nextDeadline();
    if (next && *next <= at) {
      if (++stuck >= kMaxStuckTicks) break;
    } else {
      stuck = 0;
    }
  }
  now_ = now;
}

void EngineDriver::audio(double audio_time, double now) {
  advanceTo(now);
  engine_.onAudio(audio_time, clampTime(now), out_);
}

void EngineDriver::event(const engine::RecognizerEvent& event, double now) {
  advanceTo(now);
  engine_.onEvent(event, clampTime(now), out_);
}

void EngineDriver::setMode(engine::Mode mode, double now) {
  advanceTo(now);
  engine_.setMode(mode, clampTime(now), out_);
}

void EngineDriver::finish(double now) {
  advanceTo(now);
  engine_.finish(clampTime(now), out_);
}

}  // namespace parley::pipeline
