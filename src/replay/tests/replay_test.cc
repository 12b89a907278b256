// replayTrace with the real engine and flags module: the virtual-time loop, session ids, mode,
// flag and kill-switch handling, rejected lines, the summary. Engine semantics proper are tested in
// src/engine and by the golden scenarios (tests/golden).
#include "replay/replay.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "core/hash.h"
#include "flags/decision.h"
#include "ingest/trace.h"

namespace parley::replay {
namespace {

using ingest::formatAudioLine;
using ingest::formatEventLine;
using ingest::formatFlagLine;
using ingest::formatModeLine;
using ingest::formatSegmentJson;
using ingest::LineError;

using engine::Mode;
using engine::SegmentKind;

// A sentence spoken word by word: partials with stable flags, then the final.
std::string speech(const std::string& result_id, double t0, const std::vector<std::string>& words,
                   bool with_final = true) {
  std::string out;
  std::vector<engine::Word> hyp;
  double t = t0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    engine::Word w;
    w.text = words[i];
    w.start = t;
    w.end = t + 0.3;
    t += 0.35;
    hyp.push_back(w);
    engine::RecognizerEvent ev;
    ev.result_id = result_id;
    ev.is_partial = true;
    ev.start = t0;
    ev.end = hyp.back().end;
    ev.words = hyp;
    // Every word but the newest is stable.
    for (std::size_t k = 0; k + 1 < ev.words.size(); ++k) ev.words[k].stable = true;
    ev.words.back().stable = false;
    out += formatAudioLine(ev.end + 0.1, ev.end + 0.1);
    out += formatEventLine(ev.end + 0.2, ev);
  }
  if (with_final) {
    engine::RecognizerEvent fin;
    fin.result_id = result_id;
    fin.is_partial = false;
    fin.start = t0;
    fin.end = hyp.back().end;
    fin.words = hyp;
    out += formatEventLine(fin.end + 1.5, fin);
  }
  return out;
}

ReplayResult run(const std::string& trace, ReplayOptions options = {}) {
  std::istringstream in(trace);
  return replayTrace(in, options);
}

std::string allText(const ReplayResult& r) {
  std::string text;
  for (const auto& s : r.segments) {
    if (!text.empty()) text += ' ';
    text += s.text;
  }
  return text;
}

std::string stdoutOf(const ReplayResult& r) {
  std::string out;
  for (const auto& s : r.segments) out += formatSegmentJson(s) + "\n";
  return out;
}

const std::vector<std::string> kWords = {"the",  "quick", "brown", "fox", "jumps",
                                         "over", "the",   "lazy",  "dog."};

TEST(Replay, ForwardsEveryWordOnceInPartialMode) {
  auto r = run(speech("r1", 0.0, kWords));
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.events, static_cast<long long>(kWords.size()) + 1);
  EXPECT_EQ(allText(r), "the quick brown fox jumps over the lazy dog.");
  ASSERT_FALSE(r.segments.empty());
  // Stable words go out before the final arrives.
  EXPECT_EQ(r.segments.front().kind, SegmentKind::kPartial);
  long long seq = 0;
  double last = 0;
  for (const auto& s : r.segments) {
    EXPECT_EQ(s.seq, ++seq);
    EXPECT_GE(s.emitted_at, last);
    last = s.emitted_at;
    EXPECT_EQ(s.session_id, "replay");
  }
  EXPECT_EQ(r.latency.count, 9);
  EXPECT_EQ(r.start_mode, Mode::kPartial);
  EXPECT_EQ(r.end_mode, Mode::kPartial);
}

TEST(Replay, SameTraceGivesByteIdenticalOutput) {
  std::string trace = speech("r1", 0.0, kWords) + speech("r2", 5.0, {"and", "then", "more."});
  EXPECT_EQ(stdoutOf(run(trace)), stdoutOf(run(trace)));
}

