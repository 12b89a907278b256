#include "obs/rollout_controller.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace parley::obs {
namespace {

// A healthy side with plenty of samples; tests change one metric at a time.
SideMetrics healthy(int samples = 20) {
  SideMetrics s;
  s.samples = samples;
  s.latency_p95_s = 1.0;
  s.error_rate = 0.001;
  s.dropped_per_min = 10;
  s.orphaned_per_session = 1;
  s.complaints_per_hour = 0;
  return s;
}

ControllerInput window(double t, int percentage, SideMetrics canary,
                       SideMetrics baseline = SideMetrics{}) {
  ControllerInput in;
  in.t = t;
  in.percentage = percentage;
  in.canary = canary;
  in.baseline = baseline;
  return in;
}

// Records what the controller asked for; can be told to fail.
class RecordingActuator : public RolloutActuator {
 public:
  core::Status setPercentage(int percentage, std::string reason) override {
    calls.push_back("set " + std::to_string(percentage) + ": " + reason);
    if (fail) return core::Error::unavailable("store down");
    return core::okStatus();
  }
  core::Status disable(std::string reason) override {
    calls.push_back("disable: " + reason);
    if (fail) return core::Error::unavailable("store down");
    return core::okStatus();
  }
  void alert(std::string reason) override { alerts.push_back(std::move(reason)); }
  std::vector<std::string> calls;
  std::vector<std::string> alerts;
  bool fail = false;
};

struct MatrixRow {
  const char* name;
  void (*breach)(SideMetrics&);
  Action action;
  int percentage;
  const char* reason;
};

class DecisionMatrix : public ::testing::TestWithParam<MatrixRow> {};

TEST_P(DecisionMatrix, RowActsOnCanary) {
  const MatrixRow& row = GetParam();
  RolloutController controller({});
  RecordingActuator actuator;
  SideMetrics canary = healthy();
  row.breach(canary);
  ControllerDecision d = controller.step(window(1000, 100, canary, healthy()), &actuator);
  EXPECT_EQ(d.action, row.action) << d.reason;
  if (row.action == Action::kSetPercentage) {
    EXPECT_EQ(d.percentage, row.percentage);
  }
  EXPECT_EQ(d.reason, row.reason);
  EXPECT_FALSE(d.error);
  if (row.action == Action::kDisable || row.action == Action::kSetPercentage) {
    ASSERT_EQ(actuator.calls.size(), 1u);
    EXPECT_NE(actuator.calls[0].find(row.reason), std::string::npos) << actuator.calls[0];
  } else {
    EXPECT_TRUE(actuator.calls.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Runbook, DecisionMatrix,
    ::testing::Values(
        MatrixRow{"latency_disable", [](SideMetrics& s) { s.latency_p95_s = 7.5; },
                  Action::kDisable, 0, "latency_p95_s 7.5 > 7 over 5m"},
        MatrixRow{"latency_reduce", [](SideMetrics& s) { s.latency_p95_s = 6; },
                  Action::kSetPercentage, 50, "latency_p95_s 6 > 5 over 5m"},
        MatrixRow{"latency_exactly_7_reduces", [](SideMetrics& s) { s.latency_p95_s = 7; },
                  Action::kSetPercentage, 50, "latency_p95_s 7 > 5 over 5m"},
        MatrixRow{"error_disable", [](SideMetrics& s) { s.error_rate = 0.08; }, Action::kDisable, 0,
                  "error_rate 0.08 > 0.05 over 5m"},
        MatrixRow{"error_reduce", [](SideMetrics& s) { s.error_rate = 0.03; },
                  Action::kSetPercentage, 50, "error_rate 0.03 > 0.02 over 5m"},
        MatrixRow{"dropped_reduce", [](SideMetrics& s) { s.dropped_per_min = 250; },
                  Action::kSetPercentage, 50, "dropped_per_min 250 > 200 over 5m"},
        MatrixRow{"orphaned_hold_alert", [](SideMetrics& s) { s.orphaned_per_session = 25; },
                  Action::kHold, 0, "orphaned_per_session 25 > 20 over 5m"},
        MatrixRow{"complaints_reduce",
                  [](SideMetrics& s) {
                    s.complaints_per_hour = 6;
                    s.complaining_listeners = 6;
                  },
                  Action::kSetPercentage, 10, "complaints_per_hour 6 > 5 over 1h"},
        MatrixRow{"complaints_too_few_listeners",
                  [](SideMetrics& s) {
                    s.complaints_per_hour = 6;
                    s.complaining_listeners = 2;
                  },
                  Action::kHold, 0,
                  "complaints_per_hour 6 > 5 over 1h; insufficient data (2 < 3 listeners)"},
        MatrixRow{"at_thresholds_nothing",
                  [](SideMetrics& s) {
                    s.latency_p95_s = 5;
                    s.error_rate = 0.02;
                    s.dropped_per_min = 200;
                    s.orphaned_per_session = 20;
                    s.complaints_per_hour = 5;
                  },
                  Action::kNone, 0, "all metrics within thresholds"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RolloutController, OrphanedRowRaisesOneAlertPerCooldown) {
  RolloutController controller({});
  RecordingActuator actuator;
  SideMetrics canary = healthy();
  canary.orphaned_per_session = 30;
  auto d = controller.step(window(0, 100, canary), &actuator);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_TRUE(d.alert);
  d = controller.step(window(60, 100, canary), &actuator);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_FALSE(d.alert);
  EXPECT_NE(d.reason.find("cooling down until t=300"), std::string::npos) << d.reason;
  d = controller.step(window(300, 100, canary), &actuator);
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(actuator.alerts.size(), 2u);
  EXPECT_TRUE(actuator.calls.empty());
}

TEST(RolloutController, MostSevereRowWins) {
  RolloutController controller({});
  SideMetrics canary = healthy();
  canary.latency_p95_s = 6;        // -> 50%
  canary.complaints_per_hour = 9;  // -> 10%
  canary.complaining_listeners = 9;
  auto d = controller.step(window(0, 100, canary));
  EXPECT_EQ(d.action, Action::kSetPercentage);
  EXPECT_EQ(d.percentage, 10);
  EXPECT_EQ(d.metric, "complaints_per_hour");
  canary.error_rate = 0.2;  // -> disable beats both
  RolloutController other({});
  d = other.step(window(0, 100, canary));
  EXPECT_EQ(d.action, Action::kDisable);
  EXPECT_EQ(d.metric, "error_rate");
}

// The complaints row counts distinct listeners and needs complaints_min_listeners of them, like
// min_samples for the whole step: a few voices (or one script) are not a signal.
TEST(RolloutController, ComplaintsRowNeedsMinimumDistinctListeners) {
  ControllerConfig config;
  config.complaints_min_listeners = 4;
  config.complaints_window_s = 600;  // one listener = 6 per hour: the rate alone would breach
  RolloutController controller(config);
  RecordingActuator actuator;
  SideMetrics canary = healthy();
  canary.complaints_per_hour = 18;
  canary.complaining_listeners = 3;
  auto d = controller.step(window(0, 100, canary, healthy()), &actuator);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_EQ(d.reason, "complaints_per_hour 18 > 5 over 10m; insufficient data (3 < 4 listeners)");
  EXPECT_EQ(d.metric, "complaints_per_hour");
  EXPECT_FALSE(d.alert);
  EXPECT_TRUE(actuator.calls.empty());
  EXPECT_FALSE(controller.cooldownUntil(RolloutController::kComplaints));  // nothing was done
  // Other rows still act while the complaints row lacks listeners.
  SideMetrics slow = canary;
  slow.latency_p95_s = 6;
  d = RolloutController(config).step(window(0, 100, slow, healthy()));
  EXPECT_EQ(d.action, Action::kSetPercentage);
  EXPECT_EQ(d.percentage, 50);
  EXPECT_EQ(d.metric, "latency_p95_s");
  // Enough distinct listeners: the row acts.
  canary.complaints_per_hour = 24;
  canary.complaining_listeners = 4;
  d = controller.step(window(60, 100, canary, healthy()), &actuator);
  EXPECT_EQ(d.action, Action::kSetPercentage);
  EXPECT_EQ(d.percentage, 10);
  EXPECT_EQ(d.reason, "complaints_per_hour 24 > 5 over 10m");
  ASSERT_EQ(actuator.calls.size(), 1u);
}

TEST(RolloutController, BaselineComplaintsNeedMinimumListenersToExcuse) {
  SideMetrics canary = healthy();
  canary.complaints_per_hour = 9;
  canary.complaining_listeners = 9;
  SideMetrics baseline = healthy(40);
  baseline.complaints_per_hour = 9;
  baseline.complaining_listeners = 2;  // too few voices to say "not the feature's fault"
  auto d = RolloutController({}).step(window(0, 100, canary, baseline));
  EXPECT_EQ(d.action, Action::kSetPercentage) << d.reason;
  baseline.complaining_listeners = 9;
  d = RolloutController({}).step(window(0, 100, canary, baseline));
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_NE(d.reason.find("not the feature's fault"), std::string::npos) << d.reason;
}

TEST(RolloutController, NoDataIsInsufficientNeverAFailure) {
  RolloutController controller({});
  RecordingActuator actuator;
  SideMetrics canary;  // zero samples, every metric NaN
  auto d = controller.step(window(0, 100, canary), &actuator);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_EQ(d.reason, "insufficient data (0 < 5)");
  EXPECT_FALSE(d.error);
  EXPECT_TRUE(actuator.calls.empty());
}

TEST(RolloutController, JustEnoughData) {
  ControllerConfig config;
  config.min_samples = 5;
  SideMetrics canary = healthy(4);
  canary.latency_p95_s = 9;
  RolloutController controller(config);
  auto d = controller.step(window(0, 100, canary));
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_EQ(d.reason, "insufficient data (4 < 5)");
  canary.samples = 5;
  d = controller.step(window(60, 100, canary));
  EXPECT_EQ(d.action, Action::kDisable);
}

TEST(RolloutController, MissingMetricsNeverBreach) {
  RolloutController controller({});
  SideMetrics canary;
  canary.samples = 50;  // sessions seen, but no latency, errors... measured
  auto d = controller.step(window(0, 100, canary));
  EXPECT_EQ(d.action, Action::kNone);
}

TEST(RolloutController, BaselineAlsoBadHolds) {
  RolloutController controller({});
  RecordingActuator actuator;
  SideMetrics canary = healthy();
  canary.latency_p95_s = 7.5;
  SideMetrics baseline = healthy();
  baseline.latency_p95_s = 7.2;
  auto d = controller.step(window(0, 100, canary, baseline), &actuator);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_EQ(d.reason,
            "latency_p95_s 7.5 > 7 over 5m; baseline 7.2 also > 7: not the feature's fault");
  EXPECT_TRUE(actuator.calls.empty());
  // A baseline with too few samples gives no context: the canary's row applies.
  baseline.samples = 2;
  d = controller.step(window(60, 100, canary, baseline), &actuator);
  EXPECT_EQ(d.action, Action::kDisable);
  // Baseline bad at 5 s only: the canary's 7.5 s still breaches the disable row alone.
  RolloutController fresh({});
  baseline = healthy();
  baseline.latency_p95_s = 6;
  d = fresh.step(window(0, 100, canary, baseline));
  EXPECT_EQ(d.action, Action::kDisable);
}

TEST(RolloutController, NeverRaisesByARow) {
  RolloutController controller({});
  SideMetrics canary = healthy();
  canary.latency_p95_s = 6;  // would set 50
  auto d = controller.step(window(0, 10, canary));
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_EQ(d.reason, "latency_p95_s 6 > 5 over 5m; rollout already at 10% <= 50%");
  d = controller.step(window(60, 50, canary));
  EXPECT_EQ(d.action, Action::kHold);
}

TEST(RolloutController, LatencyCooldownBlocksTheFamilyForFiveMinutes) {
  RolloutController controller({});
  RecordingActuator actuator;
  SideMetrics canary = healthy();
  canary.latency_p95_s = 6;
  auto d = controller.step(window(1000, 100, canary), &actuator);
  ASSERT_EQ(d.action, Action::kSetPercentage);
  // The window still holds pre-action data: even a worse latency is held until t=1300.
  canary.latency_p95_s = 8;
  d = controller.step(window(1060, 50, canary), &actuator);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_EQ(d.reason,
            "latency_p95_s 8 > 7 over 5m; cooling down until t=1300 after latency action at "
            "t=1000");
  d = controller.step(window(1299, 50, canary), &actuator);
  EXPECT_EQ(d.action, Action::kHold);
  d = controller.step(window(1300, 50, canary), &actuator);
  EXPECT_EQ(d.action, Action::kDisable);
  EXPECT_EQ(actuator.calls.size(), 2u);
}

TEST(RolloutController, ErrorCooldownIsTwoMinutesAndOtherFamiliesStillAct) {
  RolloutController controller({});
  SideMetrics canary = healthy();
  canary.error_rate = 0.03;
  ASSERT_EQ(controller.step(window(0, 100, canary)).action, Action::kSetPercentage);
  canary.error_rate = 0.09;
  EXPECT_EQ(controller.step(window(119, 50, canary)).action, Action::kHold);
  // A latency breach is not blocked by the error family's cool-down.
  SideMetrics errors = healthy();
  errors.error_rate = 0.03;
  RolloutController other({});
  ASSERT_EQ(other.step(window(0, 100, errors)).action, Action::kSetPercentage);
  SideMetrics slow = errors;
  slow.latency_p95_s = 7.5;
  auto d = other.step(window(30, 50, slow));
  EXPECT_EQ(d.action, Action::kDisable);
  EXPECT_EQ(d.metric, "latency_p95_s");
  EXPECT_EQ(controller.step(window(120, 50, canary)).action, Action::kDisable);
}

TEST(RolloutController, FlappingAroundAThresholdActsOnce) {
  RolloutController controller({});
  RecordingActuator actuator;
  int percentage = 100;
  for (int i = 0; i < 40; ++i) {
    SideMetrics canary = healthy();
    canary.latency_p95_s = i % 2 == 0 ? 5.1 : 4.9;
    auto d = controller.step(window(i * 60.0, percentage, canary), &actuator);
    if (d.action == Action::kSetPercentage) percentage = d.percentage;
    EXPECT_NE(d.action, Action::kDisable);
  }
  EXPECT_EQ(percentage, 50);
  EXPECT_EQ(actuator.calls.size(), 1u);
}

TEST(RolloutController, PromotionScheduleWithBakeTimes) {
  ControllerConfig config;
  config.promotion = parsePromotionSchedule("10:3600,50:7200,100").value();
  RolloutController controller(config);
  RecordingActuator actuator;
  int percentage = 10;
  std::vector<std::pair<double, int>> promotions;
  for (double t = 0; t <= 12000; t += 60) {
    auto d = controller.step(window(t, percentage, healthy()), &actuator);
    if (d.action == Action::kSetPercentage) {
      percentage = d.percentage;
      promotions.push_back({t, percentage});
    }
  }
  ASSERT_EQ(promotions.size(), 2u);
  EXPECT_EQ(promotions[0], std::make_pair(3600.0, 50));
  EXPECT_EQ(promotions[1], std::make_pair(3660.0 + 7200.0, 100));
  EXPECT_NE(actuator.calls[0].find("promotion: healthy_s 3600 >= 3600 over bake at 10%"),
            std::string::npos)
      << actuator.calls[0];
}

TEST(RolloutController, PromotionNeedsContinuousHealthAndStopsAfterRollback) {
  ControllerConfig config;
  config.promotion = parsePromotionSchedule("10:600,50:600,100").value();
  RolloutController controller(config);
  EXPECT_EQ(controller.step(window(0, 10, healthy())).action, Action::kNone);
  EXPECT_EQ(controller.step(window(500, 10, healthy(1))).action, Action::kHold);  // no data
  EXPECT_EQ(controller.step(window(600, 10, healthy())).action, Action::kNone);   // bake restarts
  EXPECT_EQ(controller.step(window(1199, 10, healthy())).action, Action::kNone);
  auto d = controller.step(window(1200, 10, healthy()));
  ASSERT_EQ(d.action, Action::kSetPercentage);
  EXPECT_EQ(d.percentage, 50);
  SideMetrics bad = healthy();
  bad.dropped_per_min = 500;
  d = controller.step(window(1260, 50, bad));
  EXPECT_EQ(d.action, Action::kHold);  // the dropped row's 50% is not below the current 50%
  // Health restarts the bake at 50%: 600 s of health after the breach are needed.
  EXPECT_EQ(controller.step(window(1320, 50, healthy())).action, Action::kNone);
  EXPECT_EQ(controller.step(window(1919, 50, healthy())).action, Action::kNone);
  d = controller.step(window(1920, 50, healthy()));
  EXPECT_EQ(d.action, Action::kSetPercentage);
  EXPECT_EQ(d.percentage, 100);
}

TEST(RolloutController, RollbackHaltsPromotion) {
  ControllerConfig config;
  config.promotion = parsePromotionSchedule("10:60,50:60,100").value();
  RolloutController controller(config);
  SideMetrics bad = healthy();
  bad.complaints_per_hour = 8;
  bad.complaining_listeners = 8;
  auto d = controller.step(window(0, 50, bad));
  ASSERT_EQ(d.action, Action::kSetPercentage);
  EXPECT_EQ(d.percentage, 10);
  for (double t = 60; t < 5000; t += 60) {
    d = controller.step(window(t, 10, healthy()));
    EXPECT_EQ(d.action, Action::kNone) << t << ": " << d.reason;
  }
  controller.reset();
  EXPECT_EQ(controller.step(window(5000, 10, healthy())).action, Action::kNone);
  EXPECT_EQ(controller.step(window(5060, 10, healthy())).action, Action::kSetPercentage);
}

TEST(RolloutController, NoScheduleNeverRaises) {
  RolloutController controller({});
  for (double t = 0; t < 100000; t += 600) {
    EXPECT_EQ(controller.step(window(t, 10, healthy())).action, Action::kNone);
  }
}

TEST(RolloutController, OffSwitchBothSides) {
  SideMetrics canary = healthy();
  canary.latency_p95_s = 9;
  ControllerConfig off;
  off.enabled = false;
  RecordingActuator actuator;
  auto d = RolloutController(off).step(window(0, 100, canary), &actuator);
  EXPECT_EQ(d.action, Action::kNone);
  EXPECT_EQ(d.reason, "controller off");
  EXPECT_TRUE(actuator.calls.empty());
  ControllerConfig on;
  on.enabled = true;
  d = RolloutController(on).step(window(0, 100, canary), &actuator);
  EXPECT_EQ(d.action, Action::kDisable);
  EXPECT_EQ(actuator.calls.size(), 1u);
}

TEST(RolloutController, DisabledRolloutIsLeftAlone) {
  RolloutController controller({});
  SideMetrics canary = healthy();
  canary.latency_p95_s = 9;
  EXPECT_EQ(controller.step(window(0, 0, canary)).action, Action::kNone);
  ControllerInput in = window(60, 50, canary);
  in.enabled = false;
  EXPECT_EQ(controller.step(in).action, Action::kNone);
}

TEST(RolloutController, ActuatorFailureLeavesStateUnchanged) {
  RolloutController controller({});
  RecordingActuator actuator;
  actuator.fail = true;
  SideMetrics canary = healthy();
  canary.latency_p95_s = 6;
  auto d = controller.step(window(0, 100, canary), &actuator);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->code, core::ErrorCode::kUnavailable);
  actuator.fail = false;
  d = controller.step(window(10, 100, canary), &actuator);  // no cool-down was started
  EXPECT_EQ(d.action, Action::kSetPercentage);
  EXPECT_FALSE(d.error);
}

TEST(PromotionSchedule, Parses) {
  auto steps = parsePromotionSchedule("10:3600,50:86400,100");
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_EQ((*steps)[1].percentage, 50);
  EXPECT_EQ((*steps)[1].bake_s, 86400);
  EXPECT_EQ((*steps)[2].bake_s, 0);
  EXPECT_FALSE(parsePromotionSchedule("50:10,10:10").ok());
  EXPECT_FALSE(parsePromotionSchedule("0:10").ok());
  EXPECT_FALSE(parsePromotionSchedule("10:-1").ok());
  EXPECT_FALSE(parsePromotionSchedule("ten").ok());
  EXPECT_FALSE(parsePromotionSchedule("").ok());
}

TEST(ControllerConfig, ValidateNamesFields) {
  ControllerConfig c;
  EXPECT_TRUE(c.validate().empty());
  c.min_samples = 0;
  c.reduce_to = 100;
  c.complaints_min_listeners = 0;
  auto problems = c.validate();
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("min_samples"), std::string::npos);
  EXPECT_NE(problems[1].find("complaints_min_listeners"), std::string::npos);
  EXPECT_NE(problems[2].find("reduce_to"), std::string::npos);
}

TEST(ControllerJsonl, ParsesInputLines) {
  auto in = parseControllerInput(
      R"({"t": 60, "percentage": 50, "canary": {"samples": 12, "latency_p95_s": 6.2,
          "error_rate": 0.01, "dropped_per_min": 3, "orphaned_per_session": 0.5,
          "complaints_per_hour": 1, "complaining_listeners": 1},
          "baseline": {"samples": 40, "latency_p95_s": 3.1}})");
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->t, 60);
  EXPECT_EQ(in->percentage, 50);
  EXPECT_EQ(in->canary.samples, 12);
  EXPECT_EQ(in->canary.latency_p95_s, 6.2);
  EXPECT_EQ(in->baseline.samples, 40);
  EXPECT_TRUE(std::isnan(in->baseline.error_rate));
  EXPECT_EQ(in->canary.complaining_listeners, 1);
  EXPECT_EQ(in->baseline.complaining_listeners, 0);  // missing: none (the row cannot act)
}

