#include "server/server_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

TEST(ServerConfig, TomlProblemsAreAllReported) {
  ServerConfig c;
  engine::EngineConfig e;
  auto path = writeFile(
      "bad.toml", "[server]\nport = \"x\"\nbogus = 1\n[engine]\nmin_stability_threshold = 2\n");
  auto st = applyServerConfigFile(c, e, path);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("server.port must be a number"), std::string::npos);
  EXPECT_NE(st.error().message.find("unknown key server.bogus"), std::string::npos);
  EXPECT_NE(st.error().message.find("min_stability_threshold"), std::string::npos);
}

}  // namespace
}  // namespace parley::server
