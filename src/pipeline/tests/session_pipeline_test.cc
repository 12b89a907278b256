// SessionPipeline's threads, queues, commands and failure handling, with fake backends whose
// behaviour the test controls (a scripted recognizer, a translator that can fail, a synthesizer
// that records its voices). The real stack is exercised by embedded_pipeline_test.cc and
// tests/e2e/pipeline_run.sh.
#include <gtest/gtest.h>

#include <map>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "asr/recognizer.h"
#include "core/clock.h"
#include "pipeline/mode_compare.h"
#include "pipeline/session_pipeline.h"
#include "translate/translator.h"
#include "tts/synthesizer.h"

namespace parley::pipeline {
namespace {

using engine::RecognizerEvent;
using engine::SegmentKind;

const std::vector<std::string> kWords = {"we",  "must", "finish", "the",  "bridge", "before",
                                         "the", "rain", "comes",  "back", "to",     "town"};
constexpr double kWordLen = 0.3;
constexpr double kSpeechStart = 0.4;
constexpr int kRate = 16000;

// Speaks kWords from 0.4 s, 0.3 s per word: a partial whenever a word is complete (words
// older than 0.6 s stable), the final 0.5 s after the last word. An optional gate blocks
// accept() until opened (a decoder that cannot keep up).
class ScriptedRecognizer final : public asr::Recognizer {
 public:
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool open = true;
    void set(bool o) {
      {
        std::lock_guard lock(mu);
        open = o;
      }
      cv.notify_all();
    }
    void wait() {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return open; });
    }
  };

  explicit ScriptedRecognizer(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}

  core::Status startStream() override {
    samples_ = 0;
    shown_ = 0;
    finalized_ = false;
    return core::okStatus();
  }
  core::Status accept(std::span<const int16_t> pcm, std::vector<RecognizerEvent>* out) override {
    if (gate_) gate_->wait();
    samples_ += static_cast<long long>(pcm.size());
    const double now = audioSeconds();
    const std::size_t done = wordsDone(now);
    if (!finalized_ && done == kWords.size() && now >= lastEnd() + 0.5) {
      out->push_back(event(done, false, now));
      finalized_ = true;
    } else if (!finalized_ && done > shown_) {
      out->push_back(event(done, true, now));
      shown_ = done;
    }
    return core::okStatus();
  }
  core::Status finish(std::vector<RecognizerEvent>* out) override {
    const std::size_t done = wordsDone(audioSeconds());
    if (!finalized_ && done > 0) out->push_back(event(done, false, audioSeconds()));
    finalized_ = true;
    return core::okStatus();
  }
  double audioSeconds() const override { return static_cast<double>(samples_) / kRate; }
  std::string name() const override { return "scripted"; }

  static double lastEnd() { return kSpeechStart + kWordLen * static_cast<double>(kWords.size()); }

 private:
  static std::size_t wordsDone(double t) {
    std::size_t n = 0;
    while (n < kWords.size() && kSpeechStart + kWordLen * static_cast<double>(n + 1) <= t) ++n;
    return n;
  }
  static RecognizerEvent event(std::size_t n, bool partial, double now) {
    RecognizerEvent e;
    e.result_id = "utt-1";
    e.is_partial = partial;
    e.start = kSpeechStart;
    for (std::size_t i = 0; i < n; ++i) {
      engine::Word w;
      w.text = kWords[i];
      w.start = kSpeechStart + kWordLen * static_cast<double>(i);
      w.end = w.start + kWordLen;
      if (partial) w.stable = w.end + 0.6 <= now;
      e.words.push_back(w);
    }
    e.end = e.words.empty() ? kSpeechStart : e.words.back().end;
    return e;
  }

  std::shared_ptr<Gate> gate_;
  long long samples_ = 0;
  std::size_t shown_ = 0;
  bool finalized_ = false;
};

class FakeTranslator final : public translate::Translator {
 public:
  explicit FakeTranslator(std::string target) : target_(std::move(target)) {}
  const std::string& sourceLanguage() const override { return source_; }
  const std::string& targetLanguage() const override { return target_; }
  core::Result<std::string> translate(std::string_view text) override {
    ++calls;
    if (gate) gate->wait();
    if (fail) return core::Error::unavailable("backend down");
    return target_ + ":" + std::string(text);
  }
  bool available() const override { return !fail; }
  translate::TranslatorStats stats() const override { return {}; }
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};
  std::shared_ptr<ScriptedRecognizer::Gate> gate;  // when set, translate() waits for it

 private:
  std::string source_ = "en";
  std::string target_;
};

