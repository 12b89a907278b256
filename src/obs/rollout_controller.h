// The automatic rollback controller: the runbook's decision matrix applied to canary (partial
// mode) metrics, with baseline (final-only) sessions running at the same time as context. Pure
// logic with time passed in: step() takes one metrics window and returns one decision, and an
// injected RolloutActuator (the server implements it on the flag store) carries it out. The
// rules, precisely (docs/alarms.md repeats them):
//   - Off switch: config.enabled=false -> every step is "none" (reason "controller off").
//   - Rollout at 0% or disabled -> "none": the controller never enables anything.
//   - Canary samples (sessions seen in the window) < min_samples -> "hold", reason
//     "insufficient data (N < MIN)": never a failure, never an action.
//   - Matrix rows (canary value, strict >): latency_p95_s > 7 disable, > 5 set 50%;
//     error_rate > 0.05 disable, > 0.02 set 50%; dropped_per_min > 200 set 50%;
//     orphaned_per_session > 20 hold and alert; complaints_per_hour > 5 set 10%.
//   - complaints_per_hour counts distinct complaining listeners (scaled to an hour), and the
//     complaints row needs complaining_listeners >= complaints_min_listeners: with fewer, a
//     breached complaints row is held, reason "...; insufficient data (N < MIN listeners)"
//     (as min_samples does for the whole step), and a baseline with fewer gives no context.
//   - A breached row is held (not acted on) when: the baseline has >= min_samples and breaches
//     the same threshold (not the feature's fault); its family (latency, errors, dropped,
//     orphaned, complaints) is cooling down after an action of that family (300 s latency,
//     120 s errors, 300 s others) because the window still holds pre-action data; or its
//     target percentage is not below the current one (the controller never raises by a row).
//   - Of the breached rows the most severe actionable one wins: disable, then the lowest
//     percentage, then hold-and-alert, then hold.
//   - Promotion only with a configured schedule (e.g. 10 -> 50 -> 100): after the canary has
//     been healthy (enough samples, no row breached, no cool-down) for the bake time of the
//     current step, set the next step. Any rollback action halts promotion until reset().
// Not thread-safe: one controller, driven by one thread (the server's timer or the simulator).
#pragma once

#include <array>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace parley::obs {

// One side's metrics over the window. NaN means "no data" and never breaches a row.
struct SideMetrics {
  int samples = 0;  // sessions of this side seen during the window
  double latency_p95_s = std::numeric_limits<double>::quiet_NaN();
  double error_rate = std::numeric_limits<double>::quiet_NaN();  // errors / (events + errors)
  double dropped_per_min = std::numeric_limits<double>::quiet_NaN();
  double orphaned_per_session = std::numeric_limits<double>::quiet_NaN();
  // Distinct listeners with a counted complaint in the complaints window, scaled to an hour
  // (the name is kept from when it counted complaints: one listener is one voice however often
  // it complains).
  double complaints_per_hour = std::numeric_limits<double>::quiet_NaN();
  // The same listeners, not scaled: the complaints row needs complaints_min_listeners of them.
  int complaining_listeners = 0;
};

struct ControllerInput {
  double t = 0;         // seconds, non-decreasing from step to step
  int percentage = 0;   // current rollout percentage
  bool enabled = true;  // flag store `enabled`
  SideMetrics canary;
  SideMetrics baseline;
};

enum class Action { kNone, kHold, kDisable, kSetPercentage };
const char* actionName(Action a);  // "none" | "hold" | "disable" | "set_percentage"

struct ControllerDecision {
  double t = 0;
  Action action = Action::kNone;
  int percentage = -1;  // only with kSetPercentage
  std::string reason;
  std::string metric;                // the deciding row's metric, empty when none
  bool alert = false;                // hold-and-alert row raised an alert in this step
  std::optional<core::Error> error;  // the actuator failed; the state was not changed
};

struct PromotionStep {
  int percentage = 0;
  double bake_s = 0;  // healthy time needed at this percentage before the next step
};

// "10:3600,50:86400,100" -> steps. Percentages strictly ascending in 1..100, bake >= 0.
core::Result<std::vector<PromotionStep>> parsePromotionSchedule(std::string_view text);

struct ControllerConfig {
  bool enabled = true;  // the off switch
  int min_samples = 5;
  int complaints_min_listeners = 3;   // distinct complaining listeners the complaints row needs
  double window_s = 300;              // the window of latency, errors, dropped, orphaned
  double complaints_window_s = 3600;  // the window of complaints
  double latency_cooldown_s = 300;
  double error_cooldown_s = 120;
  double other_cooldown_s = 300;  // dropped, orphaned (alerts), complaints
  // The runbook's decision matrix.
  double latency_disable_s = 7;
  double latency_reduce_s = 5;
  double error_disable_rate = 0.05;
  double error_reduce_rate = 0.02;
  double dropped_reduce_per_min = 200;
  double orphaned_alert_per_session = 20;
  double complaints_reduce_per_hour = 5;
  int reduce_to = 50;
  int complaints_reduce_to = 10;
  std::vector<PromotionStep> promotion;  // empty: never raise

  // Every problem, each naming the field and its valid range. Empty when valid.
  std::vector<std::string> validate() const;
};

// Carries decisions out; the server implements it on top of the flag store, writing `reason`
// to the flag history.
class RolloutActuator {
 public:
  virtual ~RolloutActuator() = default;
  virtual core::Status setPercentage(int percentage, std::string reason) = 0;
  virtual core::Status disable(std::string reason) = 0;
  // A hold-and-alert row fired (orphaned results): surface it (log, /api/alarms, ops page).
  virtual void alert(std::string reason) { (void)reason; }
};

class RolloutController {
 public:
  explicit RolloutController(ControllerConfig config);

  // Decides on one window and, with an actuator, carries the decision out. The controller's
  // state (cool-downs, bake clock, promotion halt) changes only when the action succeeded.
  ControllerDecision step(const ControllerInput& in, RolloutActuator* actuator = nullptr);
  // Forgets cool-downs, the bake clock and the promotion halt.
  void reset();
  const ControllerConfig& config() const { return config_; }

  enum Family { kLatency = 0, kErrors, kDropped, kOrphaned, kComplaints, kFamilyCount };

  // Read-only views of the state, for status pages (times are in the `t` of step()).
  // The end of the family's cool-down; nullopt when it never acted.
  std::optional<double> cooldownUntil(Family family) const { return cooldown_until_[family]; }
  // Start of the current healthy stretch (the promotion bake clock); nullopt when not healthy
  // or without a promotion schedule.
  std::optional<double> healthySince() const { return healthy_since_; }
  bool promotionHalted() const { return promotion_halted_; }

 private:
  ControllerConfig config_;
  std::array<std::optional<double>, kFamilyCount> cooldown_until_{};
  std::array<double, kFamilyCount> last_action_at_{};
  std::optional<double> healthy_since_;
  std::optional<int> last_percentage_;
  bool promotion_halted_ = false;
};

// JSON lines of `parley rollout controller --simulate`: one input window per line (see
// docs/alarms.md) and one decision per line.
core::Result<ControllerInput> parseControllerInput(std::string_view line);
std::string decisionJson(const ControllerDecision& d);

}  // namespace parley::obs
