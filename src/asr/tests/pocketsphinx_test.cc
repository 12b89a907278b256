// The pocketsphinx backend on real audio with the real en-us model (package
// pocketsphinx-testdata): goforward.raw says "go forward ten meters"; one LibriVox clip checks
// the language-model path on read speech.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "asr/pocketsphinx/pocketsphinx_recognizer.h"
#include "asr/recognizer_worker.h"
#include "asr/wer.h"
#include "audio/audio.h"

namespace parley::asr::pocketsphinx {
namespace {

const std::string kData = "/usr/share/pocketsphinx/test/data/";

// Test clips through the audio module (the path `parley transcribe` uses).
std::vector<int16_t> readRaw(const std::string& path) {
  auto audio = audio::readAudioFile(path);
  EXPECT_TRUE(audio.ok()) << (audio.ok() ? "" : audio.error().message);
  return audio.ok() ? std::move(audio->samples) : std::vector<int16_t>{};
}

std::vector<engine::RecognizerEvent> decode(Recognizer& r, const std::vector<int16_t>& pcm,
                                            size_t chunk = 1600) {
  std::vector<engine::RecognizerEvent> events;
  EXPECT_TRUE(r.startStream().ok());
  for (size_t i = 0; i < pcm.size(); i += chunk) {
    size_t n = std::min(chunk, pcm.size() - i);
    EXPECT_TRUE(r.accept(std::span<const int16_t>(pcm.data() + i, n), &events).ok());
  }
  EXPECT_TRUE(r.finish(&events).ok());
  return events;
}

std::unique_ptr<Recognizer> make(bool grammar) {
  PocketsphinxConfig c;
  if (grammar) c.grammar = kData + "goforward.gram";
  auto r = createRecognizer(c);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : nullptr;
}

std::vector<engine::RecognizerEvent> finals(const std::vector<engine::RecognizerEvent>& ev) {
  std::vector<engine::RecognizerEvent> out;
  for (const auto& e : ev) {
    if (!e.is_partial) out.push_back(e);
  }
  return out;
}

std::string textOf(const engine::RecognizerEvent& e) { return engine::joinWords(e.words); }

// Structure every stream must have: per result, partials then exactly one final; ids utt-1,
// utt-2, ... in order; words ordered in time, inside the audio, inside the event's span.
void expectWellFormed(const std::vector<engine::RecognizerEvent>& events, double audio_seconds) {
  std::set<std::string> closed;
  int expected_id = 1;
  std::string last_partial;
  for (const auto& e : events) {
    EXPECT_EQ(closed.count(e.result_id), 0u) << "event after the final of " << e.result_id;
    EXPECT_EQ(e.result_id, "utt-" + std::to_string(expected_id));
    if (e.is_partial) {
      EXPECT_FALSE(e.words.empty());
      EXPECT_NE(textOf(e), last_partial) << "a partial repeats the previous hypothesis";
      last_partial = textOf(e);
      for (const auto& w : e.words) EXPECT_FALSE(w.confidence.has_value());
    } else {
      closed.insert(e.result_id);
      ++expected_id;
      last_partial.clear();
    }
    double prev_end = 0;
    for (const auto& w : e.words) {
      EXPECT_FALSE(w.text.empty());
      EXPECT_EQ(w.text.find('('), std::string::npos) << w.text;
      EXPECT_NE(w.text.front(), '<') << w.text;
      EXPECT_NE(w.text.front(), '[') << w.text;
      EXPECT_LT(w.start, w.end);
      EXPECT_GE(w.start, prev_end);
      EXPECT_LE(w.end, audio_seconds + 1e-9);
      EXPECT_GE(w.start, e.start);
      EXPECT_LE(w.end, e.end);
      prev_end = w.end;
    }
  }
  if (!events.empty()) {
    EXPECT_FALSE(events.back().is_partial) << "the stream ends on a final";
  }
}

TEST(PocketsphinxRecognizer, GrammarRecognizesGoForwardExactly) {
  auto r = make(true);
  ASSERT_TRUE(r);
  auto pcm = readRaw(kData + "goforward.raw");
  ASSERT_GT(pcm.size(), 16000u);
  const double seconds = pcm.size() / 16000.0;
  auto events = decode(*r, pcm);
  expectWellFormed(events, seconds);
  auto f = finals(events);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(textOf(f[0]), "go forward ten meters");
  EXPECT_EQ(f[0].result_id, "utt-1");
  // Partials came first and grew towards the final.
  ASSERT_GE(events.size(), 3u);
  EXPECT_TRUE(events.front().is_partial);
  EXPECT_EQ(events.front().words.front().text, "go");
  EXPECT_DOUBLE_EQ(r->audioSeconds(), seconds);
  // Grammar search has no meaningful posterior: no confidence is claimed.
  for (const auto& w : f[0].words) EXPECT_FALSE(w.confidence.has_value());
}

TEST(PocketsphinxRecognizer, LanguageModelRecognizesKeyWordsWithConfidences) {
  auto r = make(false);
  ASSERT_TRUE(r);
  auto pcm = readRaw(kData + "goforward.raw");
  auto events = decode(*r, pcm);
  expectWellFormed(events, pcm.size() / 16000.0);
  auto f = finals(events);
  ASSERT_GE(f.size(), 1u);
  std::string all;
  for (const auto& e : f) all += textOf(e) + " ";
  // The clip is known-good; the fast search reliably gets at least "go forward ... meters".
  auto c = wordErrors("go forward ten meters", all);
  EXPECT_LE(c.errors, 1) << all;
  EXPECT_NE(all.find("go forward"), std::string::npos) << all;
  EXPECT_TRUE(events.front().is_partial);
  for (const auto& e : f) {
    for (const auto& w : e.words) {
      ASSERT_TRUE(w.confidence.has_value()) << w.text;
      EXPECT_GE(*w.confidence, 0.0);
      EXPECT_LE(*w.confidence, 1.0);
    }
  }
}

TEST(PocketsphinxRecognizer, WordTimesAreAbsoluteStreamTimes) {
  auto r = make(true);
  ASSERT_TRUE(r);
  auto speech = readRaw(kData + "goforward.raw");
  std::vector<int16_t> pcm(2 * 16000, 0);  // 2 s of silence first
  pcm.insert(pcm.end(), speech.begin(), speech.end());
  const double seconds = pcm.size() / 16000.0;
  auto events = decode(*r, pcm);
  expectWellFormed(events, seconds);
  auto f = finals(events);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(textOf(f[0]), "go forward ten meters");
  for (const auto& e : events) {
    for (const auto& w : e.words) EXPECT_GT(w.start, 2.0) << w.text;
  }

  // The same clip without the silence: the same words, 2 s earlier (within a few frames).
  auto r2 = make(true);
  ASSERT_TRUE(r2);
  auto plain = finals(decode(*r2, speech));
  ASSERT_EQ(plain.size(), 1u);
  ASSERT_EQ(plain[0].words.size(), f[0].words.size());
  for (size_t i = 0; i < plain[0].words.size(); ++i) {
    EXPECT_NEAR(f[0].words[i].start - plain[0].words[i].start, 2.0, 0.05);
  }
}

TEST(PocketsphinxRecognizer, PausesSplitUtterancesWithIncreasingIds) {
  auto r = make(true);
  ASSERT_TRUE(r);
  auto speech = readRaw(kData + "goforward.raw");
  std::vector<int16_t> pcm = speech;
  pcm.insert(pcm.end(), 16000, 0);  // 1 s pause: longer than the 0.25 s end-of-speech wait
  pcm.insert(pcm.end(), speech.begin(), speech.end());
  const double seconds = pcm.size() / 16000.0;
  auto events = decode(*r, pcm);
  expectWellFormed(events, seconds);
  auto f = finals(events);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].result_id, "utt-1");
  EXPECT_EQ(f[1].result_id, "utt-2");
  EXPECT_EQ(textOf(f[0]), "go forward ten meters");
  EXPECT_EQ(textOf(f[1]), "go forward ten meters");
  EXPECT_GT(f[1].words.front().start, speech.size() / 16000.0 + 0.5);
  // The first final came while audio was still arriving (the endpoint, not finish(), closed it):
  // partials of utt-2 follow it.
  auto first_final =
      std::find_if(events.begin(), events.end(), [](const auto& e) { return !e.is_partial; });
  ASSERT_NE(first_final, events.end());
  ASSERT_NE(first_final + 1, events.end());
  EXPECT_EQ((first_final + 1)->result_id, "utt-2");

