// Golden caption lines: the scenarios below are replayed with their args through
// replay::replayTrace feeding a lines::LineFeed (default LineConfig, source language, no
// translator: what `parley replay --lines` prints), and the revisions must equal
// tests/golden/<scenario>/lines.expected.jsonl byte for byte. PARLEY_UPDATE_GOLDEN=1 rewrites
// them; review the diff against docs/lines.md. The parley binary must print the same.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "lines/feed.h"
#include "replay/replay.h"
#include "scenario.h"

namespace parley::golden {
namespace {

// A final contradicting committed words (discrepancy, no_stability_frontier_lag_only), finals
// with no partials (final_only_mode), an orphan plus a result split into lines (orphan), AWS
// items with punctuation (aws_stable_items, punctuation), overflow forwards (buffer_overflow) and
// a final the engine suppresses as a duplicate (duplicate_final: no line for it).
const std::vector<std::string> kLineScenarios = {
    "aws_stable_items", "buffer_overflow", "discrepancy",
    "duplicate_final",  "final_only_mode", "no_stability_frontier_lag_only",
    "orphan",           "punctuation"};

bool updating() {
  const char* v = std::getenv("PARLEY_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

std::string replayLines(const std::string& name, std::vector<lines::Revision>* all = nullptr) {
  auto options = optionsFromArgs(name, readArgs(name));
  EXPECT_TRUE(options.ok()) << options.error().message;
  if (!options.ok()) return "";
  lines::LineFeed feed(lines::LineConfig{}, nullptr);
  std::string out;
  auto add = [&](const std::vector<lines::Revision>& revs) {
    for (const auto& r : revs) {
      out += lines::formatRevisionJson("en", r) + "\n";
      if (all) all->push_back(r);
    }
  };
  replay::ReplayCallbacks callbacks;
  callbacks.on_event = [&](const engine::RecognizerEvent& e, double) { add(feed.onEvent(e)); };
  callbacks.on_segment = [&](const engine::Segment& s) { add(feed.onSegment(s)); };
  std::ifstream in(goldenDir() + "/" + name + "/input.jsonl", std::ios::binary);
  EXPECT_TRUE(in) << name;
  auto result = replay::replayTrace(in, *options, callbacks);
  EXPECT_TRUE(result.errors.empty()) << name;
  add(feed.finish());
  return out;
}

class LinesGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(LinesGolden, RevisionsMatchExpected) {
  const std::string& name = GetParam();
  std::vector<lines::Revision> revs;
  const std::string actual = replayLines(name, &revs);
  ASSERT_FALSE(revs.empty());

  // Whatever the scenario: lines 1..N, rev 1, 2, 3, ... per line, one final revision each, last.
  std::map<long long, std::vector<lines::Revision>> by_line;
  for (const auto& r : revs) by_line[r.line].push_back(r);
  long long expected_line = 1;
  for (const auto& [line, list] : by_line) {
    EXPECT_EQ(line, expected_line++);
    for (std::size_t i = 0; i < list.size(); ++i) {
      EXPECT_EQ(list[i].rev, static_cast<int>(i + 1)) << "line " << line;
      EXPECT_EQ(list[i].final, i + 1 == list.size()) << "line " << line;
      EXPECT_LE(list[i].stable_chars, list[i].text.size()) << "line " << line;
    }
    EXPECT_EQ(list.back().text, list.back().source_text) << "identity view, line " << line;
  }

  const std::string path = goldenDir() + "/" + name + "/lines.expected.jsonl";
  if (updating()) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << actual;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    std::printf("updated %s (%zu revisions)\n", path.c_str(), revs.size());
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << " is missing; run with PARLEY_UPDATE_GOLDEN=1 and review the output";
  EXPECT_EQ(actual, readFile(path))
      << "line revisions of " << name << " differ from lines.expected.jsonl "
      << "(if the change is intended: PARLEY_UPDATE_GOLDEN=1, then review the diff)";
  EXPECT_EQ(replayLines(name), actual) << "a second replay differs";
}

INSTANTIATE_TEST_SUITE_P(Scenarios, LinesGolden, ::testing::ValuesIn(kLineScenarios),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// `parley replay --lines` as a user runs it prints the same bytes.
TEST(LinesGoldenCli, ReplayLinesPrintsExpected) {
  const std::string binary = std::string(PARLEY_BINARY_DIR) + "/parley";
  if (!std::filesystem::exists(binary)) GTEST_SKIP() << binary << " is not built";
  for (const auto& name : kLineScenarios) {
    const std::string dir = goldenDir() + "/" + name;
    std::string cmd = "env -i PATH=/usr/bin:/bin " + binary + " replay '" + dir + "/input.jsonl'";
    auto args = readArgs(name);
    for (std::size_t i = 0; i < args.size(); ++i) {
      cmd += " '" + (i > 0 && args[i - 1] == "--config" ? dir + "/" + args[i] : args[i]) + "'";
    }
    cmd += " --lines 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int status = pclose(p);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << name;
    EXPECT_EQ(out, readFile(dir + "/lines.expected.jsonl")) << name;
  }
}

}  // namespace
}  // namespace parley::golden
