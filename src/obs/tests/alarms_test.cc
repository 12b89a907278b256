#include "obs/alarms.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace parley::obs {
namespace {

const AlarmState& stateOf(const std::vector<AlarmState>& states, const std::string& name,
                          const std::string& decision) {
  for (const auto& s : states) {
    if (name == s.spec->name && decision == s.decision) return s;
  }
  ADD_FAILURE() << "no alarm " << name << "/" << decision;
  static AlarmState none;
  return none;
}

bool firing(AlarmEvaluator& ev, const SignalWindows& w, double now, const std::string& name,
            const std::string& decision = "partial") {
  return stateOf(ev.evaluate(w, now), name, decision).firing;
}

TEST(AlarmTable, RunbookThresholds) {
  ASSERT_EQ(alarmTable().size(), 6u);  // the runbook's five and the caption erasure alarm
  const AlarmSpec* latency = findAlarm("latency-high");
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->threshold, 5);
  EXPECT_EQ(latency->period_s, 300);
  EXPECT_EQ(latency->periods, 2);
  EXPECT_EQ(findAlarm("audio-transcription-rate-limit-high")->threshold, 100);
  EXPECT_EQ(findAlarm("ParleyOrphanedResultsHigh")->periods, 2);
  EXPECT_EQ(findAlarm("transcribe-fallback")->op, Comparison::kGreaterOrEqual);
  EXPECT_FALSE(findAlarm("errors-high")->per_decision);
  EXPECT_EQ(findAlarm("nope"), nullptr);
}

TEST(Alarms, LatencyFiresOnlyWhenBothPeriodsBreachAndClears) {
  SignalWindows w;
  AlarmEvaluator ev;
  // Second period (300, 600] slow, first period (0, 300] fast: 1 of 2 -> OK.
  for (int t = 1; t <= 300; ++t) w.observeWordLatency(engine::Mode::kPartial, t, 0.8);
  for (int t = 301; t <= 600; ++t) w.observeWordLatency(engine::Mode::kPartial, t, 6.0);
  EXPECT_FALSE(firing(ev, w, 600, "latency-high"));
  // (600, 900] slow as well: 2 of 2 -> ALARM, for partial only.
  for (int t = 601; t <= 900; ++t) w.observeWordLatency(engine::Mode::kPartial, t, 6.0);
  auto states = ev.evaluate(w, 900);
  EXPECT_TRUE(stateOf(states, "latency-high", "partial").firing);
  EXPECT_EQ(stateOf(states, "latency-high", "partial").since, 900);
  EXPECT_GT(stateOf(states, "latency-high", "partial").values[0], 5);
  EXPECT_FALSE(stateOf(states, "latency-high", "final_only").firing);
  // Fast again in (900, 1200]: clears.
  for (int t = 901; t <= 1200; ++t) w.observeWordLatency(engine::Mode::kPartial, t, 0.5);
  EXPECT_FALSE(firing(ev, w, 1200, "latency-high"));
  // No data at all: missing data never breaches.
  SignalWindows empty;
  auto none = ev.evaluate(empty, 600);
  EXPECT_FALSE(stateOf(none, "latency-high", "partial").firing);
  EXPECT_TRUE(std::isnan(stateOf(none, "latency-high", "partial").values[0]));
}

TEST(Alarms, CaptionErasureIsARatioOfFinalTokensInTwoPeriods) {
  SignalWindows w;
  AlarmEvaluator ev;
  // (0, 300]: 50 erased per 100 final tokens; (300, 600]: 30 per 100 -> 1 of 2 breaches.
  w.add(Signal::kErasedTokens, engine::Mode::kPartial, 100, 50);
  w.add(Signal::kFinalTokens, engine::Mode::kPartial, 100, 100);
  w.add(Signal::kErasedTokens, engine::Mode::kPartial, 400, 30);
  w.add(Signal::kFinalTokens, engine::Mode::kPartial, 400, 100);
  auto states = ev.evaluate(w, 600);
  EXPECT_FALSE(stateOf(states, "caption-erasure-high", "partial").firing);
  EXPECT_DOUBLE_EQ(stateOf(states, "caption-erasure-high", "partial").values[0], 0.3);
  EXPECT_DOUBLE_EQ(stateOf(states, "caption-erasure-high", "partial").values[1], 0.5);
  // (600, 900]: 45 per 100 -> both periods above 0.4.
  w.add(Signal::kErasedTokens, engine::Mode::kPartial, 700, 45);
  w.add(Signal::kFinalTokens, engine::Mode::kPartial, 700, 100);
  w.add(Signal::kErasedTokens, engine::Mode::kPartial, 500, 20);  // (300, 600] now 0.5
  EXPECT_TRUE(firing(ev, w, 900, "caption-erasure-high"));
  EXPECT_FALSE(firing(ev, w, 900, "caption-erasure-high", "final_only"));
  // Erased tokens without any final token in a period: no ratio, never breaching.
  SignalWindows only_erased;
  only_erased.add(Signal::kErasedTokens, engine::Mode::kPartial, 100, 500);
  only_erased.add(Signal::kErasedTokens, engine::Mode::kPartial, 400, 500);
  auto none = ev.evaluate(only_erased, 600);
  EXPECT_FALSE(stateOf(none, "caption-erasure-high", "partial").firing);
  EXPECT_TRUE(std::isnan(stateOf(none, "caption-erasure-high", "partial").values[0]));
}

