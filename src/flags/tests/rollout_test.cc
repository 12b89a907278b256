#include "flags/rollout.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "flags/report.h"
#include "flags/tests/temp_dir.h"

namespace parley::flags {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

struct Fixture {
  TempDir dir;
  std::unique_ptr<ParamStore> store = std::move(openStore("sqlite:" + dir.file("p.db"))).value();
  FlagEnvironment env;
};

TEST(Rollout, StatusOfAnEmptyStoreShowsDefaultsAtVersion0) {
  Fixture f;
  auto s = readStatus(*f.store, f.env);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->stored);
  EXPECT_EQ(s->version, 0);
  EXPECT_TRUE(s->value.enabled);
  EXPECT_EQ(s->value.rollout_percentage, 100);
  auto j = nlohmann::json::parse(statusJson(*s));
  for (const char* key : {"enabled", "rollout_percentage", "min_stability_threshold",
                          "max_buffer_timeout", "version"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["version"], 0);
  EXPECT_EQ(j["min_stability_threshold"], 0.85);
}

TEST(Rollout, StatusNamesTheLastAutomaticActionEvenAfterLaterChanges) {
  Fixture f;
  auto s = readStatus(*f.store, f.env);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(findLastAutomaticAction(*f.store, *s).ok());
  EXPECT_FALSE(s->last_automatic.has_value());
  EXPECT_TRUE(nlohmann::json::parse(statusJson(*s))["last_automatic_action"].is_null());

  RolloutChange full;
  full.rollout_percentage = 100;
  ASSERT_TRUE(writeChange(*f.store, f.env, full, "ops", "full").ok());
  RolloutChange half;
  half.rollout_percentage = 50;
  ASSERT_TRUE(writeChange(*f.store, f.env, half, kAutoRollbackActor,
                          "auto-rollback: latency_p95_s 6.1 > 5 over 5m")
                  .ok());
  RolloutChange tune;
  tune.sets = {{"min_stability_threshold", "0.9"}};
  ASSERT_TRUE(writeChange(*f.store, f.env, tune, "ops", "tune").ok());

  s = readStatus(*f.store, f.env);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(findLastAutomaticAction(*f.store, *s).ok());
  ASSERT_TRUE(s->last_automatic.has_value());
  EXPECT_EQ(s->last_automatic->version, 2);
  auto j = nlohmann::json::parse(statusJson(*s));
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["last_automatic_action"]["version"], 2);
  EXPECT_EQ(j["last_automatic_action"]["reason"], "auto-rollback: latency_p95_s 6.1 > 5 over 5m");
  EXPECT_EQ(j["last_automatic_action"]["value"]["rollout_percentage"], 50);
  EXPECT_NE(statusText(*s).find("automatic:   version 2 ("), std::string::npos) << statusText(*s);
}

TEST(Rollout, ChangesBuildOnTheNewestValue) {
  Fixture f;
  RolloutChange canary;
  canary.enabled = true;
  canary.rollout_percentage = 10;
  auto v1 = writeChange(*f.store, f.env, canary, "ops", "canary");
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  EXPECT_EQ(v1->written.version, 1);
  RolloutChange tune;
  tune.sets = {{"min_stability_threshold", "0.9"}, {"forward_policy", "sentence"}};
  auto v2 = writeChange(*f.store, f.env, tune, "ops", "tune");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->value.rollout_percentage, 10);  // kept
  RolloutChange disable;
  disable.enabled = false;
  auto v3 = writeChange(*f.store, f.env, disable, "ops", "incident");
  ASSERT_TRUE(v3.ok());
  auto s = readStatus(*f.store, f.env);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->version, 3);
  EXPECT_FALSE(s->value.enabled);
  EXPECT_EQ(s->value.rollout_percentage, 10);
  EXPECT_DOUBLE_EQ(s->config.min_stability_threshold, 0.9);
  EXPECT_EQ(s->config.forward_policy, engine::ForwardPolicy::kSentence);
  EXPECT_EQ(s->reason, "incident");
}

TEST(Rollout, InvalidChangesWriteNothing) {
  Fixture f;
  RolloutChange bad;
  bad.sets = {{"rollout_percentage", "50.5"}};
  auto r = writeChange(*f.store, f.env, bad, "ops", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidInput);
  bad.sets = {{"max_buffer_timeout", "11"}};
  EXPECT_FALSE(writeChange(*f.store, f.env, bad, "ops", "x").ok());
  auto h = f.store->history(f.env.parameter_name, 0);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->empty());
}

