#include "flags/flag_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "flags/tests/temp_dir.h"

namespace parley::flags {
namespace {

using testing::ScopedEnv;

std::string withKey(const std::string& key, const std::string& json_value) {
  return R"({"enabled": true, "rollout_percentage": 50, ")" + key + "\": " + json_value + "}";
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  return s;
}

TEST(FlagValue, ParsesTheRunbookValue) {
  auto v = parseFlagValue(
      R"({"enabled":true,"rollout_percentage":100,"min_stability_threshold":0.90,"max_buffer_timeout":5.0})");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->enabled);
  EXPECT_EQ(v->rollout_percentage, 100);
  engine::EngineConfig c = v->applyTo({});
  EXPECT_DOUBLE_EQ(c.min_stability_threshold, 0.90);
  EXPECT_DOUBLE_EQ(c.max_buffer_timeout, 5.0);
}

TEST(FlagValue, EnabledMustBeABoolean) {
  for (const char* bad : {R"("false")", "0", "1", "null", "[]"}) {
    auto v = parseFlagValue(std::string(R"({"enabled": )") + bad + R"(, "rollout_percentage": 5})");
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error().code, core::ErrorCode::kInvalidInput);
    EXPECT_NE(v.error().message.find("enabled must be a boolean"), std::string::npos)
        << v.error().message;
  }
  auto off = parseFlagValue(R"({"enabled": false, "rollout_percentage": 5})");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->enabled);
}

TEST(FlagValue, RolloutPercentageIsAnIntegerFrom0To100) {
  for (const char* good : {"0", "1", "99", "100"}) {
    auto v =
        parseFlagValue(std::string(R"({"enabled": true, "rollout_percentage": )") + good + "}");
    ASSERT_TRUE(v.ok()) << good;
    EXPECT_EQ(v->rollout_percentage, std::stoi(good));
  }
  for (const char* bad : {"-1", "101", "50.5", "50.0", R"("50")", "true", "1e3"}) {
    auto v = parseFlagValue(std::string(R"({"enabled": true, "rollout_percentage": )") + bad + "}");
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_NE(v.error().message.find("rollout_percentage must be an integer in [0, 100]"),
              std::string::npos)
        << v.error().message;
  }
}

TEST(FlagValue, RequiresEnabledAndPercentage) {
  auto v = parseFlagValue(R"({"min_stability_threshold": 0.8})");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("enabled must be a boolean (true or false) (missing)"),
            std::string::npos);
  EXPECT_NE(v.error().message.find("rollout_percentage must be an integer in [0, 100] (missing)"),
            std::string::npos);
}

TEST(FlagValue, RejectsMalformedJson) {
  for (const char* bad : {"", "{", "not json", "[1,2]", "42", R"("text")", "{\"enabled\": tru}"}) {
    auto v = parseFlagValue(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error().code, core::ErrorCode::kInvalidInput);
  }
}

// Found by flags_value_fuzz: a number too large for a double (1e400) is not a parse_error but
// an out_of_range exception in nlohmann's second parse (for the message), which escaped and
// terminated the process.
TEST(FlagValue, RejectsNumberOverflow) {
  auto v = parseFlagValue(R"({"enabled":true,"rollout_percentage":1,"x":0.5e3002})");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(v.error().message.find("number overflow"), std::string::npos) << v.error().message;
}

// Found by flags_value_fuzz (tests/fuzz/crashes/flags_value_fuzz/): an unknown key holding a value
// nested tens of thousands of levels deep overflowed the stack when kept (printed) verbatim.
TEST(FlagValue, RejectsDeepNesting) {
  std::string deep = R"({"enabled":true,"rollout_percentage":1,"x":)" + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  auto v = parseFlagValue(deep);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "flag value is nested deeper than 32 levels");
  auto shallow = parseFlagValue(R"({"enabled":true,"rollout_percentage":1,"x":[[[1]]]})");
  ASSERT_TRUE(shallow.ok());
}

