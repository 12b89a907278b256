#include "server/server_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace parley::server {
namespace {

std::string writeFile(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() /
              ("parley_server_cfg_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}

TEST(ServerConfig, DefaultsAreValid) { EXPECT_TRUE(ServerConfig{}.validate().empty()); }

TEST(ServerConfig, ValidateNamesFieldAndRange) {
  ServerConfig c;
  c.port = 70000;
  c.heartbeat_timeout_s = 10;  // below heartbeat_s
  auto p = c.validate();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NE(p[0].find("port must be in [0, 65535]"), std::string::npos) << p[0];
  EXPECT_NE(p[1].find("heartbeat_timeout_seconds"), std::string::npos) << p[1];
}

TEST(ServerConfig, TomlServerAndEngineTables) {
  ServerConfig c;
  engine::EngineConfig e;
  auto path = writeFile("ok.toml",
                        "[server]\nport = 9090\nmax_listeners = 3\nlanguages = [\"es\"]\n"
                        "[engine]\nmin_stability_threshold = 0.9\n");
  auto st = applyServerConfigFile(c, e, path);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(c.port, 9090);
  EXPECT_EQ(c.max_listeners, 3u);
  EXPECT_DOUBLE_EQ(e.min_stability_threshold, 0.9);
}

TEST(ServerConfig, TranslatorIdleSeconds) {
  ServerConfig c;
  engine::EngineConfig e;
  EXPECT_DOUBLE_EQ(c.translator_idle_s, 300);
  auto st = applyServerConfigFile(
      c, e, writeFile("idle.toml", "[server]\ntranslator_idle_seconds = 60\n"));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_DOUBLE_EQ(c.translator_idle_s, 60);
  c.translator_idle_s = 0;
  auto p = c.validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("translator_idle_seconds"), std::string::npos) << p[0];
}

TEST(ServerConfig, ConnectionKeys) {
  ServerConfig c;
  engine::EngineConfig e;
  auto path = writeFile("conn.toml",
                        "[server]\nmax_connections = 500\nmax_connections_per_client = 100\n"
                        "allowed_origins = [\"https://a.example\", \"http://b.example:8080\"]\n");
  auto st = applyServerConfigFile(c, e, path);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(c.max_connections, 500u);
  EXPECT_EQ(c.max_connections_per_client, 100u);
  EXPECT_EQ(c.allowed_origins,
            (std::vector<std::string>{"https://a.example", "http://b.example:8080"}));
  EXPECT_TRUE(c.validate().empty());
  // One comma-separated string, as --allowed-origins takes it.
  path = writeFile("conn2.toml", "[server]\nallowed_origins = \" https://a.example , ,x://y:1\"\n");
  ASSERT_TRUE(applyServerConfigFile(c, e, path).ok());
  EXPECT_EQ(c.allowed_origins, (std::vector<std::string>{"https://a.example", "x://y:1"}));
  path = writeFile("conn3.toml", "[server]\nallowed_origins = [1]\nmax_connections = -1\n");
  st = applyServerConfigFile(c, e, path);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("server.allowed_origins must be an array of strings"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("server.max_connections is out of range"), std::string::npos)
      << st.error().message;
}

TEST(ServerConfig, ConnectionLimitsAreValidated) {
  ServerConfig c;
  c.max_connections = 2000000;
  c.allowed_origins = {"https://ok.example", "evil.example"};
  auto p = c.validate();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NE(p[0].find("max_connections must be in [0, 1000000]"), std::string::npos) << p[0];
  EXPECT_NE(p[1].find("allowed_origins: 'evil.example' is not an origin"), std::string::npos)
      << p[1];
  ServerConfig d;
  d.max_connections = 10;
  d.max_connections_per_client = 20;
  p = d.validate();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("max_connections_per_client must be at most max_connections (got 20 > 10)"),
            std::string::npos)
      << p[0];
  ServerConfig derived;  // 0: derived at start, any per-client value is fine
  derived.max_connections_per_client = 20;
  EXPECT_TRUE(derived.validate().empty());
}

TEST(ServerConfig, TomlProblemsAreAllReported) {
  ServerConfig c;
  engine::EngineConfig e;
  auto path = writeFile(
      "bad.toml", "[server]\nport = \"x\"\nbogus = 1\n[engine]\nmin_stability_threshold = 2\n");
  auto st = applyServerConfigFile(c, e, path);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("server.port must be an integer"), std::string::npos);
  EXPECT_NE(st.error().message.find("unknown key server.bogus"), std::string::npos);
  EXPECT_NE(st.error().message.find("min_stability_threshold"), std::string::npos);
}

