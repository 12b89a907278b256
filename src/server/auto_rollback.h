// The automatic rollback that runs itself: every `interval_s` it reads the rollout flag, builds
// the controller's window from the Monitor (canary = partial sessions, baseline = final-only
// sessions running at the same time), lets obs::RolloutController decide, and carries the
// decision out on the flag store, writing "<metric> <value> <op> <threshold> over <window>" to
// the flag history as the reason (actor "rollout-controller"). Running sessions then react
// through the flag source's change notification like after any other flag change.
//
// Threads: start() runs the loop on one thread; stepOnce() is the same step, for tests and
// for callers with their own timer. Not started when the controller's off switch is set.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "flags/flag_value.h"
#include "flags/param_store.h"
#include "obs/monitor.h"
#include "obs/rollout_controller.h"

namespace parley::server {

class AutoRollback {
 public:
  AutoRollback(flags::ParamStore& store, flags::FlagEnvironment env, obs::Monitor& monitor,
               obs::ControllerConfig config);
  ~AutoRollback();

  // One evaluation: read the flag, decide, act. Returns the decision (with .error set when the
  // store could not be read or written).
  obs::ControllerDecision stepOnce(double t);

  void start(double interval_s);
  void stop();

 private:
  flags::ParamStore& store_;
  flags::FlagEnvironment env_;
  obs::Monitor& monitor_;
  obs::RolloutController controller_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parley::server