// The HTTP API's "set" carries JSON values: a string is never an integer or a boolean, as in a
// stored value (docs/flags.md), even when its text would parse as one on the command line.
TEST(Rollout, JsonSetsAreTypedStrictly) {
  Fixture f;
  RolloutChange bad;
  bad.json_sets = {{"max_rate_per_second", "\"5\""}};
  auto r = writeChange(*f.store, f.env, bad, "ops", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("max_rate_per_second"), std::string::npos) << r.error().message;
  bad.json_sets = {{"enabled", "\"false\""}};
  EXPECT_FALSE(writeChange(*f.store, f.env, bad, "ops", "x").ok());
  bad.json_sets = {{"rollout_percentage", "50.0"}};
  EXPECT_FALSE(writeChange(*f.store, f.env, bad, "ops", "x").ok());
  bad.json_sets = {{"no_such_key", "1"}};
  EXPECT_FALSE(writeChange(*f.store, f.env, bad, "ops", "x").ok());
  auto h = f.store->history(f.env.parameter_name, 0);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->empty());

  RolloutChange good;
  good.json_sets = {{"max_rate_per_second", "5"},
                    {"forward_policy", "\"sentence\""},
                    {"rollout_percentage", "30"}};
  auto w = writeChange(*f.store, f.env, good, "ops", "y");
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_NE(w->value.find("max_rate_per_second"), nullptr);
  EXPECT_EQ(w->value.find("max_rate_per_second")->number, 5);
  EXPECT_EQ(w->value.find("forward_policy")->text, "sentence");
  EXPECT_EQ(w->value.rollout_percentage, 30);
}

TEST(Rollout, AnInvalidNewestVersionDoesNotBlockTheFix) {
  Fixture f;
  RolloutChange pct;
  pct.enabled = true;
  pct.rollout_percentage = 40;
  ASSERT_TRUE(writeChange(*f.store, f.env, pct, "ops", "good").ok());
  ASSERT_TRUE(f.store->put(f.env.parameter_name, "{garbage", "someone", "bad").ok());
  auto s = readStatus(*f.store, f.env);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->invalid.empty());
  RolloutChange off;
  off.enabled = false;
  auto fixed = writeChange(*f.store, f.env, off, "ops", "fix");
  ASSERT_TRUE(fixed.ok()) << fixed.error().message;
  EXPECT_EQ(fixed->written.version, 3);
  EXPECT_EQ(fixed->value.rollout_percentage, 40);  // from version 1, the newest valid one
  ASSERT_EQ(fixed->notes.size(), 1u);
  EXPECT_NE(fixed->notes[0].find("version 2 is invalid"), std::string::npos);
}

TEST(Rollout, RevertWritesAnOldValueAsANewVersion) {
  Fixture f;
  for (int pct : {10, 50, 100}) {
    RolloutChange c;
    c.enabled = true;
    c.rollout_percentage = pct;
    ASSERT_TRUE(writeChange(*f.store, f.env, c, "ops", "step " + std::to_string(pct)).ok());
  }
  auto r = revertTo(*f.store, f.env, 1, "ops", "too fast");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->written.version, 4);
  EXPECT_EQ(r->written.reason, "revert to version 1: too fast");
  EXPECT_EQ(r->value.rollout_percentage, 10);
  auto missing = revertTo(*f.store, f.env, 42, "ops", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kInvalidInput);
  ASSERT_TRUE(f.store->put(f.env.parameter_name, R"({"enabled":"yes"})", "x", "bad").ok());
  EXPECT_FALSE(revertTo(*f.store, f.env, 5, "ops", "").ok());

  auto h = f.store->history(f.env.parameter_name, 0);
  ASSERT_TRUE(h.ok());
  auto j = nlohmann::json::parse(historyJson(*h));
  ASSERT_EQ(j.size(), 5u);
  for (const auto& e : j) {
    for (const char* key : {"version", "time", "actor", "reason", "value"}) {
      EXPECT_TRUE(e.contains(key)) << key;
    }
  }
  EXPECT_EQ(j[0]["reason"], "step 10");
  EXPECT_EQ(j[0]["value"]["rollout_percentage"], 10);
  EXPECT_EQ(j[4]["valid"], false);
}

TEST(Rollout, ActorComesFromTheEnvironment) {
  {
    ScopedEnv a("PARLEY_ACTOR", "release-bot");
    EXPECT_EQ(actorFromEnvironment(), "release-bot");
  }
  ScopedEnv a("PARLEY_ACTOR", nullptr);
  {
    ScopedEnv u("USER", "alice");
    EXPECT_EQ(actorFromEnvironment().rfind("alice@", 0), 0u);
  }
  ScopedEnv u("USER", nullptr);
  EXPECT_EQ(actorFromEnvironment(), "cli");
}

TEST(Report, DecisionJsonHasTheDocumentedFields) {
  FlagSnapshot s;
  s.source = Source::kCached;
  s.rollout_percentage = 50;
  s.version = 9;
  Decision d = decide(s, "golden-eagle-427", false);
  auto j = nlohmann::json::parse(decisionJson(d));
  EXPECT_EQ(j["session_id"], "golden-eagle-427");
  EXPECT_EQ(j["bucket"], 73);
  EXPECT_EQ(j["enabled"], false);
  EXPECT_EQ(j["reason"], "SPLIT");
  EXPECT_EQ(j["version"], 9);
  EXPECT_EQ(j["config"]["min_stability_threshold"], 0.85);
  EXPECT_EQ(j["config"]["forward_policy"], "phrase");
  EXPECT_EQ(isoTime(0.5), "1970-01-01T00:00:00.500Z");
}

}  // namespace
}  // namespace parley::flags