class FakeSynthesizer final : public tts::Synthesizer {
 public:
  core::Result<tts::Speech> synthesize(std::string_view text, std::string_view voice) override {
    std::lock_guard lock(mu);
    voices.emplace_back(voice);
    tts::Speech speech;
    speech.samples.assign(text.size() * 100, 1000);
    return speech;
  }
  std::mutex mu;
  std::vector<std::string> voices;
};

class FakeServices final : public Services {
 public:
  bool ready(std::string*) const override { return true; }
  core::Result<std::unique_ptr<asr::Recognizer>> createRecognizer(const std::string&) override {
    return std::unique_ptr<asr::Recognizer>(std::make_unique<ScriptedRecognizer>(gate));
  }
  core::Result<std::shared_ptr<translate::Translator>> translator(
      const std::string& lang) override {
    // Not owned: the fakes live as long as the services.
    if (lang == "es") return std::shared_ptr<translate::Translator>(std::shared_ptr<void>(), &es);
    if (lang == "fr") return std::shared_ptr<translate::Translator>(std::shared_ptr<void>(), &fr);
    return core::Error::notFound("no translator for " + lang);
  }
  core::Result<tts::Synthesizer*> synthesizer() override { return &synth; }

  std::shared_ptr<ScriptedRecognizer::Gate> gate = std::make_shared<ScriptedRecognizer::Gate>();
  FakeTranslator es{"es"};
  FakeTranslator fr{"fr"};
  FakeSynthesizer synth;
};

// What the callbacks saw (they run on the delivery thread; read after finish()).
struct Seen {
  std::vector<engine::Segment> segments;
  std::vector<Caption> captions;
  std::vector<RecognizerStep> steps;
  std::vector<std::string> order;  // "s<seq>" / "c<seq>:<lang>"
};

std::unique_ptr<SessionPipeline> startPipeline(PipelineOptions options, Services& services,
                                               const core::Clock& clock, Seen& seen) {
  options.on_step = [&seen](const RecognizerStep& s) { seen.steps.push_back(s); };
  auto p = SessionPipeline::start(
      std::move(options), services, clock,
      [&seen](const engine::Segment& s) {
        seen.segments.push_back(s);
        seen.order.push_back("s" + std::to_string(s.seq));
      },
      [&seen](const Caption& c) {
        seen.order.push_back("c" + std::to_string(c.segment.seq) + ":" + c.lang);
        seen.captions.push_back(c);
      });
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? std::move(*p) : nullptr;
}

// Pushes `seconds` of audio in 100 ms chunks.
void pushSeconds(SessionPipeline& p, double seconds) {
  std::vector<int16_t> chunk(kRate / 10, 0);
  for (int i = 0; i < static_cast<int>(seconds * 10 + 0.5); ++i) {
    ASSERT_TRUE(p.pushAudio(chunk).ok());
  }
}

std::string joined(const std::vector<engine::Segment>& segs) {
  std::string out;
  for (const auto& s : segs) out += (out.empty() ? "" : " ") + s.text;
  return out;
}

std::string allWords() {
  std::string out;
  for (const auto& w : kWords) out += (out.empty() ? "" : " ") + w;
  return out;
}

PipelineOptions arrivalOptions() {
  PipelineOptions o;
  o.session_id = "test-session";
  o.timing = Timing::kArrivalModel;
  o.audio_queue_chunks = 1000;
  return o;
}

