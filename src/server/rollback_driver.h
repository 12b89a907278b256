// RollbackDriver: the automatic rollback that runs itself. obs::RolloutController decides (pure,
// time passed in, also behind `parley rollout controller --simulate`); this class drives it the
// way engine::Driver drives the Engine: every `interval_s` it reads the rollout flag, builds
// the controller's window from the Monitor (canary = partial sessions, baseline = final-only
// sessions running at the same time), lets obs::RolloutController decide, and carries the
// decision out on the flag store, writing "<metric> <value> <op> <threshold> over <window>" to
// the flag history as the reason (actor "rollout-controller"). Running sessions then react
// through the flag source's change notification like after any other flag change.
//
// It also remembers what it did, for the ops page and GET /api/rollout/controller: the very last
// decision, the last kRecentLimit decisions that were not "none" (newest first; a hold that
// repeats the previous entry's reason word for word is counted on that entry instead of pushing
// real actions out), the last action, the time of the last evaluation, its interval, and the
// controller's cool-downs and promotion state as of that evaluation (stateJson()).
//
// Threads: start() runs the loop on one thread; stepOnce() is the same step, for tests and
// for callers with their own timer (steps are serialized). state() and stateJson() may be called
// from any thread at any time; they never wait for a step's flag store I/O. Not started when
// the controller's off switch is set.
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "flags/flag_value.h"
#include "flags/param_store.h"
#include "obs/monitor.h"
#include "obs/rollout_controller.h"

namespace parley::server {

// One evaluation as remembered for the status: the controller's decision plus when it happened.
struct RecordedDecision {
  obs::ControllerDecision decision;
  double at = 0;        // Unix seconds (wall time) of the evaluation
  double clock_s = 0;   // the RollbackDriver clock's reading at the evaluation
  int repeats = 1;      // identical consecutive holds counted on one entry
  double first_at = 0;  // Unix seconds of the first of the repeats
};

// What RollbackDriver knows about itself, copied out under its lock.
struct RollbackDriverState {
  obs::ControllerConfig config;
  bool running = false;                         // the loop thread is started
  std::optional<double> interval_s;             // set by start()
  std::optional<double> last_evaluation_ago;    // seconds since the last evaluation
  long long evaluations = 0;                    // evaluations so far (stepOnce calls)
  std::optional<RecordedDecision> last;         // the very last decision, "none" included
  std::optional<RecordedDecision> last_action;  // the last disable / set_percentage / alert
  std::deque<RecordedDecision> recent;          // not "none", newest first, bounded
  // As of now (extrapolated from the last evaluation): seconds left per cooling family.
  std::array<std::optional<double>, obs::RolloutController::kFamilyCount> cooldown_left_s{};
  bool promotion_halted = false;
  // Healthy stretch so far (the promotion bake) at the last step; only with a schedule.
  std::optional<double> healthy_s;
};

// "latency" | "errors" | "dropped" | "orphaned" | "complaints".
const char* cooldownFamilyName(obs::RolloutController::Family family);

class RollbackDriver {
 public:
  static constexpr std::size_t kRecentLimit = 50;

  // `clock` times the loop's evaluations (the controller's `t`) and the status's "seconds
  // ago"; nullptr: a SystemClock of its own. It must outlive the RollbackDriver.
  RollbackDriver(flags::ParamStore& store, flags::FlagEnvironment env, obs::Monitor& monitor,
                 obs::ControllerConfig config, const core::Clock* clock = nullptr);
  ~RollbackDriver();
  RollbackDriver(const RollbackDriver&) = delete;
  RollbackDriver& operator=(const RollbackDriver&) = delete;

  // One evaluation: read the flag, decide, act. Returns the decision (with .error set when the
  // store could not be read or written). Recorded for state().
  obs::ControllerDecision stepOnce(double t);

  void start(double interval_s);
  void stop();

  RollbackDriverState state() const;
  // The JSON of GET /api/rollout/controller (docs/protocol.md).
  std::string stateJson() const;

 private:
  void record(const obs::ControllerDecision& d, double clock_s);

  flags::ParamStore& store_;
  flags::FlagEnvironment env_;
  obs::Monitor& monitor_;
  std::unique_ptr<core::Clock> own_clock_;
  const core::Clock* clock_;
  obs::RolloutController controller_;  // used under step_mu_ only
  std::mutex step_mu_;

  // The loop.
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;

  // The status, written after each step, read by HTTP threads.
  mutable std::mutex state_mu_;
  RollbackDriverState state_;
  double last_t_ = 0;  // the controller `t` of the last evaluation
  std::array<std::optional<double>, obs::RolloutController::kFamilyCount> cooldown_until_{};
  std::optional<double> healthy_since_;
};

}  // namespace parley::server
