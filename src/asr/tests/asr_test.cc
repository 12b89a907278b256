// Pure logic of the asr module: endpoint rules, decoder-token cleanup, WER, config validation,
// and RecognizerWorker's queue (with a scripted recognizer whose speed the test controls; the
// real decoder behind a worker is tested in pocketsphinx_test.cc).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "asr/arrival_model.h"
#include "asr/pocketsphinx/endpoint_detector.h"
#include "asr/pocketsphinx/pocketsphinx_recognizer.h"
#include "asr/recognizer_worker.h"
#include "asr/wer.h"
#include "core/clock.h"

namespace parley::asr {
namespace {

using pocketsphinx::EndpointConfig;
using pocketsphinx::EndpointDetector;
using Decision = EndpointDetector::Decision;

TEST(EndpointDetector, SpeechStartAndEnd) {
  EndpointDetector d;
  EXPECT_EQ(d.update(false, 0.1), Decision::kNone);
  EXPECT_FALSE(d.inUtterance());
  EXPECT_EQ(d.update(true, 0.2), Decision::kSpeechStarted);
  EXPECT_TRUE(d.inUtterance());
  EXPECT_DOUBLE_EQ(d.utteranceStart(), 0.2);
  EXPECT_EQ(d.update(true, 0.3), Decision::kNone);
  EXPECT_EQ(d.update(false, 0.4), Decision::kEndUtterance);
  EXPECT_STREQ(d.reason(), "speech_end");
  EXPECT_FALSE(d.inUtterance());
  EXPECT_EQ(d.update(false, 0.5), Decision::kNone);
  EXPECT_EQ(d.update(true, 0.6), Decision::kSpeechStarted);
  EXPECT_DOUBLE_EQ(d.utteranceStart(), 0.6);
}

TEST(EndpointDetector, CutsUtterancesLongerThanTheMaximum) {
  EndpointDetector d(EndpointConfig{.max_utterance_seconds = 2.0});
  EXPECT_EQ(d.update(true, 1.0), Decision::kSpeechStarted);
  EXPECT_EQ(d.update(true, 2.9), Decision::kNone);
  EXPECT_EQ(d.update(true, 3.0), Decision::kEndUtterance);
  EXPECT_STREQ(d.reason(), "max_length");
  // Still speech: the next chunk opens the next utterance at once.
  EXPECT_EQ(d.update(true, 3.1), Decision::kSpeechStarted);
  EXPECT_DOUBLE_EQ(d.utteranceStart(), 3.1);
  d.reset();
  EXPECT_FALSE(d.inUtterance());
}

TEST(EndpointConfig, ValidateNamesFieldAndRange) {
  EXPECT_TRUE(EndpointConfig{}.validate().empty());
  auto problems = EndpointConfig{.max_utterance_seconds = 0.5}.validate();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("max_utterance_seconds"), std::string::npos);
  EXPECT_NE(problems[0].find("[1, 600]"), std::string::npos);
}

TEST(PocketsphinxConfig, DefaultsAreTheFastConfiguration) {
  pocketsphinx::PocketsphinxConfig c;
  EXPECT_TRUE(c.validate().empty());
  auto args = c.decoderArgs();
  auto value = [&](const std::string& key) -> std::string {
    for (size_t i = 0; i + 1 < args.size(); i += 2) {
      if (args[i] == key) return args[i + 1];
    }
    return "<absent>";
  };
  EXPECT_EQ(value("-fwdflat"), "no");
  EXPECT_EQ(value("-bestpath"), "yes");
  EXPECT_EQ(value("-maxhmmpf"), "3000");
  EXPECT_EQ(value("-maxwpf"), "5");
  EXPECT_EQ(value("-pl_window"), "10");
  EXPECT_EQ(value("-vad_postspeech"), "25");
  EXPECT_EQ(value("-hmm"), std::string(pocketsphinx::kDefaultModelDir) + "/en-us");
  EXPECT_EQ(value("-lm"), std::string(pocketsphinx::kDefaultModelDir) + "/en-us.lm.bin");
  EXPECT_EQ(value("-jsgf"), "<absent>");

  c.grammar = "/tmp/x.gram";
  args = c.decoderArgs();
  EXPECT_EQ(value("-jsgf"), "/tmp/x.gram");
  EXPECT_EQ(value("-lm"), "<absent>");  // -lm would override -jsgf
}

TEST(PocketsphinxConfig, ValidateReportsEveryProblem) {
  pocketsphinx::PocketsphinxConfig c;
  c.max_hmm_per_frame = 10;
  c.max_words_per_frame = 0;
  c.pl_window = 99;
  c.vad_postspeech_frames = 1;
  c.endpoint.max_utterance_seconds = 1000;
  auto problems = c.validate();
  ASSERT_EQ(problems.size(), 5u);
  EXPECT_NE(problems[0].find("max_hmm_per_frame must be an integer in [100, 100000] (got 10)"),
            std::string::npos);
  EXPECT_NE(problems[3].find("vad_postspeech_frames"), std::string::npos);
  EXPECT_NE(problems[4].find("endpoint.max_utterance_seconds"), std::string::npos);

  auto r = pocketsphinx::createRecognizer(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidInput);
}

TEST(PocketsphinxConfig, MissingFilesAreNotFound) {
  pocketsphinx::PocketsphinxConfig c;
  c.grammar = "/nonexistent/grammar.gram";
  auto r = pocketsphinx::createRecognizer(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("/nonexistent/grammar.gram"), std::string::npos);

  c = {};
  c.model_dir = "/nonexistent";
  r = pocketsphinx::createRecognizer(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kNotFound);
}

TEST(CleanWord, StripsVariantsAndDropsFillers) {
  using pocketsphinx::cleanWord;
  EXPECT_EQ(cleanWord("and(2)"), "and");
  EXPECT_EQ(cleanWord("leisure(12)"), "leisure");
  EXPECT_EQ(cleanWord("forward"), "forward");
  EXPECT_EQ(cleanWord("it'll"), "it'll");
  EXPECT_EQ(cleanWord("s."), "s.");
  EXPECT_EQ(cleanWord("<s>"), std::nullopt);
  EXPECT_EQ(cleanWord("</s>"), std::nullopt);
  EXPECT_EQ(cleanWord("<sil>"), std::nullopt);
  EXPECT_EQ(cleanWord("[NOISE]"), std::nullopt);
  EXPECT_EQ(cleanWord("[SPEECH]"), std::nullopt);
  EXPECT_EQ(cleanWord("++GARBAGE++"), std::nullopt);
  EXPECT_EQ(cleanWord(""), std::nullopt);
}

TEST(Wer, ReadsPocketsphinxTranscriptionFiles) {
  std::istringstream in(
      "<s> go forward ten meters </s> (goforward)\n"
      "no clip id on this line\n"
      "\n"
      "<s> the family of dashwood </s> (sense-0870)\n");
  auto lines = readTranscription(in);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].id, "goforward");
  EXPECT_EQ(lines[0].reference, "go forward ten meters");
  EXPECT_EQ(lines[1].id, "sense-0870");
  EXPECT_EQ(lines[1].reference, "the family of dashwood");
}

