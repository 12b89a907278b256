// The espeak-ng backend, in process: Spanish and English speech, word timings, serialization
// of concurrent callers on the one espeak thread, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "audio/audio.h"
#include "tts/espeak/espeak_synthesizer.h"

namespace parley::tts {
namespace {

std::unique_ptr<EspeakSynthesizer> makeSynth(EspeakConfig config = {}) {
  auto s = EspeakSynthesizer::create(std::move(config));
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(Espeak, SpanishSentenceHasPlausibleLengthAndEnergy) {
  auto synth = makeSynth();
  ASSERT_TRUE(synth);
  const std::string text = "Me gustaría un café con leche, por favor.";
  auto speech = synth->synthesize(text, "es");
  ASSERT_TRUE(speech.ok()) << speech.error().message;
  EXPECT_EQ(speech->rate, 16000);
  EXPECT_GT(speech->seconds(), 0.5);
  EXPECT_LT(speech->seconds(), 10.0);
  EXPECT_GT(audio::rms(speech->samples), 0.02);  // speech, not silence
  // Word events: one per word, in order, with byte offsets into the UTF-8 text.
  ASSERT_EQ(speech->words.size(), 8u);
  EXPECT_EQ(text.substr(speech->words[1].text_offset, speech->words[1].text_length), "gustaría");
  EXPECT_EQ(text.substr(speech->words[3].text_offset, speech->words[3].text_length), "café");
  EXPECT_EQ(text.substr(speech->words[4].text_offset, speech->words[4].text_length), "con");
  for (std::size_t i = 1; i < speech->words.size(); ++i) {
    EXPECT_GT(speech->words[i].start, speech->words[i - 1].start);
    EXPECT_LT(speech->words[i].start, speech->seconds());
  }
  // The default voice is the config's ("es").
  auto dflt = synth->synthesize(text, "");
  ASSERT_TRUE(dflt.ok());
  EXPECT_NEAR(dflt->seconds(), speech->seconds(), 0.1 * speech->seconds());
}

TEST(Espeak, SpeedChangesDuration) {
  auto synth = makeSynth();
  ASSERT_TRUE(synth);
  const std::string text = "The children are playing in the park after school.";
  auto slow = synth->synthesize(text, "en-us", 120);
  auto fast = synth->synthesize(text, "en-us", 300);
  ASSERT_TRUE(slow.ok() && fast.ok());
  EXPECT_GT(slow->seconds(), 1.5 * fast->seconds());
}

TEST(Espeak, ConcurrentCallsAreSerializedAndAllSucceed) {
  auto synth = makeSynth();
  ASSERT_TRUE(synth);
  const std::vector<std::string> texts = {"Hola mundo.", "Buenos días a todos.",
                                          "¿Dónde está la estación?", "Muchas gracias."};
  std::vector<double> reference;
  for (const auto& t : texts) reference.push_back(synth->synthesize(t, "es").valueOr({}).seconds());
  const long long before = EspeakSynthesizer::requestsServed();
  std::atomic<int> failures{0};
  std::atomic<int> off{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 5; ++i) {
        const std::size_t which = static_cast<std::size_t>(k + i) % texts.size();
        auto s = synth->synthesize(texts[which], k % 2 ? "es" : "en");  // voices interleave
        if (!s.ok()) {
          ++failures;
        } else if (k % 2 && std::abs(s->seconds() - reference[which]) > 0.1 * reference[which]) {
          ++off;  // a Spanish request came back with the wrong text's (or voice's) audio
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(off.load(), 0);
  EXPECT_EQ(EspeakSynthesizer::requestsServed() - before, 20);
}

TEST(Espeak, AsyncRequestsComplete) {
  auto synth = makeSynth();
  ASSERT_TRUE(synth);
  std::vector<std::future<core::Result<Speech>>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(synth->synthesizeAsync("Uno dos tres.", "es"));
  for (auto& f : futures) {
    auto s = f.get();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->words.size(), 3u);
  }
  auto bad = synth->synthesizeAsync("x", "no-such-voice").get();
  EXPECT_FALSE(bad.ok());
}

TEST(Espeak, WordTimingsIncreaseAndLieWithinTheAudio) {
  auto synth = makeSynth();
  ASSERT_TRUE(synth);
  const std::string text = "The quick brown fox jumps over the lazy dog. Then it sleeps.";
  auto timed = synth->synthesizeWithTimings(text, "en-us", 160);
  ASSERT_TRUE(timed.ok()) << timed.error().message;
  const double total = static_cast<double>(timed->samples.size()) / timed->rate;
  const std::vector<std::string> expected = {"The", "quick", "brown", "fox",  "jumps", "over",
                                             "the", "lazy",  "dog",   "Then", "it",    "sleeps"};
  ASSERT_EQ(timed->words.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const TimedWord& w = timed->words[i];
    EXPECT_EQ(w.text, expected[i]);
    EXPECT_GE(w.start, 0.0);
    EXPECT_GT(w.end, w.start) << w.text;
    EXPECT_LE(w.end, total + 1e-9) << w.text;
    if (i > 0) {
      EXPECT_GT(w.start, timed->words[i - 1].start) << w.text;
      EXPECT_GE(w.start + 1e-9, timed->words[i - 1].end) << w.text;  // no overlap
    }
  }
  // The sentence pause after "dog." is not counted as part of the word.
  const TimedWord& dog = timed->words[8];
  const TimedWord& then = timed->words[9];
  EXPECT_GT(then.start - dog.end, 0.1);
  // Each word's span carries speech energy.
  for (const TimedWord& w : timed->words) {
    const auto from = static_cast<std::size_t>(w.start * timed->rate);
    const auto to = static_cast<std::size_t>(w.end * timed->rate);
    EXPECT_GT(audio::rms(std::span<const std::int16_t>(timed->samples.data() + from, to - from)),
              0.01)
        << w.text;
  }
}

TEST(Espeak, Errors) {
  auto synth = makeSynth();
  ASSERT_TRUE(synth);
  auto unknown = synth->synthesize("Hola.", "no-such-voice");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kInvalidInput);
  EXPECT_NE(unknown.error().message.find("no-such-voice"), std::string::npos);
  // A bad voice does not spoil the next request.
  EXPECT_TRUE(synth->synthesize("Hola.", "es").ok());
  auto empty = synth->synthesize("", "es");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->samples.empty());
  EXPECT_FALSE(synth->synthesize("Hola.", "es", 10).ok());  // speed out of range

  EspeakConfig small;
  small.max_text_bytes = 10;
  auto s2 = makeSynth(small);
  ASSERT_TRUE(s2);
  auto big = s2->synthesize("This text is longer than ten bytes.", "en");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, core::ErrorCode::kInvalidInput);

