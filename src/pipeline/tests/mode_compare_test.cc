// Pure logic of the pipeline module: the reruns of recorded recognition in both modes and the
// summary statistics (engine::Driver itself: src/engine/tests/driver_test.cc). Scripted
// recognizer events, no threads.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.h"
#include "pipeline/mode_compare.h"

namespace parley::pipeline {
namespace {

using engine::RecognizerEvent;
using engine::Segment;
using engine::SegmentKind;
using engine::Word;
using engine::WordKind;

const std::vector<std::string> kWords = {"the",    "birch",  "canoe", "slid", "on",    "the",
                                         "smooth", "planks", "glue",  "the",  "sheet", "to"};

// A recognizer speaking kWords at 0.35 s per word from 0.5 s, seen through 100 ms steps: a
// partial whenever a word was completed, words older than 0.6 s marked stable, one final
// 0.5 s after the last word (endpoint wait), computed in 10 ms per step.
std::vector<RecognizerStep> scriptedSteps(double compute = 0.01) {
  std::vector<RecognizerStep> steps;
  const double word_len = 0.35;
  const double t0 = 0.5;
  const double last_end = t0 + word_len * static_cast<double>(kWords.size());
  std::size_t shown = 0;
  bool finalized = false;
  for (int i = 1; i <= 80 && !finalized; ++i) {
    RecognizerStep step;
    step.audio_time = 0.1 * i;
    step.compute_s = compute;
    std::size_t done = 0;
    while (done < kWords.size() &&
           t0 + word_len * static_cast<double>(done + 1) <= step.audio_time) {
      ++done;
    }
    auto event = [&](bool partial) {
      RecognizerEvent e;
      e.result_id = "utt-1";
      e.is_partial = partial;
      e.start = t0;
      for (std::size_t w = 0; w < done; ++w) {
        Word word;
        word.text = kWords[w];
        word.start = t0 + word_len * static_cast<double>(w);
        word.end = word.start + word_len;
        if (partial) word.stable = word.end + 0.6 <= step.audio_time;
        e.words.push_back(word);
      }
      e.end = e.words.empty() ? t0 : e.words.back().end;
      return e;
    };
    if (step.audio_time >= last_end + 0.5) {
      step.events.push_back(event(false));
      finalized = true;
    } else if (done > shown) {
      step.events.push_back(event(true));
      shown = done;
    }
    steps.push_back(step);
  }
  double arrival = 0;
  for (auto& s : steps) {
    arrival = std::max(arrival, s.audio_time) + s.compute_s;
    s.arrival = arrival;
    s.received_at = arrival + 0.25;  // a live session that saw everything 250 ms later
  }
  return steps;
}

std::string joined(const std::vector<Segment>& segments) {
  std::string out;
  for (const auto& s : segments) {
    if (s.text.empty()) continue;
    if (!out.empty()) out += ' ';
    out += s.text;
  }
  return out;
}

std::string expectedText() {
  std::string out;
  for (const auto& w : kWords) out += (out.empty() ? "" : " ") + w;
  return out;
}

TEST(WordLatencies, PerSpokenWordExcludingPunctuation) {
  Segment s;
  s.emitted_at = 3.0;
  s.words = {{"hello", 0.5, 1.0, WordKind::kWord},
             {",", 1.0, 1.0, WordKind::kPunct},
             {"world", 1.2, 2.0, WordKind::kWord}};
  auto lat = wordLatencies(std::vector<Segment>{s});
  ASSERT_EQ(lat.size(), 2u);
  EXPECT_DOUBLE_EQ(lat[0], 2.0);
  EXPECT_DOUBLE_EQ(lat[1], 1.0);
}

TEST(RunEngineOnSteps, BothModesForwardEveryWordOncePartialFirst) {
  const auto steps = scriptedSteps();
  engine::EngineConfig config;
  ModeRun partial = runEngineOnSteps(steps, "s", config, engine::Mode::kPartial);
  ModeRun final_only = runEngineOnSteps(steps, "s", config, engine::Mode::kFinalOnly);

  EXPECT_EQ(joined(partial.segments), expectedText());
  EXPECT_EQ(joined(final_only.segments), expectedText());
  EXPECT_EQ(partial.latency.count, static_cast<long long>(kWords.size()));
  EXPECT_EQ(final_only.latency.count, static_cast<long long>(kWords.size()));

  // Final-only: one segment, emitted when the final arrived.
  ASSERT_EQ(final_only.segments.size(), 1u);
  EXPECT_EQ(final_only.segments[0].kind, SegmentKind::kFinal);
  EXPECT_DOUBLE_EQ(final_only.segments[0].emitted_at, steps.back().arrival);

  // Partial: several segments, partials before the final, lower latency.
  ASSERT_GT(partial.segments.size(), 1u);
  EXPECT_EQ(partial.segments.front().kind, SegmentKind::kPartial);
  EXPECT_LT(partial.latency.p50, final_only.latency.p50);
  EXPECT_LT(partial.latency.mean, final_only.latency.mean);
  for (std::size_t i = 1; i < partial.segments.size(); ++i) {
    EXPECT_EQ(partial.segments[i].seq, partial.segments[i - 1].seq + 1);
    EXPECT_GE(partial.segments[i].emitted_at, partial.segments[i - 1].emitted_at);
  }
  EXPECT_GT(partial.stats.partial_events, 0);
  EXPECT_EQ(partial.stats.final_events, 1);
}

TEST(RunEngineOnSteps, DeterministicAndClockSelectable) {
  const auto steps = scriptedSteps();
  ModeRun a = runEngineOnSteps(steps, "s", {}, engine::Mode::kPartial);
  ModeRun b = runEngineOnSteps(steps, "s", {}, engine::Mode::kPartial);
  ASSERT_EQ(a.segments.size(), b.segments.size());
  for (std::size_t i = 0; i < a.segments.size(); ++i) {
    EXPECT_EQ(a.segments[i].text, b.segments[i].text);
    EXPECT_DOUBLE_EQ(a.segments[i].emitted_at, b.segments[i].emitted_at);
  }
  // The received clock is 250 ms behind the arrival model in this script: the final is
  // emitted 250 ms later.
  ModeRun fa = runEngineOnSteps(steps, "s", {}, engine::Mode::kFinalOnly, StepClock::kArrival);
  ModeRun fr = runEngineOnSteps(steps, "s", {}, engine::Mode::kFinalOnly, StepClock::kReceived);
  ASSERT_EQ(fa.segments.size(), 1u);
  ASSERT_EQ(fr.segments.size(), 1u);
  EXPECT_NEAR(fr.segments[0].emitted_at - fa.segments[0].emitted_at, 0.25, 1e-9);
  EXPECT_NEAR(fr.latency.mean - fa.latency.mean, 0.25, 1e-9);
}

TEST(RunEngineOnSteps, SlowRecognizerDelaysArrivals) {
  // Compute 0.15 s per 0.1 s step: the recognizer falls behind and latencies grow.
  auto fast = scriptedSteps(0.01);
  auto slow = scriptedSteps(0.15);
  ModeRun f = runEngineOnSteps(fast, "s", {}, engine::Mode::kFinalOnly);
  ModeRun s = runEngineOnSteps(slow, "s", {}, engine::Mode::kFinalOnly);
  EXPECT_GT(s.latency.p50, f.latency.p50 + 1.0);
}

TEST(RunEngineOnSteps, NoStepsNoSegments) {
  ModeRun run = runEngineOnSteps({}, "s", {}, engine::Mode::kPartial);
  EXPECT_TRUE(run.segments.empty());
  EXPECT_EQ(run.latency.count, 0);
}

}  // namespace
}  // namespace parley::pipeline
