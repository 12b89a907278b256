// engine::Driver: ticking exactly at deadlines, time that never goes backwards, notice stamping,
// the output handler, and the trailing ticks of a replay. Scripted recognizer events.
#include "engine/driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace parley::engine {
namespace {

const std::vector<std::string> kWords = {"the",    "birch",  "canoe", "slid", "on",    "the",
                                         "smooth", "planks", "glue",  "the",  "sheet", "to"};

struct Step {
  double at = 0;          // when the step reaches the engine
  double audio_time = 0;  // audio consumed
  std::vector<RecognizerEvent> events;
};

// A recognizer speaking kWords at 0.35 s per word from 0.5 s, seen through 100 ms chunks that
// take 10 ms each: a partial whenever a word was completed, words older than 0.6 s marked
// stable, one final 0.5 s after the last word.
std::vector<Step> scriptedSteps() {
  std::vector<Step> steps;
  const double word_len = 0.35;
  const double t0 = 0.5;
  const double last_end = t0 + word_len * static_cast<double>(kWords.size());
  std::size_t shown = 0;
  for (int i = 1; i <= 80; ++i) {
    Step step;
    step.audio_time = 0.1 * i;
    step.at = step.audio_time + 0.01;
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
    const bool last = step.audio_time >= last_end + 0.5;
    if (last) {
      step.events.push_back(event(false));
    } else if (done > shown) {
      step.events.push_back(event(true));
      shown = done;
    }
    steps.push_back(step);
    if (last) break;
  }
  return steps;
}

// One partial without any stability signal: with the timeout fallback it is forwarded at a
// deadline, and the engine warns once that stability scores are unavailable.
RecognizerEvent unstablePartial() {
  RecognizerEvent e;
  e.result_id = "r";
  e.is_partial = true;
  e.start = 0;
  e.end = 0.9;
  e.words = {{"hello", 0.1, 0.5, WordKind::kWord, {}, {}, {}},
             {"world", 0.5, 0.9, WordKind::kWord, {}, {}, {}}};
  return e;
}

EngineConfig timeoutConfig() {
  EngineConfig config;
  config.stability_fallback = StabilityFallback::kTimeout;
  return config;
}

// Ticking only at deadlines gives what an engine ticked every millisecond gives.
TEST(Driver, TicksAtDeadlinesLikeAContinuousClock) {
  const auto steps = scriptedSteps();
  EngineConfig config;
  Driver driver("s", config, Mode::kPartial);
  std::vector<Segment> by_driver;
  for (const auto& step : steps) {
    driver.audio(step.audio_time, step.at);
    for (const auto& e : step.events) driver.event(e, step.at);
    for (auto& s : driver.output().segments) by_driver.push_back(s);
    driver.output().clear();
  }

  Engine reference("s", config, Mode::kPartial);
  Output out;
  double now = 0;
  for (const auto& step : steps) {
    while (now + 0.001 < step.at) {
      now += 0.001;
      reference.onTick(now, out);
    }
    now = step.at;
    reference.onAudio(step.audio_time, now, out);
    for (const auto& e : step.events) reference.onEvent(e, now, out);
  }
  ASSERT_EQ(by_driver.size(), out.segments.size());
  ASSERT_FALSE(by_driver.empty());
  for (std::size_t i = 0; i < by_driver.size(); ++i) {
    EXPECT_EQ(by_driver[i].text, out.segments[i].text) << i;
    EXPECT_EQ(by_driver[i].seq, out.segments[i].seq) << i;
    // The 1 ms ticks can only be up to 1 ms late.
    EXPECT_NEAR(by_driver[i].emitted_at, out.segments[i].emitted_at, 0.0011) << i;
    EXPECT_LE(by_driver[i].emitted_at, out.segments[i].emitted_at + 1e-9) << i;
  }
}

TEST(Driver, TimeNeverGoesBackwards) {
  Driver driver("s", {}, Mode::kPartial);
  driver.audio(1.0, 2.0);
  EXPECT_DOUBLE_EQ(driver.now(), 2.0);
  driver.audio(1.1, 1.5);  // earlier: handled at 2.0
  EXPECT_DOUBLE_EQ(driver.now(), 2.0);
  driver.advanceTo(3.0);
  EXPECT_DOUBLE_EQ(driver.now(), 3.0);
}

TEST(Driver, NoticesCarryEngineTimeAndSession) {
  Driver driver("s", timeoutConfig(), Mode::kPartial);
  driver.event(unstablePartial(), 2.5);
  ASSERT_FALSE(driver.output().notices.empty());
  EXPECT_DOUBLE_EQ(driver.output().notices[0].ts, 2.5);
  EXPECT_EQ(driver.output().notices[0].session_id, "s");
}

TEST(Driver, OutputHandlerSeesEveryEngineCallInOrder) {
  Driver driver("s", timeoutConfig(), Mode::kPartial);
  std::vector<double> segment_times;
  int calls = 0;
  driver.setOutputHandler([&](Output& out) {
    ++calls;
    for (const auto& s : out.segments) segment_times.push_back(s.emitted_at);
  });
  driver.event(unstablePartial(), 1.0);
  const int after_event = calls;
  EXPECT_GE(after_event, 1);
  auto deadline = driver.nextDeadline();
  ASSERT_TRUE(deadline.has_value());
  driver.advanceTo(*deadline + 100);
  EXPECT_GT(calls, after_event);  // the tick at the deadline was handed over on its own
  ASSERT_FALSE(segment_times.empty());
  EXPECT_DOUBLE_EQ(segment_times.front(), *deadline);
  EXPECT_TRUE(driver.output().segments.empty());
  EXPECT_TRUE(driver.output().notices.empty());
}

TEST(Driver, TickPendingRunsOutTheDeadlinesThenFinishForwardsTheRest) {
  Driver driver("s", timeoutConfig(), Mode::kPartial);
  driver.event(unstablePartial(), 1.0);
  ASSERT_TRUE(driver.nextDeadline().has_value());
  driver.tickPending(1000);
  EXPECT_FALSE(driver.nextDeadline().has_value());
  EXPECT_GT(driver.now(), 1.0);
  driver.finish(driver.now());
  std::string text;
  for (const auto& s : driver.output().segments) text += (text.empty() ? "" : " ") + s.text;
  EXPECT_EQ(text, "hello world");

  Driver limited("s", timeoutConfig(), Mode::kPartial);
  limited.event(unstablePartial(), 1.0);
  limited.tickPending(0);
  EXPECT_TRUE(limited.nextDeadline().has_value());
  EXPECT_DOUBLE_EQ(limited.now(), 1.0);
}

}  // namespace
}  // namespace parley::engine