// Both sides of every engine key's range, from configKeys() (each key declared once).
TEST(FlagValue, EveryEngineKeyIsCheckedOnBothSides) {
  for (const auto& key : engine::configKeys()) {
    SCOPED_TRACE(key.name);
    if (key.type == engine::KeyType::kEnum) {
      std::string choices = key.choices;
      std::size_t start = 0;
      while (start <= choices.size()) {
        std::size_t bar = choices.find('|', start);
        std::string one = choices.substr(start, bar == std::string::npos ? bar : bar - start);
        auto v = parseFlagValue(withKey(key.name, "\"" + one + "\""));
        ASSERT_TRUE(v.ok()) << one;
        EXPECT_EQ(v->applyTo({}).validate().size(), 0u);
        EXPECT_EQ(engine::getConfigValue(v->applyTo({}), key.name), one);
        if (bar == std::string::npos) break;
        start = bar + 1;
      }
      for (const char* bad : {R"("bogus")", "1", "true"}) {
        auto v = parseFlagValue(withKey(key.name, bad));
        ASSERT_FALSE(v.ok()) << bad;
        EXPECT_NE(v.error().message.find(std::string(key.name) + " must be one of"),
                  std::string::npos)
            << v.error().message;
      }
      continue;
    }
    for (double good : {key.min, key.max}) {
      auto v = parseFlagValue(withKey(key.name, key.type == engine::KeyType::kInteger
                                                    ? std::to_string(static_cast<long long>(good))
                                                    : num(good)));
      ASSERT_TRUE(v.ok()) << good << ": " << v.error().message;
      ASSERT_NE(v->find(key.name), nullptr);
      EXPECT_DOUBLE_EQ(v->find(key.name)->number, good);
    }
    const std::string range = engine::describeRange(key);
    double below = key.type == engine::KeyType::kInteger ? key.min - 1 : key.min - 0.01;
    double above = key.type == engine::KeyType::kInteger ? key.max + 1 : key.max + 0.01;
    for (double bad : {below, above}) {
      auto v = parseFlagValue(withKey(key.name, key.type == engine::KeyType::kInteger
                                                    ? std::to_string(static_cast<long long>(bad))
                                                    : num(bad)));
      ASSERT_FALSE(v.ok()) << bad;
      EXPECT_NE(v.error().message.find(range), std::string::npos) << v.error().message;
    }
    auto as_string = parseFlagValue(withKey(key.name, "\"" + num(key.min) + "\""));
    ASSERT_FALSE(as_string.ok());
    EXPECT_NE(as_string.error().message.find(range), std::string::npos);
    if (key.type == engine::KeyType::kInteger) {
      auto fractional = parseFlagValue(withKey(key.name, num(key.min + 0.5)));
      ASSERT_FALSE(fractional.ok());
      EXPECT_NE(fractional.error().message.find("must be an integer"), std::string::npos);
    }
  }
}

TEST(FlagValue, RunbookRangesAreThoseOfTheIssue) {
  EXPECT_FALSE(parseFlagValue(withKey("min_stability_threshold", "0.69")).ok());
  EXPECT_TRUE(parseFlagValue(withKey("min_stability_threshold", "0.70")).ok());
  EXPECT_TRUE(parseFlagValue(withKey("min_stability_threshold", "0.95")).ok());
  EXPECT_FALSE(parseFlagValue(withKey("min_stability_threshold", "0.96")).ok());
  EXPECT_FALSE(parseFlagValue(withKey("max_buffer_timeout", "1.9")).ok());
  EXPECT_TRUE(parseFlagValue(withKey("max_buffer_timeout", "2")).ok());
  EXPECT_TRUE(parseFlagValue(withKey("max_buffer_timeout", "10")).ok());
  EXPECT_FALSE(parseFlagValue(withKey("max_buffer_timeout", "10.5")).ok());
}

TEST(FlagValue, ReportsEveryProblemAtOnce) {
  auto v =
      parseFlagValue(R"({"enabled": "yes", "rollout_percentage": 500, "max_buffer_timeout": 50})");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("enabled"), std::string::npos);
  EXPECT_NE(v.error().message.find("rollout_percentage"), std::string::npos);
  EXPECT_NE(v.error().message.find("max_buffer_timeout must be a number in [2, 10]"),
            std::string::npos);
}

TEST(FlagValue, UnknownKeysWarnAndSurviveARewrite) {
  std::vector<std::string> warnings;
  auto v = parseFlagValue(R"({"enabled": true, "rollout_percentage": 10, "owner": "team-a"})",
                          &warnings);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("owner"), std::string::npos);
  std::string again = toJson(*v);
  EXPECT_NE(again.find(R"("owner":"team-a")"), std::string::npos) << again;
  auto reparsed = parseFlagValue(again);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(toJson(*reparsed), again);
}