TEST(Alarms, RateLimitFiresAfterTwoMinutesAboveHundredAndClears) {
  SignalWindows w;
  AlarmEvaluator ev;
  w.add(Signal::kDropped, engine::Mode::kPartial, 30, 150);
  EXPECT_FALSE(firing(ev, w, 60, "rate-limit-high"));
  w.add(Signal::kDropped, engine::Mode::kPartial, 90, 150);
  EXPECT_TRUE(firing(ev, w, 120, "rate-limit-high"));
  w.add(Signal::kDropped, engine::Mode::kPartial, 150, 100);  // exactly 100: not above
  EXPECT_FALSE(firing(ev, w, 180, "rate-limit-high"));
}

TEST(Alarms, OrphanedFiresAboveTenPerFiveMinutesTwice) {
  SignalWindows w;
  AlarmEvaluator ev;
  w.add(Signal::kOrphaned, engine::Mode::kFinalOnly, 100, 11);
  w.add(Signal::kOrphaned, engine::Mode::kFinalOnly, 400, 10);
  EXPECT_FALSE(firing(ev, w, 600, "orphaned-results-high", "final_only"));
  w.add(Signal::kOrphaned, engine::Mode::kFinalOnly, 500, 1);
  EXPECT_TRUE(firing(ev, w, 600, "orphaned-results-high", "final_only"));
  EXPECT_FALSE(firing(ev, w, 600, "orphaned-results-high", "partial"));
  EXPECT_FALSE(firing(ev, w, 900, "orphaned-results-high", "final_only"));
}

TEST(Alarms, FallbackFiresOnOneAndClearsAfterThePeriod) {
  SignalWindows w;
  AlarmEvaluator ev;
  EXPECT_FALSE(firing(ev, w, 100, "transcribe-fallback"));
  w.add(Signal::kFallback, engine::Mode::kPartial, 120, 1);
  EXPECT_TRUE(firing(ev, w, 120, "transcribe-fallback"));
  EXPECT_TRUE(firing(ev, w, 419, "transcribe-fallback"));
  EXPECT_FALSE(firing(ev, w, 421, "transcribe-fallback"));
}

TEST(Alarms, ErrorsCountEveryDecisionAndFireAboveFive) {
  SignalWindows w;
  AlarmEvaluator ev;
  w.add(Signal::kErrors, engine::Mode::kPartial, 10, 2);
  w.add(Signal::kErrors, engine::Mode::kFinalOnly, 20, 2);
  w.addUnattributedError(30, 1);
  EXPECT_FALSE(firing(ev, w, 60, "errors-high", "all"));
  w.addUnattributedError(40, 1);
  auto states = ev.evaluate(w, 60);
  EXPECT_TRUE(stateOf(states, "errors-high", "all").firing);
  EXPECT_EQ(stateOf(states, "errors-high", "all").values[0], 6);
  EXPECT_FALSE(firing(ev, w, 400, "errors-high", "all"));
}

TEST(Alarms, JsonListsEveryAlarmPerDecision) {
  SignalWindows w;
  AlarmEvaluator ev;
  w.add(Signal::kFallback, engine::Mode::kPartial, 5, 1);
  auto j = nlohmann::json::parse(alarmsJson(ev.evaluate(w, 10), 10));
  EXPECT_EQ(j["evaluated_at"], 10);
  EXPECT_EQ(j["firing"], 1);
  ASSERT_EQ(j["alarms"].size(), 11u);  // five per decision + errors for all
  for (const auto& a : j["alarms"]) {
    EXPECT_TRUE(a["state"] == "OK" || a["state"] == "ALARM");
    if (a["name"] == "transcribe-fallback" && a["decision"] == "partial") {
      EXPECT_EQ(a["state"], "ALARM");
      EXPECT_EQ(a["since"], 10);
      EXPECT_EQ(a["op"], ">=");
    } else {
      EXPECT_EQ(a["state"], "OK");
      EXPECT_TRUE(a["since"].is_null());
    }
  }
}

TEST(Alarms, PrometheusRulesNameEveryAlertAndMetric) {
  std::string yaml = prometheusRulesYaml();
  for (const auto& spec : alarmTable()) {
    EXPECT_NE(yaml.find(std::string("alert: ") + spec.alert), std::string::npos) << spec.alert;
  }
  std::string latency = prometheusExpr(*findAlarm("latency-high"));
  EXPECT_NE(latency.find("histogram_quantile(0.95"), std::string::npos);
  EXPECT_NE(latency.find("parley_word_latency_seconds_bucket[5m] offset 5m"), std::string::npos);
  std::string dropped = prometheusExpr(*findAlarm("rate-limit-high"));
  EXPECT_NE(dropped.find("increase(parley_partial_results_dropped_total[1m] offset 1m)) > 100"),
            std::string::npos);
  EXPECT_EQ(prometheusExpr(*findAlarm("errors-high")),
            "sum (increase(parley_errors_total[5m])) > 5");
}

}  // namespace
}  // namespace parley::obs
