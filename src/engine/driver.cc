#include "engine/driver.h"

#include <algorithm>
#include <utility>

namespace parley::engine {

namespace {

// A deadline that does not move after a tick would be an engine bug; stop ticking it after
// this many attempts rather than spin (the next call moves time on).
constexpr int kMaxStuckTicks = 3;

}  // namespace

Driver::Driver(std::string session_id, EngineConfig config, Mode mode)
    : engine_(std::move(session_id), std::move(config), mode) {}

double Driver::clampTime(double now) {
  now_ = std::max(now_, now);
  return now_;
}

void Driver::produced(std::size_t notices_before, double at) {
  for (std::size_t i = notices_before; i < out_.notices.size(); ++i) {
    auto& notice = out_.notices[i];
    notice.ts = at;
    if (notice.session_id.empty()) notice.session_id = engine_.sessionId();
  }
  if (handler_) {
    handler_(out_);
    out_.clear();
  }
}

bool Driver::tick(double deadline, int& stuck) {
  const double at = std::max(deadline, now_);
  const std::size_t before = out_.notices.size();
  engine_.onTick(at, out_);
  now_ = at;
  produced(before, at);
  auto next = engine_.nextDeadline();
  if (next && *next <= at) {
    if (++stuck >= kMaxStuckTicks) return false;
  } else {
    stuck = 0;
  }
  return true;
}

void Driver::advanceTo(double now) {
  now = std::max(now_, now);
  int stuck = 0;
  while (auto deadline = engine_.nextDeadline()) {
    if (*deadline > now) break;
    if (!tick(*deadline, stuck)) break;
  }
  now_ = now;
}

void Driver::tickPending(int max_ticks) {
  int stuck = 0;
  for (int i = 0; i < max_ticks; ++i) {
    auto deadline = engine_.nextDeadline();
    if (!deadline) break;
    if (!tick(*deadline, stuck)) break;
  }
}

void Driver::audio(double audio_time, double now) {
  advanceTo(now);
  const std::size_t before = out_.notices.size();
  engine_.onAudio(audio_time, clampTime(now), out_);
  produced(before, now_);
}

void Driver::event(const RecognizerEvent& event, double now) {
  advanceTo(now);
  const std::size_t before = out_.notices.size();
  engine_.onEvent(event, clampTime(now), out_);
  produced(before, now_);
}

void Driver::setMode(Mode mode, double now) {
  advanceTo(now);
  const std::size_t before = out_.notices.size();
  engine_.setMode(mode, clampTime(now), out_);
  produced(before, now_);
}

void Driver::finish(double now) {
  advanceTo(now);
  const std::size_t before = out_.notices.size();
  engine_.finish(clampTime(now), out_);
  produced(before, now_);
}

}  // namespace parley::engine