TEST(Replay, FinalOnlyModeForwardsFinalsOnly) {
  ReplayOptions o;
  o.mode = Mode::kFinalOnly;
  auto r = run(speech("r1", 0.0, kWords), o);
  ASSERT_EQ(r.segments.size(), 1u);
  EXPECT_EQ(r.segments[0].kind, SegmentKind::kFinal);
  EXPECT_EQ(r.segments[0].text, "the quick brown fox jumps over the lazy dog.");
  EXPECT_EQ(r.start_mode, Mode::kFinalOnly);
}

TEST(Replay, SessionIdPrecedence) {
  std::string body = speech("r1", 0.0, {"hello", "there."});
  std::string header = "{\"parley_trace\":1,\"session_id\":\"from-header\"}\n";
  EXPECT_EQ(run(body).session_id, "replay");
  EXPECT_EQ(run(header + body).session_id, "from-header");
  ReplayOptions o;
  o.session_id = "from-option";
  auto r = run(header + body, o);
  EXPECT_EQ(r.session_id, "from-option");
  ASSERT_FALSE(r.segments.empty());
  EXPECT_EQ(r.segments[0].session_id, "from-option");
}

TEST(Replay, KillSwitchHoldsFinalOnlyAgainstModeLines) {
  ReplayOptions o;
  o.kill_switch = true;
  auto r = run(formatModeLine(0, "partial") + speech("r1", 0.0, kWords), o);
  EXPECT_EQ(r.start_mode, Mode::kFinalOnly);
  EXPECT_EQ(r.end_mode, Mode::kFinalOnly);
  for (const auto& s : r.segments) EXPECT_EQ(s.kind, SegmentKind::kFinal);
}

TEST(Replay, ModeLineSwitchesWithoutLosingOrRepeatingWords) {
  // Half the sentence in partial mode, then final-only.
  std::string trace = speech("r1", 0.0, kWords);
  std::istringstream lines(trace);
  std::string line, cut;
  int n = 0;
  while (std::getline(lines, line)) {
    if (++n == 9) cut += formatModeLine(3.0, "final-only");
    cut += line + "\n";
  }
  auto r = run(cut);
  EXPECT_EQ(r.end_mode, Mode::kFinalOnly);
  EXPECT_EQ(allText(r), "the quick brown fox jumps over the lazy dog.");
  EXPECT_EQ(r.stats.mode_switches, 1);
  bool saw_final = false;
  for (const auto& s : r.segments) {
    if (s.emitted_at > 3.0) {
      EXPECT_EQ(s.kind, SegmentKind::kFinal) << s.text;
    }
    saw_final |= s.kind == SegmentKind::kFinal;
  }
  EXPECT_TRUE(saw_final);
}

TEST(Replay, FlagDecisionsUseTheBucketAndAreSticky) {
  ASSERT_EQ(core::bucketOf("golden-eagle-427"), 73);  // docs/flags.md, decision step 3
  // The decision is flags::decide's (enabled && bucket < rollout_percentage).
  auto allows = [](bool enabled, int pct) {
    flags::FlagSnapshot s;
    s.enabled = enabled;
    s.rollout_percentage = pct;
    return flags::decide(s, "golden-eagle-427", false).enabled;
  };
  EXPECT_TRUE(allows(true, 80));
  EXPECT_FALSE(allows(true, 73));
  EXPECT_FALSE(allows(false, 100));

  ReplayOptions o;
  o.session_id = "golden-eagle-427";
  std::string body = speech("r1", 0.0, kWords);
  // Down to 80%: bucket 73 stays in.
  auto stays = run(formatFlagLine(0.1, R"({"rollout_percentage":80})") + body, o);
  EXPECT_EQ(stays.end_mode, Mode::kPartial);
  // Down to 50%: out, and a later increase does not bring it back.
  auto out = run(formatFlagLine(0.1, R"({"rollout_percentage":50})") +
                     formatFlagLine(0.2, R"({"rollout_percentage":100})") + body,
                 o);
  EXPECT_EQ(out.end_mode, Mode::kFinalOnly);
  ASSERT_EQ(out.segments.size(), 1u);
  EXPECT_EQ(out.segments[0].kind, SegmentKind::kFinal);
  // Disabled and re-enabled: stays off.
  auto off = run(formatFlagLine(0.1, R"({"enabled":false})") +
                     formatFlagLine(0.2, R"({"enabled":true})") + body,
                 o);
  EXPECT_EQ(off.end_mode, Mode::kFinalOnly);
  EXPECT_EQ(allText(off), "the quick brown fox jumps over the lazy dog.");
}