TEST(Wer, CountsSubstitutionsInsertionsDeletions) {
  EXPECT_EQ(wordErrors("go forward ten meters", "go forward ten meters").errors, 0);
  EXPECT_EQ(wordErrors("go forward ten meters", "go forward can meet").errors, 2);  // 2 sub
  EXPECT_EQ(wordErrors("go forward ten meters", "go forward ten").errors, 1);       // 1 del
  EXPECT_EQ(wordErrors("go forward", "so go forward now").errors, 2);               // 2 ins
  auto c =
      wordErrors("he was not an ill disposed young man", "he was not an illness those young man");
  EXPECT_EQ(c.errors, 2);
  EXPECT_EQ(c.reference_words, 8);
  EXPECT_DOUBLE_EQ(c.wer(), 0.25);
  EXPECT_DOUBLE_EQ(wordErrors("", "").wer(), 0.0);
  EXPECT_DOUBLE_EQ(wordErrors("", "extra").wer(), 1.0);
}

// A recognizer the test paces: accept() blocks while the gate is closed; each chunk yields a
// partial naming the chunk's first sample value; finish() yields one final.
class GatedRecognizer final : public Recognizer {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool open = true;
    int entered = 0;  // accept() calls begun
    std::vector<int16_t> first_samples;
    std::vector<size_t> sizes;
    long long samples = 0;
    bool finished = false;
  };
  explicit GatedRecognizer(Shared* s) : s_(s) {}

  core::Status startStream() override { return core::okStatus(); }
  core::Status accept(std::span<const int16_t> pcm,
                      std::vector<engine::RecognizerEvent>* out) override {
    std::unique_lock lock(s_->mu);
    ++s_->entered;
    s_->cv.notify_all();
    s_->cv.wait(lock, [&] { return s_->open; });
    s_->first_samples.push_back(pcm.empty() ? -1 : pcm[0]);
    s_->sizes.push_back(pcm.size());
    s_->samples += static_cast<long long>(pcm.size());
    s_->cv.notify_all();
    if (!pcm.empty() && pcm[0] != 0) {
      engine::RecognizerEvent e;
      e.result_id = "utt-1";
      engine::Word w;
      w.text = "w" + std::to_string(pcm[0]);
      e.words.push_back(w);
      out->push_back(e);
    }
    return core::okStatus();
  }
  core::Status finish(std::vector<engine::RecognizerEvent>* out) override {
    std::lock_guard lock(s_->mu);
    s_->finished = true;
    engine::RecognizerEvent e;
    e.result_id = "utt-1";
    e.is_partial = false;
    out->push_back(e);
    return core::okStatus();
  }
  double audioSeconds() const override {
    std::lock_guard lock(s_->mu);
    return static_cast<double>(s_->samples) / kSampleRate;
  }
  std::string name() const override { return "gated"; }

 private:
  Shared* s_;
};