  EspeakConfig bad;
  bad.words_per_minute = 5;
  bad.pitch = 101;
  auto b = EspeakSynthesizer::create(bad);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("words_per_minute must be in 80..450"), std::string::npos);
  EXPECT_NE(b.error().message.find("pitch"), std::string::npos);
  EspeakConfig no_voice;
  no_voice.default_voice = "xx-none";
  auto nv = EspeakSynthesizer::create(no_voice);
  ASSERT_FALSE(nv.ok());
  EXPECT_EQ(nv.error().code, core::ErrorCode::kInvalidInput);
}

// timeWords on hand-made audio: tone bursts separated by silence.
TEST(TimeWords, TrimsSilenceAndStopsAtClauseEnds) {
  Speech s;
  s.samples.assign(16000, 0);  // 1 s
  auto burst = [&](double from, double to) {
    for (auto i = static_cast<std::size_t>(from * 16000); i < static_cast<std::size_t>(to * 16000);
         ++i) {
      s.samples[i] = static_cast<std::int16_t>(i % 2 ? 8000 : -8000);
    }
  };
  burst(0.05, 0.30);  // word 1 after 50 ms of silence
  burst(0.40, 0.55);  // word 2, then a pause
  burst(0.80, 0.95);  // word 3 after the clause end at 0.6
  const std::string text = "one two three";
  s.words = {{0, 3, 0.0}, {4, 3, 0.35}, {8, 5, 0.75}};
  auto w = timeWords(s, text, {0.6, 1.0});
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].text, "one");
  EXPECT_NEAR(w[0].start, 0.05, 0.011);
  EXPECT_NEAR(w[0].end, 0.30, 0.011);
  EXPECT_EQ(w[1].text, "two");
  EXPECT_NEAR(w[1].start, 0.40, 0.011);
  EXPECT_NEAR(w[1].end, 0.55, 0.011);  // not the next start (0.75): the clause ended at 0.6
  EXPECT_EQ(w[2].text, "three");
  EXPECT_NEAR(w[2].end, 0.95, 0.011);
}

}  // namespace
}  // namespace parley::tts
