#include "obs/rollout_controller.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/log.h"

namespace parley::obs {
namespace {

std::string num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string duration(double seconds) {
  if (seconds > 0 && std::fmod(seconds, 3600) == 0) return num(seconds / 3600) + "h";
  if (seconds > 0 && std::fmod(seconds, 60) == 0) return num(seconds / 60) + "m";
  return num(seconds) + "s";
}

// One breached row of the matrix, before the hold rules are applied.
struct Row {
  int family;
  const char* metric;
  double value;
  double threshold;
  double baseline_value;
  Action action;  // kDisable, kSetPercentage or kHold (hold and alert)
  int percentage;
  std::string window;
  // Non-empty: the row lacks the data it needs to act (complaints: too few listeners).
  std::string insufficient = {};
  bool baseline_has_data = true;  // beyond baseline samples >= min_samples
};

// Severity order: disable > lower percentage > hold-and-alert > hold > none.
int severity(Action a, int percentage, bool alert) {
  switch (a) {
    case Action::kDisable:
      return 1000;
    case Action::kSetPercentage:
      return 500 + (100 - percentage);
    case Action::kHold:
      return alert ? 200 : 100;
    case Action::kNone:
      return 0;
  }
  return 0;
}

const char* familyName(int family) {
  static const char* kNames[] = {"latency", "errors", "dropped", "orphaned", "complaints"};
  return kNames[family];
}

}  // namespace

const char* actionName(Action a) {
  switch (a) {
    case Action::kNone:
      return "none";
    case Action::kHold:
      return "hold";
    case Action::kDisable:
      return "disable";
    case Action::kSetPercentage:
      return "set_percentage";
  }
  return "none";
}

core::Result<std::vector<PromotionStep>> parsePromotionSchedule(std::string_view text) {
  std::vector<PromotionStep> steps;
  std::string s(text);
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? s.size() + 1 : comma + 1;
    std::size_t colon = item.find(':');
    std::string pct_text = item.substr(0, colon);
    std::string bake_text = colon == std::string::npos ? "0" : item.substr(colon + 1);
    char* end = nullptr;
    long pct = std::strtol(pct_text.c_str(), &end, 10);
    if (pct_text.empty() || *end != '\0' || pct < 1 || pct > 100) {
      return core::Error::invalid("promotion step '" + item +
                                  "': percentage must be an integer in [1, 100]");
    }
    double bake = std::strtod(bake_text.c_str(), &end);
    if (bake_text.empty() || *end != '\0' || !std::isfinite(bake) || bake < 0) {
      return core::Error::invalid("promotion step '" + item +
                                  "': bake time must be seconds >= 0 (PERCENT:SECONDS)");
    }
    if (!steps.empty() && pct <= steps.back().percentage) {
      return core::Error::invalid("promotion schedule percentages must be strictly ascending");
    }
    steps.push_back({static_cast<int>(pct), bake});
  }
  if (steps.empty()) return core::Error::invalid("promotion schedule is empty");
  return steps;
}

std::vector<std::string> ControllerConfig::validate() const {
  std::vector<std::string> problems;
  auto positive = [&](const char* name, double v) {
    if (!(v > 0) || !std::isfinite(v)) problems.push_back(std::string(name) + " must be > 0");
  };
  auto nonneg = [&](const char* name, double v) {
    if (!(v >= 0) || !std::isfinite(v)) problems.push_back(std::string(name) + " must be >= 0");
  };
  if (min_samples < 1) problems.push_back("min_samples must be an integer >= 1");
  if (complaints_min_listeners < 1) {
    problems.push_back("complaints_min_listeners must be an integer >= 1");
  }
  positive("window_s", window_s);
  positive("complaints_window_s", complaints_window_s);
  nonneg("latency_cooldown_s", latency_cooldown_s);
  nonneg("error_cooldown_s", error_cooldown_s);
  nonneg("other_cooldown_s", other_cooldown_s);
  positive("latency_reduce_s", latency_reduce_s);
  if (!(latency_disable_s >= latency_reduce_s)) {
    problems.push_back("latency_disable_s must be >= latency_reduce_s");
  }
  if (!(error_reduce_rate > 0 && error_reduce_rate <= error_disable_rate &&
        error_disable_rate <= 1)) {
    problems.push_back("error rates must satisfy 0 < error_reduce_rate <= error_disable_rate <= 1");
  }
  positive("dropped_reduce_per_min", dropped_reduce_per_min);
  positive("orphaned_alert_per_session", orphaned_alert_per_session);
  positive("complaints_reduce_per_hour", complaints_reduce_per_hour);
  if (reduce_to < 1 || reduce_to > 99) problems.push_back("reduce_to must be in [1, 99]");
  if (complaints_reduce_to < 1 || complaints_reduce_to > 99) {
    problems.push_back("complaints_reduce_to must be in [1, 99]");
  }
  for (std::size_t i = 0; i < promotion.size(); ++i) {
    if (promotion[i].percentage < 1 || promotion[i].percentage > 100 ||
        (i > 0 && promotion[i].percentage <= promotion[i - 1].percentage)) {
      problems.push_back("promotion percentages must be strictly ascending in [1, 100]");
      break;
    }
  }
  return problems;
}

