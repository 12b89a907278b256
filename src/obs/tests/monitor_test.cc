#include "obs/monitor.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace parley::obs {
namespace {

TEST(Monitor, ControllerInputFromObservations) {
  core::ManualClock clock(1000);
  Monitor monitor(clock);
  for (int i = 0; i < 6; ++i)
    monitor.sessionStarted(engine::Mode::kPartial, "p" + std::to_string(i));
  for (int i = 0; i < 3; ++i) {
    monitor.sessionStarted(engine::Mode::kFinalOnly, "f" + std::to_string(i));
  }
  clock.advance(10);
  engine::EngineStats delta;
  delta.partial_events = 90;
  delta.final_events = 10;
  delta.partial_results_dropped = 500;
  delta.orphaned_results_flushed = 12;
  monitor.observeEngineStats(engine::Mode::kPartial, delta);
  for (int i = 0; i < 4; ++i) monitor.error(engine::Mode::kPartial, "translate");
  monitor.error("storage");  // not tied to a session: not in either side's rate
  for (int i = 0; i < 100; ++i)
    monitor.observeWordLatency(engine::Mode::kPartial, i < 90 ? 0.5 : 6);
  monitor.complaint(engine::Mode::kPartial, "p0/1");
  clock.advance(100);
  ControllerConfig config;
  ControllerInput in = monitor.controllerInput(50, true, config);
  EXPECT_EQ(in.t, 1110);
  EXPECT_EQ(in.percentage, 50);
  EXPECT_EQ(in.canary.samples, 6);
  EXPECT_EQ(in.baseline.samples, 3);
  EXPECT_GT(in.canary.latency_p95_s, 5);
  EXPECT_LE(in.canary.latency_p95_s, 6);
  EXPECT_DOUBLE_EQ(in.canary.error_rate, 4.0 / 104.0);
  EXPECT_DOUBLE_EQ(in.canary.dropped_per_min, 100);
  EXPECT_DOUBLE_EQ(in.canary.orphaned_per_session, 2);
  EXPECT_DOUBLE_EQ(in.canary.complaints_per_hour, 1);
  EXPECT_EQ(in.canary.complaining_listeners, 1);
  EXPECT_TRUE(std::isnan(in.baseline.latency_p95_s));
  EXPECT_EQ(in.baseline.error_rate, 0);
  // Driving the controller with it: 5-7 s latency -> not below 50%: hold; from 100%: 50%.
  RolloutController controller(config);
  EXPECT_EQ(controller.step(in).action, Action::kHold);
  in.percentage = 100;
  auto d = controller.step(in);
  EXPECT_EQ(d.action, Action::kSetPercentage);
  EXPECT_EQ(d.percentage, 50);
  // Five minutes later the window is empty again: sessions still count, rates are zero.
  clock.advance(400);
  in = monitor.controllerInput(50, true, config);
  EXPECT_EQ(in.canary.samples, 6);
  EXPECT_TRUE(std::isnan(in.canary.latency_p95_s));
  EXPECT_EQ(in.canary.dropped_per_min, 0);
}

// The complaints row's input counts listeners, not complaints.
TEST(Monitor, ComplaintsPerHourCountsDistinctListeners) {
  core::ManualClock clock(1000);
  Monitor monitor(clock);
  for (int i = 0; i < 5; ++i) monitor.complaint(engine::Mode::kPartial, "s/1");  // one voice
  monitor.complaint(engine::Mode::kPartial, "s/2");
  monitor.complaint(engine::Mode::kFinalOnly, "t/1");
  monitor.complaintRejected(engine::Mode::kPartial, "no_listener_key");  // never an input
  clock.advance(10);
  ControllerConfig config;
  config.complaints_window_s = 600;
  ControllerInput in = monitor.controllerInput(100, true, config);
  EXPECT_EQ(in.canary.complaining_listeners, 2);
  EXPECT_DOUBLE_EQ(in.canary.complaints_per_hour, 12);  // 2 listeners in 10 minutes
  EXPECT_EQ(in.baseline.complaining_listeners, 1);
  clock.advance(600);  // out of the complaints window
  in = monitor.controllerInput(100, true, config);
  EXPECT_EQ(in.canary.complaining_listeners, 0);
  EXPECT_DOUBLE_EQ(in.canary.complaints_per_hour, 0);
}

TEST(Monitor, AlarmsJsonAndMetricsText) {
  core::ManualClock clock(0);
  Monitor monitor(clock);
  clock.set(50);
  engine::EngineStats delta;
  delta.transcribe_fallback_triggered = 1;
  monitor.observeEngineStats(engine::Mode::kPartial, delta);
  auto j = nlohmann::json::parse(monitor.alarmsJson());
  EXPECT_EQ(j["firing"], 1);
  EXPECT_NE(monitor.metricsText().find(
                "parley_transcribe_fallback_triggered_total{decision=\"partial\"} 1"),
            std::string::npos);
  clock.set(400);
  EXPECT_EQ(nlohmann::json::parse(monitor.alarmsJson())["firing"], 0);
}

TEST(Monitor, ConcurrentObservers) {
  core::ManualClock clock(0);
  Monitor monitor(clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&monitor, t] {
      for (int i = 0; i < 500; ++i) {
        engine::Mode d = t % 2 ? engine::Mode::kPartial : engine::Mode::kFinalOnly;
        monitor.observeWordLatency(d, 0.4);
        monitor.error(d, "asr");
        if (i % 50 == 0) (void)monitor.alarmsJson();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_NE(
      monitor.metricsText().find("parley_word_latency_seconds_count{decision=\"partial\"} 1000"),
      std::string::npos);
  auto j = nlohmann::json::parse(monitor.alarmsJson());
  for (const auto& a : j["alarms"]) {
    if (a["name"] == "errors-high") {
      EXPECT_EQ(a["values"][0], 2000);
    }
  }
}

}  // namespace
}  // namespace parley::obs
