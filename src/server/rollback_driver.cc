#include "server/rollback_driver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "flags/rollout.h"

namespace parley::server {
namespace {

using Json = nlohmann::json;
using Family = obs::RolloutController::Family;

constexpr const char* kActor = flags::kAutoRollbackActor;

// Carries controller decisions out on the flag store.
class StoreActuator final : public obs::RolloutActuator {
 public:
  StoreActuator(flags::ParamStore& store, const flags::FlagEnvironment& env)
      : store_(store), env_(env) {}

  core::Status setPercentage(int percentage, std::string reason) override {
    flags::RolloutChange change;
    change.rollout_percentage = percentage;
    return write(change, reason);
  }
  core::Status disable(std::string reason) override {
    flags::RolloutChange change;
    change.enabled = false;
    return write(change, reason);
  }
  void alert(std::string reason) override {
    core::log::warn("rollout_controller_alert", "", reason);
  }

 private:
  core::Status write(const flags::RolloutChange& change, const std::string& reason) {
    // `reason` is the controller's ("auto-rollback: <metric> <value> > <threshold> over
    // <window>"); the controller logs the action itself.
    auto written = flags::writeChange(store_, env_, change, kActor, reason);
    if (!written.ok()) return written.error();
    return core::okStatus();
  }

  flags::ParamStore& store_;
  const flags::FlagEnvironment& env_;
};

// Seconds for the status: milliseconds are plenty, and short numbers read better.
double rounded(double seconds) { return std::round(seconds * 1000.0) / 1000.0; }

bool changedOrAlerted(const obs::ControllerDecision& d) {
  if (d.error) return false;
  return d.action == obs::Action::kDisable || d.action == obs::Action::kSetPercentage || d.alert;
}

// A plain hold (no alert) with the same outcome as `prev`: counted on `prev`.
bool sameHold(const RecordedDecision& prev, const obs::ControllerDecision& d) {
  const auto& p = prev.decision;
  return d.action == obs::Action::kHold && !d.alert && p.action == obs::Action::kHold && !p.alert &&
         p.reason == d.reason && p.metric == d.metric && p.error.has_value() == d.error.has_value();
}

Json decisionJson(const RecordedDecision& r) {
  const auto& d = r.decision;
  Json j = {{"t", rounded(d.t)}, {"at", rounded(r.at)}, {"action", obs::actionName(d.action)}};
  if (d.action == obs::Action::kSetPercentage) j["percentage"] = d.percentage;
  j["reason"] = d.reason;
  j["metric"] = d.metric.empty() ? Json(nullptr) : Json(d.metric);
  j["alert"] = d.alert;
  j["error"] = d.error ? Json(d.error->message) : Json(nullptr);
  j["repeats"] = r.repeats;
  j["first_at"] = rounded(r.first_at);
  return j;
}

Json optionalDecision(const std::optional<RecordedDecision>& r) {
  return r ? decisionJson(*r) : Json(nullptr);
}

Json optionalSeconds(const std::optional<double>& s) {
  return s ? Json(rounded(*s)) : Json(nullptr);
}

Json configJson(const obs::ControllerConfig& c) {
  Json promotion = Json::array();
  for (const auto& step : c.promotion) {
    promotion.push_back({{"percentage", step.percentage}, {"bake_s", step.bake_s}});
  }
  return {{"min_samples", c.min_samples},
          {"complaints_min_listeners", c.complaints_min_listeners},
          {"window_s", c.window_s},
          {"complaints_window_s", c.complaints_window_s},
          {"latency_cooldown_s", c.latency_cooldown_s},
          {"error_cooldown_s", c.error_cooldown_s},
          {"other_cooldown_s", c.other_cooldown_s},
          {"latency_disable_s", c.latency_disable_s},
          {"latency_reduce_s", c.latency_reduce_s},
          {"error_disable_rate", c.error_disable_rate},
          {"error_reduce_rate", c.error_reduce_rate},
          {"dropped_reduce_per_min", c.dropped_reduce_per_min},
          {"orphaned_alert_per_session", c.orphaned_alert_per_session},
          {"complaints_reduce_per_hour", c.complaints_reduce_per_hour},
          {"reduce_to", c.reduce_to},
          {"complaints_reduce_to", c.complaints_reduce_to},
          {"promotion", promotion}};
}

}  // namespace

const char* cooldownFamilyName(Family family) {
  switch (family) {
    case Family::kLatency:
      return "latency";
    case Family::kErrors:
      return "errors";
    case Family::kDropped:
      return "dropped";
    case Family::kOrphaned:
      return "orphaned";
    case Family::kComplaints:
    case Family::kFamilyCount:
      break;
  }
  return "complaints";
}

RollbackDriver::RollbackDriver(flags::ParamStore& store, flags::FlagEnvironment env,
                               obs::Monitor& monitor, obs::ControllerConfig config,
                               const core::Clock* clock)
    : store_(store),
      env_(std::move(env)),
      monitor_(monitor),
      own_clock_(clock ? nullptr : std::make_unique<core::SystemClock>()),
      clock_(clock ? clock : own_clock_.get()),
      controller_(config) {
  state_.config = std::move(config);
}

RollbackDriver::~RollbackDriver() { stop(); }

obs::ControllerDecision RollbackDriver::stepOnce(double t) {
  std::lock_guard step_lock(step_mu_);
  obs::ControllerDecision d;
  auto status = flags::readStatus(store_, env_);
  if (!status.ok()) {
    d.t = t;
    d.action = obs::Action::kHold;
    d.reason = "flag store unavailable: " + status.error().message;
    d.error = status.error();
  } else {
    obs::ControllerInput in = monitor_.controllerInput(status->value.rollout_percentage,
                                                       status->value.enabled, controller_.config());
    in.t = t;
    StoreActuator actuator(store_, env_);
    d = controller_.step(in, &actuator);
    if (d.error) {
      core::log::error("rollout_controller_failed", "",
                       "automatic rollback could not change the flag: " + d.error->message);
    }
  }
  record(d, clock_->now());
  return d;
}

void RollbackDriver::record(const obs::ControllerDecision& d, double clock_s) {
  RecordedDecision r{d, core::wallTimeSeconds(), clock_s, 1, 0};
  r.first_at = r.at;
  std::lock_guard lock(state_mu_);
  last_t_ = d.t;
  ++state_.evaluations;
  for (int f = 0; f < obs::RolloutController::kFamilyCount; ++f) {
    cooldown_until_[f] = controller_.cooldownUntil(static_cast<Family>(f));
  }
  healthy_since_ = controller_.healthySince();
  state_.promotion_halted = controller_.promotionHalted();
  state_.last = r;
  if (changedOrAlerted(d)) state_.last_action = r;
  if (d.action == obs::Action::kNone) return;
  auto& recent = state_.recent;
  if (!recent.empty() && sameHold(recent.front(), d)) {
    r.repeats = recent.front().repeats + 1;
    r.first_at = recent.front().first_at;
    recent.front() = std::move(r);
    return;
  }
  recent.push_front(std::move(r));
  if (recent.size() > kRecentLimit) recent.pop_back();
}

RollbackDriverState RollbackDriver::state() const {
  const double now = clock_->now();
  std::lock_guard lock(state_mu_);
  RollbackDriverState s = state_;
  if (!s.last) return s;
  const double elapsed = std::max(0.0, now - s.last->clock_s);
  s.last_evaluation_ago = elapsed;
  // Cool-downs are plain timers: extrapolate them to now. The healthy stretch is only known up
  // to the last evaluation.
  for (int f = 0; f < obs::RolloutController::kFamilyCount; ++f) {
    if (!cooldown_until_[f]) continue;
    double left = *cooldown_until_[f] - (last_t_ + elapsed);
    if (left > 0) s.cooldown_left_s[f] = left;
  }
  if (healthy_since_) s.healthy_s = last_t_ - *healthy_since_;
  return s;
}

std::string RollbackDriver::stateJson() const {
  RollbackDriverState s = state();
  Json cooling = Json::object();
  for (int f = 0; f < obs::RolloutController::kFamilyCount; ++f) {
    if (s.cooldown_left_s[f]) {
      cooling[cooldownFamilyName(static_cast<Family>(f))] = rounded(*s.cooldown_left_s[f]);
    }
  }
  Json recent = Json::array();
  for (const auto& r : s.recent) recent.push_back(decisionJson(r));
  Json j = {{"enabled", s.config.enabled},
            {"running", s.running},
            {"interval_s", optionalSeconds(s.interval_s)},
            {"last_evaluation_s_ago", optionalSeconds(s.last_evaluation_ago)},
            {"evaluations", s.evaluations},
            {"config", configJson(s.config)},
            {"cooling_down", cooling},
            {"promotion_halted", s.promotion_halted},
            {"healthy_s", optionalSeconds(s.healthy_s)},
            {"last", optionalDecision(s.last)},
            {"last_action", optionalDecision(s.last_action)},
            {"recent", recent},
            {"recent_limit", kRecentLimit}};
  return j.dump();
}

void RollbackDriver::start(double interval_s) {
  if (!controller_.config().enabled || thread_.joinable()) return;
  {
    std::lock_guard lock(state_mu_);
    state_.running = true;
    state_.interval_s = interval_s;
  }
  thread_ = std::thread([this, interval_s] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::duration<double>(interval_s), [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      stepOnce(clock_->now());
      lock.lock();
    }
  });
}

void RollbackDriver::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(state_mu_);
  state_.running = false;
}

}  // namespace parley::server