// The message of a file that must fail, or "" (and a test failure) when it was accepted.
std::string fileProblems(const std::string& name, const std::string& text) {
  ServerConfig c;
  engine::EngineConfig e;
  auto st = applyServerConfigFile(c, e, writeFile(name, text));
  EXPECT_FALSE(st.ok()) << "accepted:\n" << text;
  return st.ok() ? std::string() : st.error().message;
}

bool contains(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems) {
    if (p.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

TEST(ServerConfig, IntegerKeysRefuseFractionsAndOverflow) {
  std::string m = fileProblems("int.toml", "[server]\nport = 8080.5\nmax_listeners = -1\n");
  EXPECT_NE(m.find("server.port must be an integer (got 8080.5)"), std::string::npos) << m;
  EXPECT_NE(m.find("server.max_listeners is out of range (got -1)"), std::string::npos) << m;
}

TEST(ServerConfig, RollbackDefaultsAreTheRunbooks) {
  ServerConfig c;
  EXPECT_TRUE(c.rollback.enabled);
  EXPECT_DOUBLE_EQ(c.rollback_interval_s, 60);
  EXPECT_DOUBLE_EQ(c.rollback.window_s, 300);
  EXPECT_DOUBLE_EQ(c.rollback.latency_disable_s, 7);
  EXPECT_DOUBLE_EQ(c.rollback.latency_reduce_s, 5);
  EXPECT_DOUBLE_EQ(c.rollback.latency_cooldown_s, 300);
  EXPECT_DOUBLE_EQ(c.rollback.error_cooldown_s, 120);
  EXPECT_TRUE(c.rollback.promotion.empty());
  EXPECT_TRUE(c.apertium_modes.empty());
  EXPECT_EQ(c.rollback.complaints_min_listeners, 3);
}

TEST(ServerConfig, ComplaintWindow) {
  EXPECT_DOUBLE_EQ(ServerConfig{}.complaint_window_s, 600);
  ServerConfig c;
  engine::EngineConfig e;
  auto st = applyServerConfigFile(
      c, e, writeFile("complaint_window.toml", "[server]\ncomplaint_window_seconds = 120\n"));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_DOUBLE_EQ(c.complaint_window_s, 120);
  std::string m =
      fileProblems("complaint_window_bad.toml", "[server]\ncomplaint_window_seconds = \"1m\"\n");
  EXPECT_NE(m.find("server.complaint_window_seconds must be a number"), std::string::npos) << m;
  c.complaint_window_s = 0;
  auto p = c.validate();
  ASSERT_EQ(p.size(), 1u) << joined(p);
  EXPECT_NE(p[0].find("complaint_window_seconds must be in [1, 86400] seconds"), std::string::npos)
      << p[0];
}

TEST(ServerConfig, EveryRollbackKeyIsApplied) {
  ServerConfig c;
  engine::EngineConfig e;
  const engine::EngineConfig engine_before = e;
  auto path = writeFile("rollback_all.toml",
                        "[server]\nport = 9091\n"
                        "[rollback]\n"
                        "enabled = false\n"
                        "interval_seconds = 5\n"
                        "min_samples = 2\n"
                        "complaints_min_listeners = 4\n"
                        "window_seconds = 30\n"
                        "complaints_window_seconds = 600\n"
                        "latency_cooldown_seconds = 60\n"
                        "error_cooldown_seconds = 30\n"
                        "other_cooldown_seconds = 45.5\n"
                        "latency_disable_seconds = 9\n"
                        "latency_reduce_seconds = 6\n"
                        "error_disable_rate = 0.1\n"
                        "error_reduce_rate = 0.03\n"
                        "dropped_reduce_per_minute = 150\n"
                        "orphaned_alert_per_session = 12\n"
                        "complaints_reduce_per_hour = 3\n"
                        "reduce_to = 25\n"
                        "complaints_reduce_to = 5\n"
                        "promotion = \"10:3600,50:86400,100\"\n");
  auto st = applyServerConfigFile(c, e, path);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(c.port, 9091);
  const obs::ControllerConfig& r = c.rollback;
  EXPECT_FALSE(r.enabled);
  EXPECT_DOUBLE_EQ(c.rollback_interval_s, 5);
  EXPECT_EQ(r.min_samples, 2);
  EXPECT_EQ(r.complaints_min_listeners, 4);
  EXPECT_DOUBLE_EQ(r.window_s, 30);
  EXPECT_DOUBLE_EQ(r.complaints_window_s, 600);
  EXPECT_DOUBLE_EQ(r.latency_cooldown_s, 60);
  EXPECT_DOUBLE_EQ(r.error_cooldown_s, 30);
  EXPECT_DOUBLE_EQ(r.other_cooldown_s, 45.5);
  EXPECT_DOUBLE_EQ(r.latency_disable_s, 9);
  EXPECT_DOUBLE_EQ(r.latency_reduce_s, 6);
  EXPECT_DOUBLE_EQ(r.error_disable_rate, 0.1);
  EXPECT_DOUBLE_EQ(r.error_reduce_rate, 0.03);
  EXPECT_DOUBLE_EQ(r.dropped_reduce_per_min, 150);
  EXPECT_DOUBLE_EQ(r.orphaned_alert_per_session, 12);
  EXPECT_DOUBLE_EQ(r.complaints_reduce_per_hour, 3);
  EXPECT_EQ(r.reduce_to, 25);
  EXPECT_EQ(r.complaints_reduce_to, 5);
  ASSERT_EQ(r.promotion.size(), 3u);
  EXPECT_EQ(r.promotion[0].percentage, 10);
  EXPECT_DOUBLE_EQ(r.promotion[0].bake_s, 3600);
  EXPECT_EQ(r.promotion[1].percentage, 50);
  EXPECT_DOUBLE_EQ(r.promotion[1].bake_s, 86400);
  EXPECT_EQ(r.promotion[2].percentage, 100);
  EXPECT_TRUE(c.validate().empty()) << joined(c.validate());
  // The [rollback] table reached neither the engine parser (which rejects unknown tables) nor
  // the engine configuration.
  EXPECT_EQ(e.min_stability_threshold, engine_before.min_stability_threshold);
  EXPECT_EQ(e.max_buffer_timeout, engine_before.max_buffer_timeout);
  EXPECT_EQ(e.orphan_timeout, engine_before.orphan_timeout);
}

TEST(ServerConfig, RollbackNextToEngineKeys) {
  ServerConfig c;
  engine::EngineConfig e;
  auto path = writeFile("rollback_engine.toml",
                        "orphan_timeout = 20\n"
                        "[rollback]\nmin_samples = 3\n"
                        "[engine]\nmin_stability_threshold = 0.8\n");
  auto st = applyServerConfigFile(c, e, path);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(c.rollback.min_samples, 3);
  EXPECT_DOUBLE_EQ(e.min_stability_threshold, 0.8);
  EXPECT_DOUBLE_EQ(e.orphan_timeout, 20);
}

TEST(ServerConfig, EveryRollbackKeyRefusesTheWrongType) {
  struct Case {
    const char* key;
    const char* value;
    const char* expected;
  };
  const Case cases[] = {
      {"enabled", "\"false\"", "rollback.enabled must be true or false"},
      {"enabled", "0", "rollback.enabled must be true or false"},
      {"interval_seconds", "\"60\"", "rollback.interval_seconds must be a number"},
      {"min_samples", "5.5", "rollback.min_samples must be an integer"},
      {"min_samples", "\"5\"", "rollback.min_samples must be an integer"},
      {"min_samples", "10000000000", "rollback.min_samples is out of range"},
      {"complaints_min_listeners", "2.5", "rollback.complaints_min_listeners must be an integer"},
      {"window_seconds", "\"300\"", "rollback.window_seconds must be a number"},
      {"window_seconds", "inf", "rollback.window_seconds must be a finite number"},
      {"complaints_window_seconds", "true", "rollback.complaints_window_seconds must be a number"},
      {"latency_cooldown_seconds", "[1]", "rollback.latency_cooldown_seconds must be a number"},
      {"error_cooldown_seconds", "\"x\"", "rollback.error_cooldown_seconds must be a number"},
      {"other_cooldown_seconds", "nan", "rollback.other_cooldown_seconds must be a finite number"},
      {"latency_disable_seconds", "inf",
       "rollback.latency_disable_seconds must be a finite number"},
      {"latency_reduce_seconds", "false", "rollback.latency_reduce_seconds must be a number"},
      {"error_disable_rate", "\"5%\"", "rollback.error_disable_rate must be a number"},
      {"error_reduce_rate", "{a = 1}", "rollback.error_reduce_rate must be a number"},
      {"dropped_reduce_per_minute", "\"200\"",
       "rollback.dropped_reduce_per_minute must be a number"},
      {"orphaned_alert_per_session", "true",
       "rollback.orphaned_alert_per_session must be a number"},
      {"complaints_reduce_per_hour", "\"5\"",
       "rollback.complaints_reduce_per_hour must be a number"},
      {"reduce_to", "50.0", "rollback.reduce_to must be an integer"},
      {"complaints_reduce_to", "\"10\"", "rollback.complaints_reduce_to must be an integer"},
      {"promotion", "10", "rollback.promotion must be a string"},
      {"promotion", "\"50,10\"", "rollback.promotion: "},
      {"promotion", "\"10:x\"", "rollback.promotion: "},
  };
  for (const auto& c : cases) {
    std::string text = std::string("[rollback]\n") + c.key + " = " + c.value + "\n";
    std::string m = fileProblems("rollback_type.toml", text);
    EXPECT_NE(m.find(c.expected), std::string::npos) << text << "-> " << m;
    // Reported once, by the rollback reader, never by the engine parser.
    EXPECT_EQ(m.find("unknown"), std::string::npos) << m;
  }
}

TEST(ServerConfig, RollbackProblemsAreAllReportedTogether) {
  std::string m = fileProblems("rollback_many.toml",
                               "[rollback]\nbogus = 1\nmin_samples = 1.5\nenabled = 1\n"
                               "[server]\napertium_modes = 7\n");
  EXPECT_NE(m.find("unknown key rollback.bogus"), std::string::npos) << m;
  EXPECT_NE(m.find("rollback.min_samples must be an integer"), std::string::npos) << m;
  EXPECT_NE(m.find("rollback.enabled must be true or false"), std::string::npos) << m;
  EXPECT_NE(m.find("server.apertium_modes must be a string"), std::string::npos) << m;
  // The engine parser never saw the [rollback] table.
  EXPECT_EQ(m.find("unknown table"), std::string::npos) << m;
  EXPECT_EQ(m.find("unknown configuration key"), std::string::npos) << m;
}

TEST(ServerConfig, RollbackMustBeATable) {
  std::string m = fileProblems("rollback_scalar.toml", "rollback = 5\n");
  EXPECT_NE(m.find("[rollback] must be a table"), std::string::npos) << m;
  EXPECT_EQ(m.find("unknown configuration key"), std::string::npos) << m;
}

TEST(ServerConfig, RollbackRangesAreValidatedByKeyName) {
  struct Case {
    const char* toml;
    const char* expected;
  };
  const Case cases[] = {
      {"interval_seconds = 0.5", "rollback.interval_seconds must be in [1, 3600] seconds"},
      {"interval_seconds = 3601", "rollback.interval_seconds must be in [1, 3600] seconds"},
      {"min_samples = 0", "rollback.min_samples must be an integer >= 1"},
      {"complaints_min_listeners = 0", "rollback.complaints_min_listeners must be an integer >= 1"},
      {"window_seconds = 0", "rollback.window_seconds must be > 0"},
      {"window_seconds = 7200", "rollback.window_seconds must be at most 3600 seconds"},
      {"complaints_window_seconds = -1", "rollback.complaints_window_seconds must be > 0"},
      {"complaints_window_seconds = 86400",
       "rollback.complaints_window_seconds must be at most 3600 seconds"},
      {"latency_cooldown_seconds = -1", "rollback.latency_cooldown_seconds must be >= 0"},
      {"error_cooldown_seconds = -0.5", "rollback.error_cooldown_seconds must be >= 0"},
      {"other_cooldown_seconds = -1", "rollback.other_cooldown_seconds must be >= 0"},
      {"latency_reduce_seconds = 0", "rollback.latency_reduce_seconds must be > 0"},
      {"latency_disable_seconds = 4",
       "rollback.latency_disable_seconds must be >= latency_reduce_seconds"},
      {"error_reduce_rate = 0.2",
       "rollback.error_reduce_rate and rollback.error_disable_rate must satisfy"},
      {"error_disable_rate = 1.5",
       "rollback.error_reduce_rate and rollback.error_disable_rate must satisfy"},
      {"dropped_reduce_per_minute = 0", "rollback.dropped_reduce_per_minute must be > 0"},
      {"orphaned_alert_per_session = 0", "rollback.orphaned_alert_per_session must be > 0"},
      {"complaints_reduce_per_hour = -2", "rollback.complaints_reduce_per_hour must be > 0"},
      {"reduce_to = 100", "rollback.reduce_to must be in [1, 99]"},
      {"complaints_reduce_to = 0", "rollback.complaints_reduce_to must be in [1, 99]"},
  };
  for (const auto& c : cases) {
    ServerConfig config;
    engine::EngineConfig e;
    std::string text = std::string("[rollback]\n") + c.toml + "\n";
    auto st = applyServerConfigFile(config, e, writeFile("rollback_range.toml", text));
    ASSERT_TRUE(st.ok()) << text << st.error().message;  // types are fine; ranges are validate()'s
    auto problems = config.validate();
    ASSERT_EQ(problems.size(), 1u) << text << joined(problems);
    EXPECT_NE(problems[0].find(c.expected), std::string::npos) << text << problems[0];
    // The operator's key names, not the struct's (window_s, dropped_reduce_per_min).
    EXPECT_EQ(problems[0].find("_s "), std::string::npos) << problems[0];
    EXPECT_EQ(problems[0].find("per_min "), std::string::npos) << problems[0];
  }
}

TEST(ServerConfig, PromotionOption) {
  auto steps = parsePromotionOption("10:60,100");
  ASSERT_TRUE(steps.ok()) << steps.error().message;
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[1].percentage, 100);
  for (const char* none : {"", "none"}) {
    auto empty = parsePromotionOption(none);
    ASSERT_TRUE(empty.ok()) << none;
    EXPECT_TRUE(empty->empty()) << none;
  }
  EXPECT_FALSE(parsePromotionOption("100,50").ok());
  EXPECT_FALSE(parsePromotionOption("0:10").ok());

  // "none" in the file states the default (never raise) explicitly.
  ServerConfig c;
  engine::EngineConfig e;
  auto st = applyServerConfigFile(
      c, e, writeFile("promo_none.toml", "[rollback]\npromotion = \"none\"\n"));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(c.rollback.promotion.empty());
}

TEST(ServerConfig, ApertiumModesMustBeAnExistingDirectory) {
  auto dir = std::filesystem::temp_directory_path() /
             ("parley_server_cfg_" + std::to_string(::getpid()) + "_modes");
  std::filesystem::create_directories(dir);
  ServerConfig c;
  engine::EngineConfig e;
  auto st = applyServerConfigFile(
      c, e, writeFile("modes.toml", "[server]\napertium_modes = \"" + dir.string() + "\"\n"));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(c.apertium_modes, dir.string());
  EXPECT_TRUE(c.validate().empty()) << joined(c.validate());

  c.apertium_modes = (dir / "missing").string();
  auto problems = c.validate();
  ASSERT_EQ(problems.size(), 1u) << joined(problems);
  EXPECT_NE(problems[0].find("apertium_modes must be an existing directory"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[0].find("missing"), std::string::npos) << problems[0];

  // A file is not a directory.
  c.apertium_modes = writeFile("not_a_dir", "x");
  EXPECT_TRUE(contains(c.validate(), "apertium_modes must be an existing directory"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace parley::server