TEST(FlagValue, CanonicalJsonRoundTrips) {
  FlagValue v;
  v.enabled = false;
  v.rollout_percentage = 42;
  ASSERT_TRUE(setFromText(v, "forward_policy", "sentence").ok());
  ASSERT_TRUE(setFromText(v, "min_stability_threshold", "0.9").ok());
  ASSERT_TRUE(setFromText(v, "max_rate_per_second", "7").ok());
  std::string json = toJson(v);
  EXPECT_EQ(json, R"({"enabled":false,"rollout_percentage":42,"min_stability_threshold":0.9,)"
                  R"("max_rate_per_second":7,"forward_policy":"sentence"})");
  auto back = parseFlagValue(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(toJson(*back), json);
}

TEST(FlagValue, SetFromTextChecksTypesAndRanges) {
  FlagValue v;
  EXPECT_TRUE(setFromText(v, "enabled", "false").ok());
  EXPECT_FALSE(v.enabled);
  auto not_bool = setFromText(v, "enabled", "no");
  ASSERT_FALSE(not_bool.ok());
  EXPECT_NE(not_bool.error().message.find("enabled must be a boolean"), std::string::npos);
  auto fractional = setFromText(v, "rollout_percentage", "50.5");
  ASSERT_FALSE(fractional.ok());
  EXPECT_NE(fractional.error().message.find("rollout_percentage must be an integer in [0, 100]"),
            std::string::npos);
  EXPECT_FALSE(setFromText(v, "max_rate_per_second", "5.5").ok());
  EXPECT_FALSE(setFromText(v, "min_stability_threshold", "abc").ok());
  auto range = setFromText(v, "min_stability_threshold", "0.5");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message.find("[0.7, 0.95]"), std::string::npos) << range.error().message;
  auto unknown = setFromText(v, "colour", "blue");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown key 'colour'"), std::string::npos);
  EXPECT_TRUE(setFromText(v, "rollout_percentage", "0").ok());
  EXPECT_EQ(v.rollout_percentage, 0);
}

TEST(FlagEnvironment, DefaultsWithoutVariables) {
  ScopedEnv a("ROLLOUT_PERCENTAGE", nullptr), b("PARTIAL_RESULTS_ENABLED", nullptr),
      c("FEATURE_FLAG_PARAMETER_NAME", nullptr), d("FEATURE_FLAG_CACHE_TTL", nullptr),
      e("MIN_STABILITY_THRESHOLD", nullptr);
  FlagEnvironment env = readFlagEnvironment();
  EXPECT_TRUE(env.problems.empty());
  EXPECT_EQ(env.parameter_name, kDefaultParameterName);
  EXPECT_TRUE(env.enabled);
  EXPECT_EQ(env.rollout_percentage, 100);
  EXPECT_DOUBLE_EQ(env.cache_ttl, 60.0);
  EXPECT_FALSE(killSwitchFromEnvironment());
}

TEST(FlagEnvironment, ReadsTheRunbookVariables) {
  ScopedEnv a("ROLLOUT_PERCENTAGE", "10"), b("PARTIAL_RESULTS_ENABLED", "false"),
      c("FEATURE_FLAG_PARAMETER_NAME", "/dev/flag"), d("FEATURE_FLAG_CACHE_TTL", "5"),
      e("MIN_STABILITY_THRESHOLD", "0.9"), f("MAX_BUFFER_TIMEOUT", "3");
  FlagEnvironment env = readFlagEnvironment();
  EXPECT_TRUE(env.problems.empty());
  EXPECT_EQ(env.rollout_percentage, 10);
  EXPECT_FALSE(env.enabled);
  EXPECT_EQ(env.parameter_name, "/dev/flag");
  EXPECT_DOUBLE_EQ(env.cache_ttl, 5.0);
  EXPECT_DOUBLE_EQ(env.config.min_stability_threshold, 0.9);
  EXPECT_TRUE(killSwitchFromEnvironment());
  FlagValue def = env.defaultValue();
  EXPECT_EQ(def.rollout_percentage, 10);
  ASSERT_NE(def.find("max_buffer_timeout"), nullptr);
  EXPECT_DOUBLE_EQ(def.find("max_buffer_timeout")->number, 3.0);
}

TEST(FlagEnvironment, InvalidVariablesAreReportedAndIgnored) {
  ScopedEnv a("ROLLOUT_PERCENTAGE", "50.5"), b("PARTIAL_RESULTS_ENABLED", "maybe"),
      c("FEATURE_FLAG_CACHE_TTL", "-3"), d("MIN_STABILITY_THRESHOLD", "2");
  FlagEnvironment env = readFlagEnvironment();
  EXPECT_EQ(env.problems.size(), 4u);
  EXPECT_EQ(env.rollout_percentage, 100);
  EXPECT_TRUE(env.enabled);
  EXPECT_FALSE(killSwitchFromEnvironment());  // an unreadable value is not a kill
  EXPECT_DOUBLE_EQ(env.cache_ttl, 60.0);
  EXPECT_DOUBLE_EQ(env.config.min_stability_threshold, 0.85);
}

