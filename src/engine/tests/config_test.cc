#include <gtest/gtest.h>

#include "engine/config.h"

namespace parley::engine {
namespace {

TEST(Config, DefaultsAreValid) { EXPECT_TRUE(EngineConfig{}.validate().empty()); }

TEST(Config, EveryKeyRoundTripsThroughText) {
  EngineConfig c;
  for (const auto& k : configKeys()) {
    std::string v = getConfigValue(c, k.name);
    ASSERT_FALSE(v.empty()) << k.name;
    EXPECT_TRUE(setConfigValue(c, k.name, v).ok()) << k.name;
  }
}

TEST(Config, RangeErrorsNameTheKeyAndRange) {
  EngineConfig c;
  auto st = setConfigValue(c, "min_stability_threshold", "0.5");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("min_stability_threshold"), std::string::npos);
  EXPECT_NE(st.error().message.find("[0.7, 0.95]"), std::string::npos);
  EXPECT_DOUBLE_EQ(c.min_stability_threshold, 0.85);  // unchanged
  EXPECT_TRUE(setConfigValue(c, "min_stability_threshold", "0.95").ok());
  EXPECT_FALSE(setConfigValue(c, "max_buffer_timeout", "10.5").ok());
  EXPECT_TRUE(setConfigValue(c, "max_buffer_timeout", "2").ok());
  EXPECT_FALSE(setConfigValue(c, "max_rate_per_second", "2.5").ok());
  EXPECT_FALSE(setConfigValue(c, "max_rate_per_second", "five").ok());
  EXPECT_FALSE(setConfigValue(c, "nonsense", "1").ok());
}

TEST(Config, Enums) {
  EngineConfig c;
  EXPECT_TRUE(setConfigValue(c, "stability_fallback", "timeout").ok());
  EXPECT_EQ(c.stability_fallback, StabilityFallback::kTimeout);
  EXPECT_TRUE(setConfigValue(c, "forward_policy", "sentence").ok());
  EXPECT_EQ(c.forward_policy, ForwardPolicy::kSentence);
  auto st = setConfigValue(c, "forward_policy", "word");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("sentence,phrase"), std::string::npos);
  EXPECT_TRUE(parseMode("final-only").ok());
  EXPECT_FALSE(parseMode("off").ok());
}

TEST(Config, ValidateReportsEveryProblem) {
  EngineConfig c;
  c.max_buffer_timeout = 1;
  c.pause_threshold = 99;
  EXPECT_EQ(c.validate().size(), 2u);
}

TEST(Config, FrontierFallbackAndItsKeys) {
  EngineConfig c;
  EXPECT_EQ(c.stability_fallback, StabilityFallback::kLocalAgreement);  // default unchanged
  EXPECT_DOUBLE_EQ(c.commit_lag, 0.3);
  EXPECT_EQ(c.commit_min_hypotheses, 2);
  ASSERT_TRUE(setConfigValue(c, "stability_fallback", "frontier").ok());
  EXPECT_EQ(c.stability_fallback, StabilityFallback::kFrontier);
  EXPECT_EQ(getConfigValue(c, "stability_fallback"), "frontier");
  auto bad = setConfigValue(c, "stability_fallback", "frontiers");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("{timeout,local_agreement,frontier}"), std::string::npos)
      << bad.error().message;

  // commit_lag: a number in [0.1, 2] seconds; both sides of both ends.
  for (const char* ok : {"0.1", "2", "0.45"}) EXPECT_TRUE(setConfigValue(c, "commit_lag", ok).ok());
  EXPECT_EQ(getConfigValue(c, "commit_lag"), "0.45");
  for (const char* no : {"0.09", "2.01", "-1", "lag"}) {
    auto st = setConfigValue(c, "commit_lag", no);
    ASSERT_FALSE(st.ok()) << no;
    EXPECT_NE(st.error().message.find("commit_lag must be a number in [0.1, 2] s"),
              std::string::npos)
        << st.error().message;
  }
  EXPECT_DOUBLE_EQ(c.commit_lag, 0.45);  // unchanged by the rejected values

  // commit_min_hypotheses: an integer in [1, 5].
  for (const char* ok : {"1", "5", "3"}) {
    EXPECT_TRUE(setConfigValue(c, "commit_min_hypotheses", ok).ok());
  }
  EXPECT_EQ(getConfigValue(c, "commit_min_hypotheses"), "3");
  for (const char* no : {"0", "6", "2.5"}) {
    auto st = setConfigValue(c, "commit_min_hypotheses", no);
    ASSERT_FALSE(st.ok()) << no;
    EXPECT_NE(st.error().message.find("commit_min_hypotheses must be an integer in [1, 5]"),
              std::string::npos)
        << st.error().message;
  }
  EXPECT_EQ(c.commit_min_hypotheses, 3);
  EXPECT_TRUE(c.validate().empty());

  EngineConfig out_of_range;
  out_of_range.commit_lag = 0.05;
  out_of_range.commit_min_hypotheses = 0;
  auto problems = out_of_range.validate();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("commit_lag"), std::string::npos);
  EXPECT_NE(problems[1].find("commit_min_hypotheses"), std::string::npos);
}

TEST(Config, FrontierKeysAreListedWithTheirEnvironmentVariables) {
  const ConfigKey* lag = findConfigKey("commit_lag");
  const ConfigKey* min = findConfigKey("commit_min_hypotheses");
  ASSERT_NE(lag, nullptr);
  ASSERT_NE(min, nullptr);
  EXPECT_STREQ(lag->env, "COMMIT_LAG");
  EXPECT_STREQ(min->env, "COMMIT_MIN_HYPOTHESES");
  EXPECT_EQ(lag->type, KeyType::kNumber);
  EXPECT_EQ(min->type, KeyType::kInteger);
  // Round trip of non-default values through configKeys(): text out, text in, same config.
  EngineConfig a;
  a.stability_fallback = StabilityFallback::kFrontier;
  a.commit_lag = 1.25;
  a.commit_min_hypotheses = 4;
  EngineConfig b;
  for (const auto& k : configKeys()) {
    ASSERT_TRUE(setConfigValue(b, k.name, getConfigValue(a, k.name)).ok()) << k.name;
  }
  EXPECT_EQ(b.stability_fallback, StabilityFallback::kFrontier);
  EXPECT_DOUBLE_EQ(b.commit_lag, 1.25);
  EXPECT_EQ(b.commit_min_hypotheses, 4);
  // Their environment variables (read by flags::applyEngineEnvironment, the engine's edge).
  EXPECT_STREQ(findConfigKey("stability_fallback")->env, "STABILITY_FALLBACK");
  EXPECT_STREQ(findConfigKey("commit_lag")->env, "COMMIT_LAG");
  EXPECT_STREQ(findConfigKey("commit_min_hypotheses")->env, "COMMIT_MIN_HYPOTHESES");
}

}  // namespace
}  // namespace parley::engine
