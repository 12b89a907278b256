// The automatic rollback on a real SQLite flag store: a slow canary is disabled with the
// metric, value, threshold and window in the flag history; a healthy one is left alone; the
// off switch holds everything. Its status (stateJson, GET /api/rollout/controller): the last
// decision after a hold and after an action, recent decisions newest first and bounded,
// cool-downs counting down on the injected clock, promotion progress, the running loop read
// from another thread, and the off switch.
#include "server/rollback_driver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/clock.h"
#include "flags/rollout.h"
#include "flags/tests/temp_dir.h"

namespace parley::server {
namespace {

struct Fixture {
  Fixture() {
    auto s = flags::openStore("sqlite:" + dir.file("parley.db"));
    EXPECT_TRUE(s.ok());
    store = std::move(s).value();
    flags::RolloutChange start;
    start.enabled = true;
    start.rollout_percentage = 100;
    EXPECT_TRUE(flags::writeChange(*store, env, start, "test", "enable at 100").ok());
  }
  // Six canary (partial) and six baseline (final-only) sessions with the given word latencies.
  void observe(double canary_latency, double baseline_latency) {
    for (int i = 0; i < 6; ++i) {
      monitor.sessionStarted(engine::Mode::kPartial, "canary-" + std::to_string(i));
      monitor.sessionStarted(engine::Mode::kFinalOnly, "baseline-" + std::to_string(i));
      for (int k = 0; k < 20; ++k) {
        monitor.observeWordLatency(engine::Mode::kPartial, canary_latency);
        monitor.observeWordLatency(engine::Mode::kFinalOnly, baseline_latency);
      }
    }
  }
  flags::testing::TempDir dir;
  flags::FlagEnvironment env;
  std::unique_ptr<flags::ParamStore> store;
  core::ManualClock clock{1000.0};
  obs::Monitor monitor{clock};
};

TEST(RollbackDriver, SlowCanaryIsDisabledAndHistorySaysWhy) {
  Fixture f;
  f.observe(8.0, 2.0);
  f.clock.advance(10);
  RollbackDriver rollback(*f.store, f.env, f.monitor, obs::ControllerConfig{});
  auto d = rollback.stepOnce(60);
  EXPECT_EQ(d.action, obs::Action::kDisable) << d.reason;
  EXPECT_FALSE(d.error.has_value());
  auto status = flags::readStatus(*f.store, f.env);
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->value.enabled);
  EXPECT_EQ(status->actor, "rollout-controller");
  EXPECT_NE(status->reason.find("latency"), std::string::npos) << status->reason;
  EXPECT_NE(status->reason.find("> 7"), std::string::npos) << status->reason;
  EXPECT_NE(status->reason.find("over"), std::string::npos) << status->reason;
}

TEST(RollbackDriver, HealthyCanaryIsLeftAlone) {
  Fixture f;
  f.observe(0.8, 2.0);
  f.clock.advance(10);
  RollbackDriver rollback(*f.store, f.env, f.monitor, obs::ControllerConfig{});
  auto before = flags::readStatus(*f.store, f.env);
  auto d = rollback.stepOnce(60);
  EXPECT_EQ(d.action, obs::Action::kNone) << d.reason;
  auto after = flags::readStatus(*f.store, f.env);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->version, before->version);
  EXPECT_TRUE(after->value.enabled);
}

TEST(RollbackDriver, OffSwitchHoldsEverything) {
  Fixture f;
  f.observe(8.0, 2.0);
  f.clock.advance(10);
  obs::ControllerConfig off;
  off.enabled = false;
  RollbackDriver rollback(*f.store, f.env, f.monitor, off);
  auto d = rollback.stepOnce(60);
  EXPECT_EQ(d.action, obs::Action::kNone);
  auto status = flags::readStatus(*f.store, f.env);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->value.enabled);
}

using Json = nlohmann::json;

Json stateOf(const RollbackDriver& rollback) {
  Json j = Json::parse(rollback.stateJson(), nullptr, false);
  EXPECT_TRUE(j.is_object()) << rollback.stateJson();
  return j;
}