TEST(ControllerJsonl, RejectsBadLinesWithTheField) {
  struct Case {
    const char* line;
    const char* field;
  };
  for (const Case& c :
       {Case{"not json", "JSON"}, Case{"[1]", "object"},
        Case{R"({"percentage": 5, "canary": {"samples": 1}})", "t"},
        Case{R"({"t": 1, "percentage": 101, "canary": {"samples": 1}})", "percentage"},
        Case{R"({"t": 1, "percentage": 10.5, "canary": {"samples": 1}})", "percentage"},
        Case{R"({"t": 1, "percentage": 10})", "canary"},
        Case{R"({"t": 1, "percentage": 10, "canary": {"samples": "3"}})", "canary.samples"},
        Case{R"({"t": 1, "percentage": 10, "canary": {"samples": 3,
                             "latency_p95_s": "slow"}})",
             "canary.latency_p95_s"},
        Case{R"({"t": 1, "percentage": 10, "canary": {"samples": 3,
                             "error_rate": 5}})",
             "canary.error_rate"},
        Case{R"({"t": 1, "percentage": 10, "canary": {"samples": 3,
                             "complaining_listeners": 1.5}})",
             "canary.complaining_listeners"},
        Case{R"({"t": 1, "percentage": 10, "enabled": "false",
                             "canary": {"samples": 3}})",
             "enabled"}}) {
    auto in = parseControllerInput(c.line);
    ASSERT_FALSE(in.ok()) << c.line;
    EXPECT_EQ(in.error().code, core::ErrorCode::kInvalidInput);
    EXPECT_NE(in.error().message.find(c.field), std::string::npos) << in.error().message;
  }
}

TEST(ControllerJsonl, DecisionJsonShape) {
  ControllerDecision d;
  d.t = 120;
  d.action = Action::kSetPercentage;
  d.percentage = 50;
  d.reason = "latency_p95_s 6 > 5 over 5m";
  d.metric = "latency_p95_s";
  auto j = nlohmann::json::parse(decisionJson(d));
  EXPECT_EQ(j["t"], 120);
  EXPECT_EQ(j["action"], "set_percentage");
  EXPECT_EQ(j["percentage"], 50);
  EXPECT_EQ(j["reason"], "latency_p95_s 6 > 5 over 5m");
  d.action = Action::kHold;
  j = nlohmann::json::parse(decisionJson(d));
  EXPECT_FALSE(j.contains("percentage"));
}

}  // namespace
}  // namespace parley::obs
