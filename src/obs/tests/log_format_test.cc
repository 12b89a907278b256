// Structured logs: with STRUCTURED_LOGGING=true every record is one JSON object a line with
// ts, level, event, session_id and message; the runbook's search strings survive intact.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "core/log.h"
#include "obs/log_events.h"

namespace parley::obs {
namespace {

class StructuredLog : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_level_ = core::log::level();
    core::log::setStructured(true);
    core::log::setLevel(core::log::Level::kDebug);
  }
  void TearDown() override {
    core::log::setStructured(false);
    core::log::setLevel(previous_level_);
  }
  core::log::Level previous_level_ = core::log::Level::kInfo;
};

TEST_F(StructuredLog, EveryCatalogueEventIsOneJsonLine) {
  ::testing::internal::CaptureStderr();
  for (const LogEventSpec& e : logEventTable()) {
    core::log::Level level;
    ASSERT_TRUE(core::log::parseLevel(e.level, &level)) << e.event;
    std::string message = std::string("example: ") + e.search_string + " \"quoted\"\ttab";
    core::log::write(level, e.event, "golden-eagle-427", message, {{"value", 0.25}, {"n", 3}});
  }
  std::string out = ::testing::internal::GetCapturedStderr();
  std::istringstream lines(out);
  std::string line;
  std::size_t i = 0;
  const auto table = logEventTable();
  while (std::getline(lines, line)) {
    ASSERT_LT(i, table.size());
    auto j = nlohmann::json::parse(line);  // throws (fails the test) on bad JSON
    for (const char* key : {"ts", "level", "event", "session_id", "message"}) {
      EXPECT_TRUE(j.contains(key)) << key << " in " << line;
    }
    EXPECT_TRUE(j["ts"].is_number());
    EXPECT_GT(j["ts"].get<double>(), 1.6e9);  // Unix seconds
    EXPECT_EQ(j["level"], table[i].level);
    EXPECT_EQ(j["event"], table[i].event);
    EXPECT_EQ(j["session_id"], "golden-eagle-427");
    std::string message = j["message"];
    EXPECT_NE(message.find(table[i].search_string), std::string::npos);
    EXPECT_NE(message.find("\"quoted\"\ttab"), std::string::npos);
    EXPECT_EQ(j["value"], 0.25);
    EXPECT_EQ(j["n"], 3);
    ++i;
  }
  EXPECT_EQ(i, table.size());
}

TEST_F(StructuredLog, LevelFilterDropsLowerLevels) {
  core::log::setLevel(core::log::Level::kWarn);
  ::testing::internal::CaptureStderr();
  core::log::info("orphan_flushed", "s", "Flushing orphaned result r1");
  core::log::warn("stability_unavailable", "s", "stability scores unavailable");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("orphan_flushed"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(out)["event"], "stability_unavailable");
}

TEST(LogEventTable, CoversTheRunbookSearchStrings) {
  std::set<std::string> strings;
  std::set<std::string> events;
  for (const LogEventSpec& e : logEventTable()) {
    if (*e.search_string) strings.insert(e.search_string);
    EXPECT_TRUE(events.insert(e.event).second) << "duplicate event " << e.event;
  }
  for (const char* s :
       {"Transcribe service appears unhealthy", "stability scores unavailable",
        "Error fetching parameter", "Rate limit", "Flushing orphaned result", "discrepancy"}) {
    EXPECT_TRUE(strings.count(s)) << s;
  }
}

}  // namespace
}  // namespace parley::obs