void enableAt(Fixture& f, int percentage) {
  flags::RolloutChange change;
  change.enabled = true;
  change.rollout_percentage = percentage;
  ASSERT_TRUE(flags::writeChange(*f.store, f.env, change, "test", "re-enable").ok());
}

TEST(RollbackDriverState, BeforeAnyEvaluation) {
  Fixture f;
  RollbackDriver rollback(*f.store, f.env, f.monitor, obs::ControllerConfig{}, &f.clock);
  Json j = stateOf(rollback);
  EXPECT_TRUE(j["enabled"].get<bool>());
  EXPECT_FALSE(j["running"].get<bool>());
  EXPECT_TRUE(j["interval_s"].is_null());
  EXPECT_TRUE(j["last_evaluation_s_ago"].is_null());
  EXPECT_EQ(j["evaluations"], 0);
  EXPECT_TRUE(j["last"].is_null());
  EXPECT_TRUE(j["last_action"].is_null());
  EXPECT_TRUE(j["recent"].empty());
  EXPECT_FALSE(j["promotion_halted"].get<bool>());
  // The configuration as the controller uses it: the runbook's matrix by default.
  const Json& c = j["config"];
  EXPECT_EQ(c["min_samples"], 5);
  EXPECT_EQ(c["complaints_min_listeners"], 3);
  EXPECT_EQ(c["window_s"], 300);
  EXPECT_EQ(c["complaints_window_s"], 3600);
  EXPECT_EQ(c["latency_cooldown_s"], 300);
  EXPECT_EQ(c["error_cooldown_s"], 120);
  EXPECT_EQ(c["other_cooldown_s"], 300);
  EXPECT_EQ(c["latency_disable_s"], 7);
  EXPECT_EQ(c["latency_reduce_s"], 5);
  EXPECT_DOUBLE_EQ(c["error_disable_rate"].get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(c["error_reduce_rate"].get<double>(), 0.02);
  EXPECT_EQ(c["dropped_reduce_per_min"], 200);
  EXPECT_EQ(c["orphaned_alert_per_session"], 20);
  EXPECT_EQ(c["complaints_reduce_per_hour"], 5);
  EXPECT_EQ(c["reduce_to"], 50);
  EXPECT_EQ(c["complaints_reduce_to"], 10);
  EXPECT_TRUE(c["promotion"].is_array() && c["promotion"].empty());
}

TEST(RollbackDriverState, HoldIsTheLastDecisionAndRepeatsAreCounted) {
  Fixture f;  // no sessions at all: insufficient data
  RollbackDriver rollback(*f.store, f.env, f.monitor, obs::ControllerConfig{}, &f.clock);
  const double wall_before = core::wallTimeSeconds();
  auto d = rollback.stepOnce(f.clock.now());
  const double wall_after = core::wallTimeSeconds();
  ASSERT_EQ(d.action, obs::Action::kHold) << d.reason;

  Json j = stateOf(rollback);
  EXPECT_DOUBLE_EQ(j["last_evaluation_s_ago"].get<double>(), 0.0);
  const Json& last = j["last"];
  EXPECT_EQ(last["action"], "hold");
  EXPECT_EQ(last["reason"], "insufficient data (0 < 5)");
  EXPECT_DOUBLE_EQ(last["t"].get<double>(), 1000.0);
  EXPECT_GE(last["at"].get<double>(), wall_before - 0.001);
  EXPECT_LE(last["at"].get<double>(), wall_after + 0.001);
  EXPECT_TRUE(last["metric"].is_null());
  EXPECT_TRUE(last["error"].is_null());
  EXPECT_FALSE(last["alert"].get<bool>());
  EXPECT_FALSE(last.contains("percentage"));
  EXPECT_TRUE(j["last_action"].is_null()) << "a hold changes nothing";
  ASSERT_EQ(j["recent"].size(), 1u);
  EXPECT_EQ(j["recent"][0], last);

  f.clock.advance(7.5);
  EXPECT_DOUBLE_EQ(stateOf(rollback)["last_evaluation_s_ago"].get<double>(), 7.5);

  // The same hold again is counted on the same entry, so holds never push actions out.
  rollback.stepOnce(f.clock.now());
  j = stateOf(rollback);
  ASSERT_EQ(j["recent"].size(), 1u);
  EXPECT_EQ(j["recent"][0]["repeats"], 2);
  EXPECT_DOUBLE_EQ(j["recent"][0]["t"].get<double>(), 1007.5);
  EXPECT_EQ(j["evaluations"], 2);  // every evaluation counts, repeated holds included
  EXPECT_LE(j["recent"][0]["first_at"].get<double>(), j["recent"][0]["at"].get<double>());
  EXPECT_DOUBLE_EQ(j["last_evaluation_s_ago"].get<double>(), 0.0);
}

TEST(RollbackDriverState, ActionIsRecordedNewestFirstWithItsCooldown) {
  Fixture f;
  f.observe(8.0, 2.0);
  f.clock.advance(10);
  RollbackDriver rollback(*f.store, f.env, f.monitor, obs::ControllerConfig{}, &f.clock);
  auto d = rollback.stepOnce(f.clock.now());
  ASSERT_EQ(d.action, obs::Action::kDisable) << d.reason;

  Json j = stateOf(rollback);
  EXPECT_EQ(j["last"]["action"], "disable");
  EXPECT_EQ(j["last"]["metric"], "latency_p95_s");
  EXPECT_NE(j["last"]["reason"].get<std::string>().find("> 7 over 5m"), std::string::npos);
  EXPECT_EQ(j["last_action"], j["last"]);
  EXPECT_TRUE(j["promotion_halted"].get<bool>());
  EXPECT_DOUBLE_EQ(j["cooling_down"]["latency"].get<double>(), 300.0);
  EXPECT_FALSE(j["cooling_down"].contains("errors"));

  // The cool-down counts down between evaluations.
  f.clock.advance(100);
  EXPECT_DOUBLE_EQ(stateOf(rollback)["cooling_down"]["latency"].get<double>(), 200.0);

  // An operator re-enables at 20%; the still-slow canary is held (cooling down), newest first.
  enableAt(f, 20);
  d = rollback.stepOnce(f.clock.now());
  ASSERT_EQ(d.action, obs::Action::kHold) << d.reason;
  j = stateOf(rollback);
  ASSERT_EQ(j["recent"].size(), 2u);
  EXPECT_EQ(j["recent"][0]["action"], "hold");
  EXPECT_NE(j["recent"][0]["reason"].get<std::string>().find("cooling down"), std::string::npos);
  EXPECT_EQ(j["recent"][1]["action"], "disable");
  EXPECT_EQ(j["last_action"]["action"], "disable") << "a hold is not an action";
  EXPECT_DOUBLE_EQ(j["cooling_down"]["latency"].get<double>(), 200.0);

  // After the cool-down it acts again: the canary at 20% is still above 7 s.
  f.clock.advance(250);
  f.observe(8.0, 2.0);
  d = rollback.stepOnce(f.clock.now());
  ASSERT_EQ(d.action, obs::Action::kDisable) << d.reason;
  j = stateOf(rollback);
  EXPECT_EQ(j["recent"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["last_action"]["t"].get<double>(), 1360.0);
  EXPECT_DOUBLE_EQ(j["cooling_down"]["latency"].get<double>(), 300.0);
}

TEST(RollbackDriverState, RecentIsBoundedAndNewestFirst) {
  Fixture f;
  f.observe(8.0, 2.0);
  f.clock.advance(10);
  obs::ControllerConfig config;
  config.latency_cooldown_s = 0;  // act on every evaluation
  RollbackDriver rollback(*f.store, f.env, f.monitor, config, &f.clock);
  const int steps = static_cast<int>(RollbackDriver::kRecentLimit) + 7;
  for (int i = 0; i < steps; ++i) {
    enableAt(f, 100);
    auto d = rollback.stepOnce(static_cast<double>(i));
    ASSERT_EQ(d.action, obs::Action::kDisable) << i << ": " << d.reason;
  }
  Json j = stateOf(rollback);
  ASSERT_EQ(j["recent"].size(), RollbackDriver::kRecentLimit);
  EXPECT_EQ(j["recent_limit"], RollbackDriver::kRecentLimit);
  for (std::size_t k = 0; k < j["recent"].size(); ++k) {
    EXPECT_DOUBLE_EQ(j["recent"][k]["t"].get<double>(), static_cast<double>(steps - 1 - k));
    EXPECT_EQ(j["recent"][k]["repeats"], 1) << "actions are never merged";
  }
}

TEST(RollbackDriverState, PromotionScheduleAndHealthyTime) {
  Fixture f;
  enableAt(f, 10);
  f.observe(0.8, 2.0);
  f.clock.advance(10);
  obs::ControllerConfig config;
  config.promotion = {{10, 600}, {50, 3600}, {100, 0}};
  RollbackDriver rollback(*f.store, f.env, f.monitor, config, &f.clock);
  EXPECT_EQ(rollback.stepOnce(0).action, obs::Action::kNone);
  EXPECT_EQ(rollback.stepOnce(100).action, obs::Action::kNone);
  Json j = stateOf(rollback);
  ASSERT_EQ(j["config"]["promotion"].size(), 3u);
  EXPECT_EQ(j["config"]["promotion"][1]["percentage"], 50);
  EXPECT_EQ(j["config"]["promotion"][1]["bake_s"], 3600);
  EXPECT_FALSE(j["promotion_halted"].get<bool>());
  EXPECT_DOUBLE_EQ(j["healthy_s"].get<double>(), 100.0);
  EXPECT_EQ(j["last"]["action"], "none");
  EXPECT_NE(j["last"]["reason"].get<std::string>().find("promotion to 50%"), std::string::npos);
  EXPECT_TRUE(j["recent"].empty()) << "\"none\" decisions are not kept in recent";

  auto d = rollback.stepOnce(700);
  ASSERT_EQ(d.action, obs::Action::kSetPercentage) << d.reason;
  j = stateOf(rollback);
  EXPECT_EQ(j["last_action"]["percentage"], 50);
  EXPECT_EQ(j["recent"][0]["metric"], "healthy_s");
  EXPECT_TRUE(j["healthy_s"].is_null()) << "the bake clock restarts at the new level";
}

TEST(RollbackDriverState, OffSwitch) {
  Fixture f;
  f.observe(8.0, 2.0);
  f.clock.advance(10);
  obs::ControllerConfig off;
  off.enabled = false;
  RollbackDriver rollback(*f.store, f.env, f.monitor, off, &f.clock);
  rollback.start(5);  // the off switch never starts the loop
  rollback.stepOnce(f.clock.now());
  Json j = stateOf(rollback);
  EXPECT_FALSE(j["enabled"].get<bool>());
  EXPECT_FALSE(j["running"].get<bool>());
  EXPECT_TRUE(j["interval_s"].is_null());
  EXPECT_EQ(j["last"]["action"], "none");
  EXPECT_EQ(j["last"]["reason"], "controller off");
  EXPECT_TRUE(j["recent"].empty());
  EXPECT_TRUE(j["last_action"].is_null());
  EXPECT_TRUE(j["cooling_down"].empty());
}

TEST(RollbackDriverState, RunningLoopIsReadableFromOtherThreads) {
  Fixture f;
  f.observe(8.0, 2.0);
  f.clock.advance(10);
  RollbackDriver rollback(*f.store, f.env, f.monitor, obs::ControllerConfig{}, &f.clock);
  rollback.start(0.01);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done) {
      if (stateOf(rollback).is_object()) ++reads;
    }
  });
  Json j;
  for (int i = 0; i < 2000; ++i) {  // until the loop has evaluated (no timing asserted)
    j = stateOf(rollback);
    if (!j["last"].is_null()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_TRUE(j["running"].get<bool>());
  EXPECT_DOUBLE_EQ(j["interval_s"].get<double>(), 0.01);
  ASSERT_FALSE(j["last"].is_null()) << "the loop never evaluated";
  EXPECT_EQ(j["last_action"]["action"], "disable");
  rollback.stop();
  EXPECT_FALSE(stateOf(rollback)["running"].get<bool>());
  auto status = flags::readStatus(*f.store, f.env);
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->value.enabled);
}

}  // namespace
}  // namespace parley::server
