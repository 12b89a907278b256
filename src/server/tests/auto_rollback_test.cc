// The automatic rollback on a real SQLite flag store: a slow canary is disabled with the
// metric, value, threshold and window in the flag history; a healthy one is left alone; the
// off switch holds everything.
#include "server/auto_rollback.h"

#include <gtest/gtest.h>

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
      monitor.sessionStarted(obs::Decision::kPartial, "canary-" + std::to_string(i));
      monitor.sessionStarted(obs::Decision::kFinalOnly, "baseline-" + std::to_string(i));
      for (int k = 0; k < 20; ++k) {
        monitor.observeWordLatency(obs::Decision::kPartial, canary_latency);
        monitor.observeWordLatency(obs::Decision::kFinalOnly, baseline_latency);
      }
    }
  }
  flags::testing::TempDir dir;
  flags::FlagEnvironment env;
  std::unique_ptr<flags::ParamStore> store;
  core::ManualClock clock{1000.0};
  obs::Monitor monitor{clock};
};

TEST(AutoRollback, SlowCanaryIsDisabledAndHistorySaysWhy) {
  Fixture f;
  f.observe(8.0, 2.0);
  f.clock.advance(10);
  AutoRollback rollback(*f.store, f.env, f.monitor, obs::ControllerConfig{});
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

TEST(AutoRollback, HealthyCanaryIsLeftAlone) {
  Fixture f;
  f.observe(0.8, 2.0);
  f.clock.advance(10);
  AutoRollback rollback(*f.store, f.env, f.monitor, obs::ControllerConfig{});
  auto before = flags::readStatus(*f.store, f.env);
  auto d = rollback.stepOnce(60);
  EXPECT_EQ(d.action, obs::Action::kNone) << d.reason;
  auto after = flags::readStatus(*f.store, f.env);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->version, before->version);
  EXPECT_TRUE(after->value.enabled);
}

TEST(AutoRollback, OffSwitchHoldsEverything) {
  Fixture f;
  f.observe(8.0, 2.0);
  f.clock.advance(10);
  obs::ControllerConfig off;
  off.enabled = false;
  AutoRollback rollback(*f.store, f.env, f.monitor, off);
  auto d = rollback.stepOnce(60);
  EXPECT_EQ(d.action, obs::Action::kNone);
  auto status = flags::readStatus(*f.store, f.env);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->value.enabled);
}

}  // namespace
}  // namespace parley::server
