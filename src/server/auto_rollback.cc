#include "server/auto_rollback.h"

#include <chrono>

#include "core/log.h"
#include "flags/rollout.h"

namespace parley::server {
namespace {

constexpr const char* kActor = "rollout-controller";

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
    core::log::warn("rollout_controller_alert", "", "automatic rollback alert: " + reason);
  }

 private:
  core::Status write(const flags::RolloutChange& change, const std::string& reason) {
    auto written = flags::writeChange(store_, env_, change, kActor, "auto-rollback: " + reason);
    if (!written.ok()) return written.error();
    core::log::warn("rollout_controller_action", "",
                    "automatic rollback changed the rollout: " + reason,
                    {{"version", written->written.version}});
    return core::okStatus();
  }

  flags::ParamStore& store_;
  const flags::FlagEnvironment& env_;
};

}  // namespace

AutoRollback::AutoRollback(flags::ParamStore& store, flags::FlagEnvironment env,
                           obs::Monitor& monitor, obs::ControllerConfig config)
    : store_(store), env_(std::move(env)), monitor_(monitor), controller_(std::move(config)) {}

AutoRollback::~AutoRollback() { stop(); }

obs::ControllerDecision AutoRollback::stepOnce(double t) {
  auto status = flags::readStatus(store_, env_);
  if (!status.ok()) {
    obs::ControllerDecision d;
    d.t = t;
    d.action = obs::Action::kHold;
    d.reason = "flag store unavailable: " + status.error().message;
    d.error = status.error();
    return d;
  }
  obs::ControllerInput in = monitor_.controllerInput(status->value.rollout_percentage,
                                                     status->value.enabled, controller_.config());
  in.t = t;
  StoreActuator actuator(store_, env_);
  obs::ControllerDecision d = controller_.step(in, &actuator);
  if (d.error) {
    core::log::error("rollout_controller_failed", "",
                     "automatic rollback could not change the flag: " + d.error->message);
  }
  return d;
}

void AutoRollback::start(double interval_s) {
  if (!controller_.config().enabled || thread_.joinable()) return;
  thread_ = std::thread([this, interval_s] {
    const auto begin = std::chrono::steady_clock::now();
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::duration<double>(interval_s), [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      stepOnce(t);
      lock.lock();
    }
  });
}

void AutoRollback::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace parley::server
