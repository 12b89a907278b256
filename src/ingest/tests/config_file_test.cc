#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "ingest/config_file.h"

namespace parley::ingest {
namespace {

using engine::EngineConfig;

TEST(ConfigToml, FlatKeysAndEngineTable) {
  EngineConfig c;
  auto st = applyConfigToml(c,
                            "min_stability_threshold = 0.9\n"
                            "max_rate_per_second = 3\n"
                            "[engine]\n"
                            "forward_policy = \"sentence\"\n"
                            "pause_threshold = 1\n",
                            "test.toml");
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_DOUBLE_EQ(c.min_stability_threshold, 0.9);
  EXPECT_EQ(c.max_rate_per_second, 3);
  EXPECT_EQ(c.forward_policy, engine::ForwardPolicy::kSentence);
  EXPECT_DOUBLE_EQ(c.pause_threshold, 1.0);
}

TEST(ConfigToml, EveryProblemNamedAndNothingApplied) {
  EngineConfig c;
  auto st = applyConfigToml(c,
                            "min_stability_threshold = 0.5\n"
                            "max_rate_per_second = 2.5\n"
                            "forward_policy = 3\n"
                            "pause_threshold = \"2\"\n"
                            "colour = 1\n"
                            "max_buffer_timeout = 4\n"
                            "[server]\nport = 1\n",
                            "bad.toml");
  ASSERT_FALSE(st.ok());
  const std::string& m = st.error().message;
  EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("min_stability_threshold must be a number in [0.7, 0.95]"), std::string::npos)
      << m;
  EXPECT_NE(m.find("max_rate_per_second must be an integer in [1, 100]"), std::string::npos) << m;
  EXPECT_NE(m.find("forward_policy must be one of {sentence,phrase}"), std::string::npos) << m;
  EXPECT_NE(m.find("pause_threshold must be a number"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown configuration key 'colour'"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown table [server]"), std::string::npos) << m;
  EXPECT_EQ(st.error().code, core::ErrorCode::kInvalidInput);
  // All or nothing: the valid max_buffer_timeout was not applied either.
  EXPECT_DOUBLE_EQ(c.max_buffer_timeout, EngineConfig{}.max_buffer_timeout);
}

TEST(ConfigToml, SyntaxErrorHasPosition) {
  EngineConfig c;
  auto st = applyConfigToml(c, "a = 1\nb = = 2\n", "syntax.toml");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("syntax.toml:2:"), std::string::npos) << st.error().message;
}

TEST(ConfigFile, ReadsAFileAndReportsAMissingOne) {
  std::string path = std::string(PARLEY_BINARY_DIR) + "/ingest_config_test.toml";
  {
    std::ofstream out(path);
    out << "[engine]\nstability_fallback = \"timeout\"\norphan_timeout = 20\n";
  }
  EngineConfig c;
  auto st = applyConfigFile(c, path);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(c.stability_fallback, engine::StabilityFallback::kTimeout);
  EXPECT_DOUBLE_EQ(c.orphan_timeout, 20.0);
  std::remove(path.c_str());
  auto missing = applyConfigFile(c, path);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot read config file"), std::string::npos);
}

TEST(SetAssignment, AppliesOrNamesKeyAndRange) {
  EngineConfig c;
  ASSERT_TRUE(applySetAssignment(c, "forward_policy=sentence").ok());
  EXPECT_EQ(c.forward_policy, engine::ForwardPolicy::kSentence);
  ASSERT_TRUE(applySetAssignment(c, "max_buffer_timeout=7.5").ok());
  EXPECT_DOUBLE_EQ(c.max_buffer_timeout, 7.5);
  auto range = applySetAssignment(c, "max_buffer_timeout=11");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message.find("max_buffer_timeout must be a number in [2, 10]"),
            std::string::npos);
  auto unknown = applySetAssignment(c, "nope=1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown configuration key 'nope'"), std::string::npos);
  EXPECT_FALSE(applySetAssignment(c, "max_buffer_timeout").ok());
  EXPECT_FALSE(applySetAssignment(c, "=3").ok());
  EXPECT_FALSE(applySetAssignment(c, "max_rate_per_second=abc").ok());
}

}  // namespace
}  // namespace parley::ingest