  // A new stream restarts ids and times.
  auto again = decode(*r, speech);
  auto f2 = finals(again);
  ASSERT_EQ(f2.size(), 1u);
  EXPECT_EQ(f2[0].result_id, "utt-1");
  EXPECT_LT(f2[0].words.front().start, 1.0);
}

TEST(PocketsphinxRecognizer, ChunkSizeDoesNotChangeTheGrammarResult) {
  auto r = make(true);
  ASSERT_TRUE(r);
  auto pcm = readRaw(kData + "goforward.raw");
  for (size_t chunk : {160u, 4000u, 100000u}) {
    auto f = finals(decode(*r, pcm, chunk));
    ASSERT_EQ(f.size(), 1u) << chunk;
    EXPECT_EQ(textOf(f[0]), "go forward ten meters") << chunk;
  }
}

TEST(PocketsphinxRecognizer, SilenceAloneYieldsNoEvents) {
  auto r = make(true);
  ASSERT_TRUE(r);
  std::vector<int16_t> silence(3 * 16000, 0);
  EXPECT_TRUE(decode(*r, silence).empty());
}

TEST(PocketsphinxRecognizer, AcceptOutsideAStreamIsAUsageError) {
  auto r = make(true);
  ASSERT_TRUE(r);
  std::vector<engine::RecognizerEvent> events;
  std::vector<int16_t> pcm(1600, 0);
  auto s = r->accept(pcm, &events);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kUsage);
}