RolloutController::RolloutController(ControllerConfig config) : config_(std::move(config)) {}

void RolloutController::reset() {
  cooldown_until_ = {};
  last_action_at_ = {};
  healthy_since_.reset();
  last_percentage_.reset();
  promotion_halted_ = false;
}

ControllerDecision RolloutController::step(const ControllerInput& in, RolloutActuator* actuator) {
  ControllerDecision d;
  d.t = in.t;
  if (!config_.enabled) {
    d.reason = "controller off";
    return d;
  }
  if (!in.enabled || in.percentage <= 0) {
    healthy_since_.reset();
    last_percentage_ = 0;
    d.reason = "rollout disabled (0%): the controller never enables";
    return d;
  }
  if (last_percentage_ != in.percentage) {
    healthy_since_.reset();  // a new level (ours or an operator's): its bake starts now
    last_percentage_ = in.percentage;
  }
  const SideMetrics& c = in.canary;
  const SideMetrics& b = in.baseline;
  if (c.samples < config_.min_samples) {
    healthy_since_.reset();
    d.action = Action::kHold;
    d.reason = "insufficient data (" + std::to_string(c.samples) + " < " +
               std::to_string(config_.min_samples) + ")";
    return d;
  }

  const std::string window = duration(config_.window_s);
  std::vector<Row> rows;
  auto breached = [](double v, double threshold) { return !std::isnan(v) && v > threshold; };
  if (breached(c.latency_p95_s, config_.latency_disable_s)) {
    rows.push_back({kLatency, "latency_p95_s", c.latency_p95_s, config_.latency_disable_s,
                    b.latency_p95_s, Action::kDisable, 0, window});
  } else if (breached(c.latency_p95_s, config_.latency_reduce_s)) {
    rows.push_back({kLatency, "latency_p95_s", c.latency_p95_s, config_.latency_reduce_s,
                    b.latency_p95_s, Action::kSetPercentage, config_.reduce_to, window});
  }
  if (breached(c.error_rate, config_.error_disable_rate)) {
    rows.push_back({kErrors, "error_rate", c.error_rate, config_.error_disable_rate, b.error_rate,
                    Action::kDisable, 0, window});
  } else if (breached(c.error_rate, config_.error_reduce_rate)) {
    rows.push_back({kErrors, "error_rate", c.error_rate, config_.error_reduce_rate, b.error_rate,
                    Action::kSetPercentage, config_.reduce_to, window});
  }
  if (breached(c.dropped_per_min, config_.dropped_reduce_per_min)) {
    rows.push_back({kDropped, "dropped_per_min", c.dropped_per_min, config_.dropped_reduce_per_min,
                    b.dropped_per_min, Action::kSetPercentage, config_.reduce_to, window});
  }
  if (breached(c.orphaned_per_session, config_.orphaned_alert_per_session)) {
    rows.push_back({kOrphaned, "orphaned_per_session", c.orphaned_per_session,
                    config_.orphaned_alert_per_session, b.orphaned_per_session, Action::kHold, 0,
                    window});
  }
  if (breached(c.complaints_per_hour, config_.complaints_reduce_per_hour)) {
    Row row{kComplaints,
            "complaints_per_hour",
            c.complaints_per_hour,
            config_.complaints_reduce_per_hour,
            b.complaints_per_hour,
            Action::kSetPercentage,
            config_.complaints_reduce_to,
            duration(config_.complaints_window_s)};
    // Like min_samples for the whole step: too few distinct voices is no signal.
    if (c.complaining_listeners < config_.complaints_min_listeners) {
      row.insufficient = "insufficient data (" + std::to_string(c.complaining_listeners) + " < " +
                         std::to_string(config_.complaints_min_listeners) + " listeners)";
    }
    row.baseline_has_data = b.complaining_listeners >= config_.complaints_min_listeners;
    rows.push_back(std::move(row));
  }

  bool cooling = false;
  for (int f = 0; f < kFamilyCount; ++f) {
    if (cooldown_until_[f] && in.t < *cooldown_until_[f]) cooling = true;
  }

  if (rows.empty()) {
    d.reason = "all metrics within thresholds";
    if (config_.promotion.empty()) return d;
    if (promotion_halted_) {
      d.reason += " (promotion halted after a rollback until reset)";
      return d;
    }
    if (cooling) {
      healthy_since_.reset();
      d.reason += " (cooling down: no promotion)";
      return d;
    }
    if (!healthy_since_) healthy_since_ = in.t;
    // Next step above the current percentage; bake of the largest step at or below it.
    const PromotionStep* next = nullptr;
    double bake = config_.promotion.front().bake_s;
    for (const auto& s : config_.promotion) {
      if (s.percentage <= in.percentage) bake = s.bake_s;
      if (s.percentage > in.percentage && !next) next = &s;
    }
    double healthy_for = in.t - *healthy_since_;
    if (!next) {
      d.reason = "all metrics within thresholds (at the last promotion step)";
      return d;
    }
    if (healthy_for < bake) {
      d.reason = "all metrics within thresholds; promotion to " + std::to_string(next->percentage) +
                 "% after healthy " + num(bake) + " s (" + num(healthy_for) + " s so far)";
      return d;
    }
    d.action = Action::kSetPercentage;
    d.percentage = next->percentage;
    d.metric = "healthy_s";
    d.reason = "promotion: healthy_s " + num(healthy_for) + " >= " + num(bake) + " over bake at " +
               std::to_string(in.percentage) + "%";
    if (actuator) {
      auto st = actuator->setPercentage(d.percentage, "auto-rollout: " + d.reason);
      if (!st.ok()) {
        d.error = st.error();
        return d;
      }
    }
    healthy_since_.reset();
    last_percentage_ = d.percentage;
    core::log::info("rollout_controller_action", "", "Rollout controller: " + d.reason,
                    {{"action", actionName(d.action)}, {"percentage", d.percentage}});
    return d;
  }

  // A breach: not healthy, whatever happens next.
  healthy_since_.reset();
  struct Candidate {
    Action action;
    int percentage;
    bool alert;
    std::string reason;
    const Row* row;
  };
  std::optional<Candidate> best;
  for (const Row& r : rows) {
    std::string reason =
        std::string(r.metric) + " " + num(r.value) + " > " + num(r.threshold) + " over " + r.window;
    Candidate cand{r.action, r.percentage, r.action == Action::kHold, reason, &r};
    if (!r.insufficient.empty()) {
      cand = {Action::kHold, 0, false, reason + "; " + r.insufficient, &r};
    } else if (b.samples >= config_.min_samples && r.baseline_has_data &&
               breached(r.baseline_value, r.threshold)) {
      cand = {Action::kHold, 0, false,
              reason + "; baseline " + num(r.baseline_value) + " also > " + num(r.threshold) +
                  ": not the feature's fault",
              &r};
    } else if (cooldown_until_[r.family] && in.t < *cooldown_until_[r.family]) {
      cand = {Action::kHold, 0, false,
              reason + "; cooling down until t=" + num(*cooldown_until_[r.family]) + " after " +
                  familyName(r.family) + " action at t=" + num(last_action_at_[r.family]),
              &r};
    } else if (r.action == Action::kSetPercentage && r.percentage >= in.percentage) {
      cand = {Action::kHold, 0, false,
              reason + "; rollout already at " + std::to_string(in.percentage) +
                  "% <= " + std::to_string(r.percentage) + "%",
              &r};
    }
    if (!best || severity(cand.action, cand.percentage, cand.alert) >
                     severity(best->action, best->percentage, best->alert)) {
      best = cand;
    }
  }
  d.action = best->action;
  d.reason = best->reason;
  d.metric = best->row->metric;
  if (d.action == Action::kSetPercentage) d.percentage = best->percentage;
  d.alert = best->alert;

  const int family = best->row->family;
  double cooldown = family == kLatency  ? config_.latency_cooldown_s
                    : family == kErrors ? config_.error_cooldown_s
                                        : config_.other_cooldown_s;
  if (d.action == Action::kDisable || d.action == Action::kSetPercentage) {
    if (actuator) {
      std::string why = "auto-rollback: " + d.reason;
      auto st = d.action == Action::kDisable ? actuator->disable(why)
                                             : actuator->setPercentage(d.percentage, why);
      if (!st.ok()) {
        d.error = st.error();
        return d;
      }
    }
    cooldown_until_[family] = in.t + cooldown;
    last_action_at_[family] = in.t;
    promotion_halted_ = true;
    last_percentage_ = d.action == Action::kDisable ? 0 : d.percentage;
    core::log::warn("rollout_controller_action", "", "Rollout controller: " + d.reason,
                    {{"action", actionName(d.action)}, {"metric", d.metric}});
  } else if (d.alert) {
    if (actuator) actuator->alert("auto-rollback hold: " + d.reason);
    cooldown_until_[family] = in.t + cooldown;  // one alert per cool-down, not one per step
    last_action_at_[family] = in.t;
    core::log::warn("rollout_controller_alert", "",
                    "Rollout controller: hold and alert: " + d.reason);
  }
  return d;
}

}  // namespace parley::obs