std::vector<int16_t> chunkOf(int16_t value, size_t n = 1600) {
  return std::vector<int16_t>(n, value);
}

TEST(RecognizerWorker, RefusesChunksBeyondTheQueueBoundWithoutBlocking) {
  GatedRecognizer::Shared shared;
  shared.open = false;
  std::vector<WorkerEvent> events;  // written on the worker thread, read after finish()
  core::ManualClock clock;          // compute time reads 0: only the queue is under test here
  RecognizerWorker worker(
      std::make_unique<GatedRecognizer>(&shared), WorkerConfig{.max_queued_chunks = 3},
      [&](const WorkerEvent& e) { events.push_back(e); }, &clock);
  ASSERT_TRUE(worker.start().ok());

  ASSERT_TRUE(worker.push(chunkOf(1)).ok());
  {
    // Wait until the worker holds chunk 1 inside accept(), so the queue is empty again.
    std::unique_lock lock(shared.mu);
    shared.cv.wait(lock, [&] { return shared.entered == 1; });
  }
  EXPECT_TRUE(worker.push(chunkOf(2)).ok());
  EXPECT_TRUE(worker.push(chunkOf(3)).ok());
  EXPECT_TRUE(worker.push(chunkOf(4)).ok());
  auto refused = worker.push(chunkOf(5, 800));  // the decoder is stuck: queue full
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kUnavailable);
  WorkerStats s = worker.stats();
  EXPECT_EQ(s.chunks_accepted, 4);
  EXPECT_EQ(s.chunks_dropped, 1);
  EXPECT_EQ(s.samples_dropped, 800);
  EXPECT_EQ(s.queue_depth, 3);
  EXPECT_EQ(s.max_queue_depth, 3);

  {
    std::lock_guard lock(shared.mu);
    shared.open = true;
  }
  shared.cv.notify_all();
  {
    // Once chunks 1-4 are decoded the queue is empty and the next push fits again.
    std::unique_lock lock(shared.mu);
    shared.cv.wait(lock, [&] { return shared.first_samples.size() == 4; });
  }
  ASSERT_TRUE(worker.push(chunkOf(6)).ok());
  ASSERT_TRUE(worker.finish().ok());
  EXPECT_TRUE(worker.finish().ok());  // idempotent
  EXPECT_FALSE(worker.push(chunkOf(7)).ok());

  std::lock_guard lock(shared.mu);
  EXPECT_TRUE(shared.finished);
  // Every accepted chunk was decoded, in order; chunk 5 was replaced by 800 samples of silence
  // just before the next accepted chunk, so the total audio matches what was pushed.
  ASSERT_GE(shared.first_samples.size(), 5u);
  EXPECT_EQ((std::vector<int16_t>(shared.first_samples.begin(), shared.first_samples.begin() + 4)),
            (std::vector<int16_t>{1, 2, 3, 4}));
  EXPECT_EQ(shared.first_samples[4], 0);
  EXPECT_EQ(shared.sizes[4], 800u);
  EXPECT_EQ(shared.samples, 5 * 1600 + 800);
  // Events arrive in order, each stamped with the audio consumed when it was produced.
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].event.words[0].text, "w1");
  EXPECT_EQ(events[3].event.words[0].text, "w4");
  EXPECT_EQ(events[4].event.words[0].text, "w6");
  EXPECT_FALSE(events[5].event.is_partial);
  EXPECT_DOUBLE_EQ(events[0].audio_time, 0.1);
  EXPECT_DOUBLE_EQ(events[4].audio_time, (5 * 1600 + 800) / 16000.0);
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_GE(events[i].audio_time, events[i - 1].audio_time);
  }
}