TEST(Replay, RejectedLinesAreReportedAndTheRestProcessed) {
  std::string trace =
      "{\"t\":0.1,\"audio\":0.1}\nnot json\n{\"t\":0.2,\"flag\":{\"enabled\":\"no\"}}\n" +
      speech("r1", 0.0, {"still", "works."});
  std::vector<LineError> seen;
  ReplayCallbacks cb;
  cb.on_error = [&](const LineError& e) { seen.push_back(e); };
  std::istringstream in(trace);
  auto r = replayTrace(in, {}, cb);
  ASSERT_EQ(r.errors.size(), 2u);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[1].line, 3);
  EXPECT_EQ(allText(r), "still works.");
  EXPECT_NE(formatReplaySummary(r).find("rejected_lines=2"), std::string::npos);
}

TEST(Replay, DeadlinesAreTickedInVirtualTimeBetweenLines) {
  // One partial without any stability signal, then nothing until t=30: the timeout fallback
  // commits and forwards at a deadline, not at a line's arrival time.
  ReplayOptions o;
  o.config.stability_fallback = engine::StabilityFallback::kTimeout;
  std::string trace =
      R"({"t":1,"event":{"result_id":"r","is_partial":true,"start":0,"end":0.9,"words":[{"text":"hello","start":0.1,"end":0.5},{"text":"world","start":0.5,"end":0.9}]}})"
      "\n"
      R"({"t":30,"event":{"result_id":"r","is_partial":false,"start":0,"end":0.9,"words":[{"text":"hello","start":0.1,"end":0.5},{"text":"world","start":0.5,"end":0.9}]}})"
      "\n";
  auto r = run(trace, o);
  ASSERT_FALSE(r.segments.empty());
  EXPECT_GT(r.segments[0].emitted_at, 1.0);
  EXPECT_LT(r.segments[0].emitted_at, 30.0);
  EXPECT_EQ(allText(r), "hello world");
}

TEST(Replay, EverythingIsFlushedAfterTheLastLine) {
  auto r = run(speech("r1", 0.0, {"no", "final", "ever", "comes"}, /*with_final=*/false));
  EXPECT_EQ(allText(r), "no final ever comes");
  EXPECT_GE(r.end_time, 1.0);
}

TEST(Replay, NoticesCarryVirtualTimeAndSession) {
  ReplayOptions o;
  o.session_id = "s";
  o.config.stability_fallback = engine::StabilityFallback::kTimeout;
  std::vector<core::log::Record> notices;
  ReplayCallbacks cb;
  cb.on_notice = [&](const core::log::Record& rec) { notices.push_back(rec); };
  std::istringstream in(
      R"({"t":2.5,"event":{"result_id":"r","is_partial":true,"start":0,"end":0.9,"words":[{"text":"hi","start":0.1,"end":0.5}]}})"
      "\n");
  replayTrace(in, o, cb);
  ASSERT_FALSE(notices.empty());
  EXPECT_DOUBLE_EQ(notices[0].ts, 2.5);
  EXPECT_EQ(notices[0].session_id, "s");
}

TEST(Replay, EmptyTrace) {
  auto r = run("");
  EXPECT_TRUE(r.segments.empty());
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(formatReplaySummary(r),
            "replay: events=0 segments=0 words=0 latency_mean=n/a p50=n/a p95=n/a "
            "(session replay, mode partial)");
}

TEST(Latency, SummaryLine) {
  ReplayResult r;
  r.events = 120;
  r.segment_count = 14;
  r.session_id = "golden-eagle-427";
  r.latency = core::summarize({0.38, 0.2, 0.901, 0.519});
  EXPECT_EQ(formatReplaySummary(r),
            "replay: events=120 segments=14 words=4 latency_mean=0.500s p50=0.380s p95=0.901s "
            "(session golden-eagle-427, mode partial)");
}

}  // namespace
}  // namespace parley::replay