TEST(SessionPipeline, CaptionsInSeqOrderPerTargetAfterTheirSegment) {
  FakeServices services;
  core::SystemClock clock;
  Seen seen;
  auto options = arrivalOptions();
  options.targets = {"es", "fr"};
  auto p = startPipeline(options, services, clock, seen);
  ASSERT_TRUE(p);
  pushSeconds(*p, 5.0);
  p->finish();

  EXPECT_EQ(joined(seen.segments), allWords());
  ASSERT_GT(seen.segments.size(), 1u);
  ASSERT_EQ(seen.captions.size(), 2 * seen.segments.size());
  // Each segment, then its captions in target order.
  std::vector<std::string> expected;
  for (const auto& s : seen.segments) {
    expected.push_back("s" + std::to_string(s.seq));
    expected.push_back("c" + std::to_string(s.seq) + ":es");
    expected.push_back("c" + std::to_string(s.seq) + ":fr");
  }
  EXPECT_EQ(seen.order, expected);
  for (const auto& c : seen.captions) {
    EXPECT_TRUE(c.translated);
    EXPECT_EQ(c.text, c.lang + ":" + c.segment.text);
    EXPECT_EQ(c.session_id, "test-session");
    EXPECT_EQ(c.audio.size(), c.text.size() * 100);
    EXPECT_GE(c.ready_at, c.segment.emitted_at);
    EXPECT_NEAR(c.latency_s, c.ready_at - c.segment.words.back().end, 1e-9);
  }
  // Partials before the final of the result.
  EXPECT_EQ(seen.segments.front().kind, SegmentKind::kPartial);
  EXPECT_EQ(seen.segments.back().kind, SegmentKind::kFinal);
  const auto s = p->stats();
  EXPECT_EQ(s.captions, static_cast<long long>(seen.captions.size()));
  EXPECT_EQ(s.segments, static_cast<long long>(seen.segments.size()));
  EXPECT_EQ(s.untranslated_captions, 0);
  EXPECT_EQ(s.audio_chunks, 50);
  EXPECT_EQ(s.audio_chunks_dropped, 0);
  EXPECT_NEAR(s.audio_seconds, 5.0, 1e-9);
  EXPECT_EQ(s.recognizer_steps, static_cast<long long>(seen.steps.size()));
}

// With the arrival-model clock, the live session and a rerun of the recorded steps agree.
TEST(SessionPipeline, ArrivalModelLiveEqualsRerunOfRecordedSteps) {
  FakeServices services;
  core::SystemClock clock;
  Seen seen;
  auto p = startPipeline(arrivalOptions(), services, clock, seen);
  ASSERT_TRUE(p);
  pushSeconds(*p, 5.0);
  p->finish();

  ASSERT_FALSE(seen.steps.empty());
  EXPECT_TRUE(seen.steps.back().end_of_stream);
  double prev = 0;
  for (const auto& step : seen.steps) {
    EXPECT_GE(step.arrival, step.audio_time);
    EXPECT_GE(step.arrival, prev);
    EXPECT_DOUBLE_EQ(step.received_at, step.arrival);
    prev = step.arrival;
  }
  ModeRun rerun = runEngineOnSteps(seen.steps, "test-session", {}, engine::Mode::kPartial);
  ASSERT_EQ(rerun.segments.size(), seen.segments.size());
  for (std::size_t i = 0; i < rerun.segments.size(); ++i) {
    EXPECT_EQ(rerun.segments[i].text, seen.segments[i].text);
    EXPECT_EQ(rerun.segments[i].kind, seen.segments[i].kind);
    EXPECT_DOUBLE_EQ(rerun.segments[i].emitted_at, seen.segments[i].emitted_at);
  }
  ModeRun final_only = runEngineOnSteps(seen.steps, "test-session", {}, engine::Mode::kFinalOnly);
  EXPECT_EQ(joined(final_only.segments), allWords());
  EXPECT_LT(rerun.latency.p50, final_only.latency.p50);
}

TEST(SessionPipeline, FailedTranslationCaptionsInTheSourceLanguage) {
  FakeServices services;
  services.es.fail = true;
  core::SystemClock clock;
  Seen seen;
  auto options = arrivalOptions();
  options.targets = {"es", "xx"};  // es fails, xx has no translator at all
  auto p = startPipeline(options, services, clock, seen);
  ASSERT_TRUE(p);
  pushSeconds(*p, 5.0);
  p->finish();
  ASSERT_FALSE(seen.captions.empty());
  for (const auto& c : seen.captions) {
    EXPECT_FALSE(c.translated);
    EXPECT_EQ(c.text, c.segment.text);
  }
  EXPECT_EQ(p->stats().untranslated_captions, static_cast<long long>(seen.captions.size()));
  // Untranslated captions are spoken with the source language's voice.
  std::lock_guard lock(services.synth.mu);
  for (const auto& v : services.synth.voices) EXPECT_EQ(v, "en");
}

