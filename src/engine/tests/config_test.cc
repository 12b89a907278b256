#include <gtest/gtest.h>

#include <cstdlib>

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

TEST(Config, EnvironmentVariables) {
  ::setenv("MIN_STABILITY_THRESHOLD", "0.9", 1);
  ::setenv("MAX_RATE_PER_SECOND", "500", 1);
  EngineConfig c;
  auto problems = applyEnvironment(c);
  ::unsetenv("MIN_STABILITY_THRESHOLD");
  ::unsetenv("MAX_RATE_PER_SECOND");
  EXPECT_DOUBLE_EQ(c.min_stability_threshold, 0.9);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("MAX_RATE_PER_SECOND"), std::string::npos);
  EXPECT_EQ(c.max_rate_per_second, 5);
}

}  // namespace
}  // namespace parley::engine