TEST(PocketsphinxRecognizer, RefusedGrammarSaysWhy) {
  PocketsphinxConfig c;
  c.grammar = kData + "defective.gram";  // a JSGF syntax error, from pocketsphinx's own tests
  auto r = createRecognizer(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidInput);
  // pocketsphinx's own error text is carried in the message.
  EXPECT_NE(r.error().message.find("really_bad_word"), std::string::npos) << r.error().message;
}

TEST(PocketsphinxRecognizer, LibrivoxClipWithLanguageModel) {
  // "he was not an ill disposed young man" (the shortest clip, 3 s).
  auto r = make(false);
  ASSERT_TRUE(r);
  auto pcm = readRaw(kData + "librivox/sense_and_sensibility_01_austen_64kb-0880.wav");
  ASSERT_GT(pcm.size(), 16000u);
  auto events = decode(*r, pcm);
  expectWellFormed(events, pcm.size() / 16000.0);
  std::string all;
  for (const auto& e : finals(events)) all += textOf(e) + " ";
  auto c = wordErrors("he was not an ill disposed young man", all);
  EXPECT_LE(c.wer(), 0.5) << all;
  EXPECT_NE(all.find("he was not"), std::string::npos) << all;
  EXPECT_NE(all.find("young man"), std::string::npos) << all;
}

TEST(RecognizerWorker, DecodesRealAudioOnItsThread) {
  std::mutex mu;
  std::vector<WorkerEvent> events;
  RecognizerWorker worker(make(true), WorkerConfig{.max_queued_chunks = 1000},
                          [&](const WorkerEvent& e) {
                            std::lock_guard lock(mu);
                            events.push_back(e);
                          });
  ASSERT_TRUE(worker.start().ok());
  auto pcm = readRaw(kData + "goforward.raw");
  for (size_t i = 0; i < pcm.size(); i += 1600) {
    size_t n = std::min<size_t>(1600, pcm.size() - i);
    ASSERT_TRUE(worker.push(std::span<const int16_t>(pcm.data() + i, n)).ok());
  }
  ASSERT_TRUE(worker.finish().ok());
  std::lock_guard lock(mu);
  ASSERT_FALSE(events.empty());
  EXPECT_FALSE(events.back().event.is_partial);
  EXPECT_EQ(textOf(events.back().event), "go forward ten meters");
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_GE(events[i].compute_seconds, 0.0);
    EXPECT_LE(events[i].audio_time, pcm.size() / 16000.0 + 1e-9);
    // An event cannot describe audio the recognizer had not consumed yet.
    if (!events[i].event.words.empty()) {
      EXPECT_LE(events[i].event.words.back().end, events[i].audio_time + 1e-9);
    }
    if (i > 0) {
      EXPECT_GE(events[i].audio_time, events[i - 1].audio_time);
    }
  }
  WorkerStats s = worker.stats();
  EXPECT_EQ(s.chunks_dropped, 0);
  EXPECT_EQ(s.samples_accepted, static_cast<long long>(pcm.size()));
  EXPECT_EQ(s.events, static_cast<long long>(events.size()));
}

}  // namespace
}  // namespace parley::asr::pocketsphinx