TEST(RecognizerWorker, DroppedAudioIsNotReplacedWhenFillIsOff) {
  GatedRecognizer::Shared shared;
  shared.open = false;
  RecognizerWorker worker(std::make_unique<GatedRecognizer>(&shared),
                          WorkerConfig{.max_queued_chunks = 1, .fill_dropped_with_silence = false},
                          nullptr);
  ASSERT_TRUE(worker.start().ok());
  ASSERT_TRUE(worker.push(chunkOf(1)).ok());
  {
    std::unique_lock lock(shared.mu);
    shared.cv.wait(lock, [&] { return shared.entered == 1; });
  }
  ASSERT_TRUE(worker.push(chunkOf(2)).ok());
  EXPECT_FALSE(worker.push(chunkOf(3)).ok());
  {
    std::lock_guard lock(shared.mu);
    shared.open = true;
  }
  shared.cv.notify_all();
  ASSERT_TRUE(worker.finish().ok());
  std::lock_guard lock(shared.mu);
  EXPECT_EQ(shared.first_samples, (std::vector<int16_t>{1, 2}));
  EXPECT_EQ(worker.stats().chunks_dropped, 1);
}

TEST(RecognizerWorker, FinishDrainsEverythingQueued) {
  GatedRecognizer::Shared shared;
  std::atomic<int> partials{0};
  std::atomic<int> finals{0};
  RecognizerWorker worker(std::make_unique<GatedRecognizer>(&shared),
                          WorkerConfig{.max_queued_chunks = 1000}, [&](const WorkerEvent& e) {
                            (e.event.is_partial ? partials : finals)++;
                            EXPECT_GE(e.compute_seconds, 0.0);
                          });
  ASSERT_TRUE(worker.start().ok());
  for (int i = 1; i <= 200; ++i)
    ASSERT_TRUE(worker.push(chunkOf(static_cast<int16_t>(i), 160)).ok());
  ASSERT_TRUE(worker.finish().ok());
  EXPECT_EQ(partials.load(), 200);
  EXPECT_EQ(finals.load(), 1);
  WorkerStats s = worker.stats();
  EXPECT_EQ(s.events, 201);
  EXPECT_EQ(s.queue_depth, 0);
  EXPECT_DOUBLE_EQ(s.audio_seconds, 200 * 160 / 16000.0);
}

TEST(RecognizerWorker, RejectsInvalidConfigAndPushBeforeStart) {
  GatedRecognizer::Shared shared;
  RecognizerWorker bad(std::make_unique<GatedRecognizer>(&shared),
                       WorkerConfig{.max_queued_chunks = 0}, nullptr);
  auto s = bad.start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(s.error().message.find("max_queued_chunks"), std::string::npos);
  auto p = bad.push(chunkOf(1));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, core::ErrorCode::kUsage);
}

}  // namespace
}  // namespace parley::asr

namespace parley::asr {
namespace {

TEST(ArrivalModel, EventsArriveWhenTheDecoderIsDone) {
  ArrivalModel m;
  // Faster than real time: each chunk is answered `compute` after its audio.
  EXPECT_DOUBLE_EQ(m.chunkDone(0.1, 0.02), 0.12);
  EXPECT_DOUBLE_EQ(m.chunkDone(0.2, 0.03), 0.23);
  EXPECT_DOUBLE_EQ(m.lag(0.2), 0.03);
  // A slow chunk (0.25 s of work for 0.1 s of audio): the next chunk waits for the decoder.
  EXPECT_DOUBLE_EQ(m.chunkDone(0.3, 0.25), 0.55);
  EXPECT_DOUBLE_EQ(m.chunkDone(0.4, 0.02), 0.57);
  EXPECT_DOUBLE_EQ(m.lag(0.4), 0.57 - 0.4);
  // The backlog clears once audio is again ahead of the decoder.
  EXPECT_DOUBLE_EQ(m.chunkDone(0.6, 0.01), 0.61);
  EXPECT_DOUBLE_EQ(m.done(), 0.61);
  // Zero compute: arrival equals audio time.
  ArrivalModel z;
  EXPECT_DOUBLE_EQ(z.chunkDone(0.1, 0), 0.1);
  EXPECT_DOUBLE_EQ(z.chunkDone(0.2, 0), 0.2);
}

}  // namespace
}  // namespace parley::asr
