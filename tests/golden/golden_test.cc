// Golden scenarios: every tests/golden/<scenario>/input.jsonl is replayed with the options in its
// args file, through replay::replayTrace (what `parley replay` runs), and the output must equal
// expected.jsonl byte for byte, and its notices and final counters notices.expected.jsonl.
// PARLEY_UPDATE_GOLDEN=1 rewrites the expected files instead; the
// diff is then reviewed by hand against docs/engine.md.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/log.h"
#include "ingest/trace.h"
#include "replay/replay.h"
#include "scenario.h"

namespace parley::golden {
namespace {

bool updating() {
  const char* v = std::getenv("PARLEY_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, ReplayMatchesExpected) {
  const std::string& name = GetParam();
  const std::string dir = goldenDir() + "/" + name;
  auto options = optionsFromArgs(name, readArgs(name));
  ASSERT_TRUE(options.ok()) << options.error().message;

  std::ifstream in(dir + "/input.jsonl", std::ios::binary);
  ASSERT_TRUE(in) << "cannot open " << dir << "/input.jsonl";
  replay::ReplayResult result = replay::replayTrace(in, *options);
  for (const auto& e : result.errors) {
    ADD_FAILURE() << name << "/input.jsonl line " << e.line << ": " << e.reason;
  }
  std::string actual;
  for (const auto& s : result.segments) actual += ingest::formatSegmentJson(s) + "\n";

  // Properties every replay output has, whatever the scenario.
  ASSERT_FALSE(result.segments.empty()) << "a scenario should forward something";
  double last_emit = 0;
  for (std::size_t i = 0; i < result.segments.size(); ++i) {
    const auto& s = result.segments[i];
    EXPECT_EQ(s.seq, static_cast<long long>(i + 1));
    EXPECT_EQ(s.session_id, result.session_id);
    EXPECT_GE(s.emitted_at, last_emit) << "seq " << s.seq;
    last_emit = s.emitted_at;
    EXPECT_FALSE(s.text.empty()) << "seq " << s.seq;
    EXPECT_LE(s.audio_start, s.audio_end) << "seq " << s.seq;
  }
  // Rate limit (docs/engine.md, rule 5): at most max_rate_per_second rate-limited segments in any
  // second.
  std::vector<double> limited;
  for (const auto& s : result.segments) {
    if (s.kind == engine::SegmentKind::kPartial || s.kind == engine::SegmentKind::kTimeout) {
      limited.push_back(s.emitted_at);
    }
  }
  for (std::size_t i = 0; i < limited.size(); ++i) {
    int in_window = 0;
    for (std::size_t j = 0; j <= i; ++j) {
      if (limited[j] > limited[i] - 1.0) ++in_window;
    }
    EXPECT_LE(in_window, options->config.max_rate_per_second) << "at t=" << limited[i];
  }

  const std::string expected_path = dir + "/expected.jsonl";
  if (updating()) {
    std::ofstream out(expected_path, std::ios::binary | std::ios::trunc);
    out << actual;
    ASSERT_TRUE(out.good()) << "cannot write " << expected_path;
    std::printf("updated %s (%zu segments)\n", expected_path.c_str(), result.segments.size());
    return;
  }
  std::ifstream check(expected_path);
  ASSERT_TRUE(check) << expected_path
                     << " is missing; run with PARLEY_UPDATE_GOLDEN=1 and review the output";
  EXPECT_EQ(actual, readFile(expected_path))
      << "replay output of " << name << " differs from expected.jsonl "
      << "(if the change is intended: PARLEY_UPDATE_GOLDEN=1, then review the diff)";

  // Replaying again gives the same bytes (no hidden state, no wall clock).
  std::ifstream again_in(dir + "/input.jsonl", std::ios::binary);
  auto again = replay::replayTrace(again_in, *options);
  std::string again_text;
  for (const auto& s : again.segments) again_text += ingest::formatSegmentJson(s) + "\n";
  EXPECT_EQ(again_text, actual);
}

// What a replay reports besides its segments: the engine's notices (log events, stamped with
// virtual time) and its final counters, one line each.
std::string noticesAndCounters(const std::string& name, const replay::ReplayOptions& options) {
  std::ifstream in(goldenDir() + "/" + name + "/input.jsonl", std::ios::binary);
  std::string out;
  replay::ReplayCallbacks callbacks;
  callbacks.on_notice = [&out](const core::log::Record& r) {
    out += core::log::formatJson(r) + "\n";
  };
  const replay::ReplayResult result = replay::replayTrace(in, options, callbacks);
  const engine::EngineStats& st = result.stats;
  std::ostringstream c;
  c << "{\"counters\":{\"events\":" << st.events << ",\"partial_events\":" << st.partial_events
    << ",\"final_events\":" << st.final_events << ",\"segments\":" << st.segments
    << ",\"words_forwarded\":" << st.words_forwarded
    << ",\"partial_results_dropped\":" << st.partial_results_dropped
    << ",\"duplicates_detected\":" << st.duplicates_detected
    << ",\"orphaned_results_flushed\":" << st.orphaned_results_flushed
    << ",\"transcribe_fallback_triggered\":" << st.transcribe_fallback_triggered
    << ",\"discrepancies\":" << st.discrepancies
    << ",\"discrepancy_warnings\":" << st.discrepancy_warnings
    << ",\"late_events\":" << st.late_events << ",\"overflow_words\":" << st.overflow_words
    << ",\"invalid_events\":" << st.invalid_events
    << ",\"stability_unavailable\":" << st.stability_unavailable
    << ",\"mode_switches\":" << st.mode_switches << "}}\n";
  return out + c.str();
}

// The notices and counters are pinned too: a scenario whose log events or counters regress
// (a discrepancy no longer counted, a duplicate no longer noticed) fails here.
TEST_P(GoldenTest, NoticesAndCountersMatchExpected) {
  const std::string& name = GetParam();
  auto options = optionsFromArgs(name, readArgs(name));
  ASSERT_TRUE(options.ok()) << options.error().message;
  const std::string actual = noticesAndCounters(name, *options);
  const std::string path = goldenDir() + "/" + name + "/notices.expected.jsonl";
  if (updating()) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << actual;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    return;
  }
  std::ifstream check(path);
  ASSERT_TRUE(check) << path << " is missing; run with PARLEY_UPDATE_GOLDEN=1 and review it";
  EXPECT_EQ(actual, readFile(path))
      << "notices or counters of " << name << " differ from notices.expected.jsonl";
}

INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenTest, ::testing::ValuesIn(listScenarios()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(GoldenScenarios, RequiredScenariosExist) {
  const std::set<std::string> have = [] {
    auto v = listScenarios();
    return std::set<std::string>(v.begin(), v.end());
  }();
  for (const char* name : {"aws_stable_items", "float_stability", "no_stability_timeout",
                           "no_stability_local_agreement", "pause", "punctuation", "buffer_timeout",
                           "rate_limit_burst", "duplicate_final", "discrepancy", "orphan",
                           "buffer_overflow", "late_event", "recognizer_stall_recovery",
                           "final_only_mode", "flag_change_midstream", "kill_switch"}) {
    EXPECT_TRUE(have.count(name)) << "missing scenario tests/golden/" << name;
  }
}

}  // namespace
}  // namespace parley::golden