// The engine's variables are read here, at its edge (the engine never reads the environment).
TEST(EngineEnvironment, AppliesSetVariablesAndListsBadOnes) {
  ScopedEnv a("MIN_STABILITY_THRESHOLD", "0.9"), b("MAX_RATE_PER_SECOND", "500"),
      c("PAUSE_THRESHOLD", "");
  engine::EngineConfig config;
  auto problems = applyEngineEnvironment(config);
  EXPECT_DOUBLE_EQ(config.min_stability_threshold, 0.9);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("MAX_RATE_PER_SECOND"), std::string::npos);
  EXPECT_EQ(config.max_rate_per_second, 5);                                          // left out
  EXPECT_DOUBLE_EQ(config.pause_threshold, engine::EngineConfig{}.pause_threshold);  // empty: unset
}

TEST(EngineEnvironment, FrontierKeys) {
  ScopedEnv a("STABILITY_FALLBACK", "frontier"), b("COMMIT_LAG", "0.5"),
      c("COMMIT_MIN_HYPOTHESES", "9");
  engine::EngineConfig e;
  auto problems = applyEngineEnvironment(e);
  EXPECT_EQ(e.stability_fallback, engine::StabilityFallback::kFrontier);
  EXPECT_DOUBLE_EQ(e.commit_lag, 0.5);
  EXPECT_EQ(e.commit_min_hypotheses, 2);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("COMMIT_MIN_HYPOTHESES"), std::string::npos);
}

// Every accepted spelling of PARTIAL_RESULTS_ENABLED (docs/configuration.md), in any case.
const char* const kKillSwitchOn[] = {"false", "FALSE", "False", "0",  "no",
                                     "No",    "NO",    "off",   "OFF"};
const char* const kKillSwitchOff[] = {"true", "TRUE", "True", "1", "yes", "YES", "on", "On"};

TEST(KillSwitch, OneParserOneSetOfSpellings) {
  for (const char* v : kKillSwitchOn) {
    auto on = parseKillSwitch(v);
    ASSERT_TRUE(on.ok()) << v;
    EXPECT_TRUE(*on) << v;
  }
  for (const char* v : kKillSwitchOff) {
    auto on = parseKillSwitch(v);
    ASSERT_TRUE(on.ok()) << v;
    EXPECT_FALSE(*on) << v;
  }
  for (const char* v : {"maybe", "2", "disabled", " false", "", "y", "n"}) {
    auto on = parseKillSwitch(v);
    ASSERT_FALSE(on.ok()) << v;
    EXPECT_EQ(on.error().message,
              "PARTIAL_RESULTS_ENABLED must be true|1|yes|on or false|0|no|off (got '" +
                  std::string(v) + "')");
  }
}

TEST(KillSwitch, FromTheEnvironmentEveryCommandPath) {
  for (const char* v : kKillSwitchOn) {
    ScopedEnv a("PARTIAL_RESULTS_ENABLED", v);
    auto on = readKillSwitch();  // parley run, parley replay
    ASSERT_TRUE(on.ok()) << v;
    EXPECT_TRUE(*on) << v;
    EXPECT_TRUE(killSwitchFromEnvironment()) << v;  // parley serve, flags, rollout
    FlagEnvironment env = readFlagEnvironment();    // the default behind the store
    EXPECT_FALSE(env.enabled) << v;
    EXPECT_TRUE(env.problems.empty()) << v;
  }
  for (const char* v : kKillSwitchOff) {
    ScopedEnv a("PARTIAL_RESULTS_ENABLED", v);
    auto on = readKillSwitch();
    ASSERT_TRUE(on.ok()) << v;
    EXPECT_FALSE(*on) << v;
    EXPECT_FALSE(killSwitchFromEnvironment()) << v;
    EXPECT_TRUE(readFlagEnvironment().enabled) << v;
  }
  for (const char* v : {static_cast<const char*>(nullptr), ""}) {  // unset or empty: not set
    ScopedEnv a("PARTIAL_RESULTS_ENABLED", v);
    auto on = readKillSwitch();
    ASSERT_TRUE(on.ok());
    EXPECT_FALSE(*on);
    EXPECT_FALSE(killSwitchFromEnvironment());
  }
  // Unreadable: run and replay refuse it; serve's hot path reads it as not set, and
  // readFlagEnvironment lists the problem (serve logs it).
  ScopedEnv a("PARTIAL_RESULTS_ENABLED", "maybe");
  EXPECT_FALSE(readKillSwitch().ok());
  EXPECT_FALSE(killSwitchFromEnvironment());
  auto problems = readFlagEnvironment().problems;
  EXPECT_EQ(std::count_if(problems.begin(), problems.end(),
                          [](const std::string& p) {
                            return p.find("PARTIAL_RESULTS_ENABLED") != std::string::npos;
                          }),
            1);
}

}  // namespace
}  // namespace parley::flags