TEST(SessionPipeline, SpeechUsesTheTargetVoiceAndCanBeOff) {
  FakeServices services;
  core::SystemClock clock;
  {
    Seen seen;
    auto p = startPipeline(arrivalOptions(), services, clock, seen);
    pushSeconds(*p, 5.0);
    p->finish();
    std::lock_guard lock(services.synth.mu);
    ASSERT_EQ(services.synth.voices.size(), seen.captions.size());
    for (const auto& v : services.synth.voices) EXPECT_EQ(v, "es");
    services.synth.voices.clear();
  }
  Seen seen;
  auto options = arrivalOptions();
  options.synthesize = false;
  auto p = startPipeline(options, services, clock, seen);
  pushSeconds(*p, 5.0);
  p->finish();
  ASSERT_FALSE(seen.captions.empty());
  for (const auto& c : seen.captions) EXPECT_TRUE(c.audio.empty());
  std::lock_guard lock(services.synth.mu);
  EXPECT_TRUE(services.synth.voices.empty());
}

// Waits (bounded) until the delivery thread has handled `seconds` of audio.
void waitHandled(SessionPipeline& p, double seconds) {
  for (int i = 0; i < 4000 && p.stats().audio_seconds < seconds - 1e-9; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TEST(SessionPipeline, TargetsCanBeAddedAndRemovedWhileRunning) {
  FakeServices services;
  core::SystemClock clock;
  Seen seen;
  auto options = arrivalOptions();
  options.targets = {};
  auto p = startPipeline(options, services, clock, seen);
  p->addTarget("fr");
  p->addTarget("fr");  // once only
  pushSeconds(*p, 2.5);
  waitHandled(*p, 2.5);
  p->removeTarget("fr");
  p->addTarget("es");
  pushSeconds(*p, 2.5);
  p->finish();
  ASSERT_FALSE(seen.captions.empty());
  // fr captions first, then es ones; one caption per segment.
  EXPECT_EQ(seen.captions.size(), seen.segments.size());
  EXPECT_EQ(seen.captions.front().lang, "fr");
  EXPECT_EQ(seen.captions.back().lang, "es");
  for (std::size_t i = 1; i < seen.captions.size(); ++i) {
    EXPECT_LT(seen.captions[i - 1].segment.seq, seen.captions[i].segment.seq);
    if (seen.captions[i - 1].lang == "es") {
      EXPECT_EQ(seen.captions[i].lang, "es");
    }
  }
}

// Final revisions of the source-language lines, by line number.
std::map<long long, std::string> finalSourceLines(const std::vector<LineMessage>& lines) {
  std::map<long long, std::string> out;
  for (const auto& m : lines) {
    if (m.lang == "en" && m.revision.final) out[m.revision.line] = m.revision.text;
  }
  return out;
}

TEST(SessionPipeline, LineSettingsChangeFromTheNextLine) {
  FakeServices services;
  core::SystemClock clock;
  lines::LineConfig narrow;
  narrow.min_split_words = 2;
  narrow.max_line_words = 2;
  for (bool before_speech : {true, false}) {
    SCOPED_TRACE(before_speech ? "changed before speech" : "changed mid-line");
    Seen seen;
    std::vector<LineMessage> lines;
    auto options = arrivalOptions();
    options.line_config.min_split_words = 8;
    options.line_config.max_line_words = 20;
    options.on_line = [&lines](const LineMessage& m) { lines.push_back(m); };
    auto p = startPipeline(options, services, clock, seen);
    ASSERT_TRUE(p);
    if (before_speech) {
      p->setLineConfig(narrow);
      pushSeconds(*p, 5.0);
    } else {
      pushSeconds(*p, 2.5);
      waitHandled(*p, 2.5);
      p->setLineConfig(narrow);  // line 1 is open: it keeps 8/20
      pushSeconds(*p, 2.5);
    }
    p->finish();
    const auto finals = finalSourceLines(lines);
    ASSERT_FALSE(finals.empty());
    std::string all;
    for (const auto& [n, text] : finals) all += (all.empty() ? "" : " ") + text;
    EXPECT_EQ(all, allWords());  // nothing lost or repeated either way
    if (before_speech) {
      EXPECT_EQ(finals.size(), kWords.size() / 2);  // lines of two words
    } else {
      EXPECT_EQ(finals.size(), 1u);  // the open line kept its settings: 12 words fit
    }
  }
}

TEST(SessionPipeline, FinalOnlySwitchMidStreamLosesAndRepeatsNothing) {
  FakeServices services;
  core::SystemClock clock;
  Seen seen;
  auto p = startPipeline(arrivalOptions(), services, clock, seen);
  pushSeconds(*p, 2.5);
  waitHandled(*p, 2.5);  // so that the switch lands mid-stream
  p->setMode(engine::Mode::kFinalOnly);
  pushSeconds(*p, 2.5);
  p->finish();
  EXPECT_EQ(joined(seen.segments), allWords());
  // Partials only before the switch; after it only the final's remainder.
  ASSERT_FALSE(seen.segments.empty());
  EXPECT_EQ(seen.segments.front().kind, SegmentKind::kPartial);
  bool switched = false;
  for (const auto& s : seen.segments) {
    if (switched) {
      EXPECT_TRUE(s.kind != SegmentKind::kPartial || s.reason == "mode_switch") << s.text;
    }
    if (s.reason == "mode_switch" || s.kind == SegmentKind::kFinal) switched = true;
  }
  EXPECT_EQ(seen.segments.back().kind, SegmentKind::kFinal);
  EXPECT_GE(p->stats().engine.mode_switches, 1);
}

TEST(SessionPipeline, PushNeverBlocksAndCountsDroppedChunks) {
  FakeServices services;
  services.gate->set(false);  // the decoder is stuck
  core::SystemClock clock;
  Seen seen;
  auto options = arrivalOptions();
  options.audio_queue_chunks = 3;
  auto p = startPipeline(options, services, clock, seen);
  std::vector<int16_t> chunk(kRate / 10, 0);
  int refused = 0;
  for (int i = 0; i < 10; ++i) {
    auto st = p->pushAudio(chunk);
    if (!st.ok()) {
      EXPECT_EQ(st.error().code, core::ErrorCode::kUnavailable);
      ++refused;
    }
  }
  // Three queued, and perhaps one taken by the worker before it blocked in the gate.
  EXPECT_GE(refused, 6);
  EXPECT_LE(refused, 7);
  services.gate->set(true);
  // One more chunk once the decoder has room: the dropped audio before it is decoded as
  // silence, so stream time stays aligned with the input.
  int pushes = 10;
  for (;;) {
    ++pushes;
    if (p->pushAudio(chunk).ok()) break;
    ++refused;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  p->finish();
  const auto s = p->stats();
  EXPECT_EQ(s.audio_chunks, pushes);
  EXPECT_EQ(s.audio_chunks_dropped, refused);
  EXPECT_NEAR(s.audio_seconds, 0.1 * pushes, 1e-9);
}

TEST(SessionPipeline, StepQueueBackpressureLosesNoStep) {
  FakeServices services;
  core::SystemClock clock;
  Seen seen;
  auto options = arrivalOptions();
  options.step_queue = 1;
  auto p = startPipeline(options, services, clock, seen);
  pushSeconds(*p, 5.0);
  p->finish();
  EXPECT_EQ(seen.steps.size(), 51u);  // 50 chunks and the closing finish()
  EXPECT_EQ(joined(seen.segments), allWords());
}

// Live timing: the session clock is the injected clock minus its reading at the first audio.
TEST(SessionPipeline, ClockTimingUsesTheInjectedClock) {
  FakeServices services;
  core::ManualClock clock(100.0);
  Seen seen;
  PipelineOptions options;
  options.session_id = "live";
  options.timing = Timing::kClock;
  options.tick_interval_s = 0.01;
  auto p = startPipeline(options, services, clock, seen);
  std::vector<int16_t> chunk(kRate / 10, 0);
  for (int i = 0; i < 50; ++i) {
    clock.advance(0.1);
    ASSERT_TRUE(p->pushAudio(chunk).ok());
    // Let the delivery thread see each chunk at its own time.
    for (int k = 0; k < 2000 && p->stats().recognizer_steps < i + 1; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  p->finish();
  ASSERT_FALSE(seen.segments.empty());
  EXPECT_EQ(joined(seen.segments), allWords());
  for (const auto& s : seen.segments) {
    // Session time: 0.1 at the first chunk (clock 100.1: it holds 0.1 s of audio), 5.0 at
    // the last.
    EXPECT_GE(s.emitted_at, 0.1 - 1e-9);
    EXPECT_LE(s.emitted_at, 5.0 + 1e-9);
  }
  for (const auto& c : seen.captions) {
    EXPECT_GE(c.ready_at, c.segment.emitted_at);
  }
}

TEST(SessionPipeline, FinishIsIdempotentAndEndsInput) {
  FakeServices services;
  core::SystemClock clock;
  Seen seen;
  auto p = startPipeline(arrivalOptions(), services, clock, seen);
  pushSeconds(*p, 1.0);
  p->finish();
  p->finish();
  std::vector<int16_t> chunk(160, 0);
  auto st = p->pushAudio(chunk);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kUsage);
}

TEST(SessionPipeline, StartRejectsInvalidOptionsAndMissingBackends) {
  FakeServices fakes;
  core::SystemClock clock;
  PipelineOptions bad;
  bad.engine.min_stability_threshold = 2.0;
  auto r = SessionPipeline::start(bad, fakes, clock, nullptr, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("min_stability_threshold"), std::string::npos);

  PipelineOptions zero_queue;
  zero_queue.audio_queue_chunks = 0;
  EXPECT_FALSE(SessionPipeline::start(zero_queue, fakes, clock, nullptr, nullptr).ok());

  class NoBackends final : public Services {
   public:
    bool ready(std::string* why) const override {
      *why = "nothing";
      return false;
    }
  } none;
  auto r2 = SessionPipeline::start(PipelineOptions{}, none, clock, nullptr, nullptr);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code, core::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace parley::pipeline

namespace parley::pipeline {
namespace {

// Live timing into Spanish, without speech.
PipelineOptions liveOptions(const std::string& session_id) {
  PipelineOptions options;
  options.session_id = session_id;
  options.timing = Timing::kClock;
  options.synthesize = false;
  options.targets = {"es"};
  options.audio_queue_chunks = 1000;
  return options;
}

// Live timing with a translator that hangs: recognition and the engine keep going (nothing
// waits for the translator), and once it answers, the segments that queued up arrive as one
// caption per language, every word once, in order.
// Lines while the translator hangs: the waiting updates collapse to the newest of each line, so
// every line still gets exactly one final revision in every language, whole and in order.
TEST(SessionPipeline, LiveSlowTranslatorKeepsEveryLinesFinal) {
  FakeServices services;
  services.es.gate = std::make_shared<ScriptedRecognizer::Gate>();
  services.es.gate->set(false);
  core::SystemClock clock;
  Seen seen;
  std::mutex mu;
  std::vector<LineMessage> lines;
  PipelineOptions options = liveOptions("live-lines");
  options.line_config.min_split_words = 2;
  options.line_config.max_line_words = 2;
  options.on_line = [&](const LineMessage& m) {
    std::lock_guard lock(mu);
    lines.push_back(m);
  };
  auto p = startPipeline(options, services, clock, seen);
  ASSERT_TRUE(p);
  pushSeconds(*p, 5.0);
  waitHandled(*p, 5.0);
  services.es.gate->set(true);
  p->finish();
  std::lock_guard lock(mu);
  for (const char* lang : {"en", "es"}) {
    SCOPED_TRACE(lang);
    std::map<long long, int> finals;
    std::map<long long, int> last_rev;
    std::string text;
    for (const auto& m : lines) {
      if (m.lang != lang) continue;
      EXPECT_EQ(m.revision.rev, last_rev[m.revision.line] + 1);  // no gap, no repeat
      last_rev[m.revision.line] = m.revision.rev;
      if (!m.revision.final) continue;
      ++finals[m.revision.line];
      text += (text.empty() ? "" : " ") + m.revision.source_text;
    }
    ASSERT_EQ(finals.size(), kWords.size() / 2);
    for (const auto& [line, n] : finals) EXPECT_EQ(n, 1) << "line " << line;
    EXPECT_EQ(text, allWords());
  }
}

TEST(SessionPipeline, LiveSlowTranslatorNeverHoldsUpRecognitionAndCoalesces) {
  FakeServices services;
  services.es.gate = std::make_shared<ScriptedRecognizer::Gate>();
  services.es.gate->set(false);
  core::SystemClock clock;
  Seen seen;
  PipelineOptions options = liveOptions("live-session");
  auto p = startPipeline(options, services, clock, seen);
  ASSERT_TRUE(p);
  pushSeconds(*p, 5.0);
  waitHandled(*p, 5.0);
  EXPECT_NEAR(p->stats().audio_seconds, 5.0, 1e-9) << "recognition waited for the translator";
  EXPECT_LE(services.es.calls.load(), 1);
  services.es.gate->set(true);
  p->finish();

  ASSERT_GE(seen.segments.size(), 2u);
  EXPECT_EQ(joined(seen.segments), allWords());
  ASSERT_FALSE(seen.captions.empty());
  EXPECT_LT(seen.captions.size(), seen.segments.size());
  std::string captioned;
  for (const auto& c : seen.captions) {
    captioned += (captioned.empty() ? "" : " ") + c.segment.text;
    EXPECT_EQ(c.text, "es:" + c.segment.text);
    EXPECT_EQ(c.segment.words.size(),
              static_cast<std::size_t>(
                  std::count(c.segment.text.begin(), c.segment.text.end(), ' ') + 1));
  }
  EXPECT_EQ(captioned, allWords());
  // Every segment is handed over before the caption that contains it.
  std::size_t segments_seen = 0;
  for (const auto& entry : seen.order) {
    if (entry[0] == 's') {
      ++segments_seen;
    } else {
      const long long seq = std::stoll(entry.substr(1, entry.find(':') - 1));
      EXPECT_LE(static_cast<std::size_t>(seq), segments_seen) << entry;
    }
  }
  const auto s = p->stats();
  EXPECT_EQ(s.captions, static_cast<long long>(seen.captions.size()));
  EXPECT_EQ(s.captions_coalesced, s.segments - s.captions);
  long long carried = 0;
  for (const auto& c : seen.captions) carried += c.segments;
  EXPECT_EQ(carried, s.segments);
  EXPECT_EQ(s.audio_chunks_dropped, 0);
}

// The caption queue is bounded (PipelineOptions::caption_queue): while the translator hangs, the
// segments beyond the bound join the newest waiting one instead of growing the queue, and are
// counted; every word still arrives once, in order, as source segments and as captions.
TEST(SessionPipeline, CaptionQueueIsBoundedAndLosesNoWord) {
  FakeServices services;
  services.es.gate = std::make_shared<ScriptedRecognizer::Gate>();
  services.es.gate->set(false);
  core::SystemClock clock;
  Seen seen;
  PipelineOptions options = liveOptions("bounded-session");
  options.caption_queue = 1;
  auto p = startPipeline(options, services, clock, seen);
  ASSERT_TRUE(p);
  pushSeconds(*p, 5.0);
  waitHandled(*p, 5.0);
  const auto behind = p->stats();
  // One segment is with the hung translator, one waits; the others were merged into it.
  ASSERT_GE(behind.segments, 3);
  EXPECT_GE(behind.captions_queue_merged, 1);
  EXPECT_LE(services.es.calls.load(), 1);
  services.es.gate->set(true);
  p->finish();

  const auto s = p->stats();
  EXPECT_EQ(static_cast<long long>(seen.segments.size()), s.segments - s.captions_queue_merged);
  EXPECT_EQ(joined(seen.segments), allWords());
  std::string captioned;
  long long carried = 0;
  for (const auto& c : seen.captions) {
    captioned += (captioned.empty() ? "" : " ") + c.segment.text;
    EXPECT_EQ(c.text, "es:" + c.segment.text);
    carried += c.segments;
  }
  EXPECT_EQ(captioned, allWords());
  EXPECT_EQ(carried, s.segments);  // a caption counts the segments merged in the queue too
  EXPECT_EQ(s.audio_chunks_dropped, 0);
}

TEST(SessionPipeline, CaptionQueueMustHoldAtLeastOneSegment) {
  FakeServices services;
  core::SystemClock clock;
  PipelineOptions options;
  options.caption_queue = 0;
  auto p = SessionPipeline::start(
      options, services, clock, [](const engine::Segment&) {}, [](const Caption&) {});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("caption_queue"), std::string::npos);
}

}  // namespace
}  // namespace parley::pipeline
