// The embedded stack behind SessionPipeline, for real: pocketsphinx (with the goforward JSGF
// grammar, so the recognized words are known), apertium eng-spa and espeak-ng. A LibriVox clip
// with the language model runs in tests/e2e/pipeline_run.sh (`parley run`).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "audio/audio.h"
#include "core/clock.h"
#include "pipeline/mode_compare.h"
#include "pipeline/session_pipeline.h"
#include "translate/translator.h"

namespace parley::pipeline {
namespace {

constexpr const char* kData = "/usr/share/pocketsphinx/test/data";

std::vector<std::int16_t> goForwardAudio() {
  auto audio = audio::readAudioFile(std::string(kData) + "/goforward.raw");
  EXPECT_TRUE(audio.ok()) << (audio.ok() ? "" : audio.error().message);
  return audio.ok() ? audio->samples : std::vector<std::int16_t>{};
}

TEST(EmbeddedPipeline, GoForwardIsCaptionedAndSpokenInSpanish) {
  auto services = Services::createEmbedded();
  ASSERT_TRUE(services.ok()) << services.error().message;
  std::string why;
  EXPECT_TRUE((*services)->ready(&why)) << why;

  PipelineOptions options;
  options.session_id = "embedded-test";
  options.grammar_path = std::string(kData) + "/goforward.gram";
  options.timing = Timing::kArrivalModel;
  options.audio_queue_chunks = 10000;
  std::vector<RecognizerStep> steps;
  options.on_step = [&](const RecognizerStep& s) { steps.push_back(s); };
  std::vector<engine::Segment> segments;
  std::vector<Caption> captions;
  core::SystemClock clock;
  auto pipeline = SessionPipeline::start(
      options, **services, clock, [&](const engine::Segment& s) { segments.push_back(s); },
      [&](const Caption& c) { captions.push_back(c); });
  ASSERT_TRUE(pipeline.ok()) << pipeline.error().message;

  const auto pcm = goForwardAudio();
  ASSERT_FALSE(pcm.empty());
  for (std::size_t i = 0; i < pcm.size(); i += 1600) {
    const std::size_t n = std::min<std::size_t>(1600, pcm.size() - i);
    ASSERT_TRUE((*pipeline)->pushAudio(std::span<const std::int16_t>(pcm.data() + i, n)).ok());
  }
  (*pipeline)->finish();

  std::string source;
  for (const auto& s : segments) source += (source.empty() ? "" : " ") + s.text;
  EXPECT_EQ(source, "go forward ten meters");
  ASSERT_EQ(captions.size(), segments.size());
  std::string spanish;
  std::size_t speech_samples = 0;
  for (const auto& c : captions) {
    EXPECT_EQ(c.lang, "es");
    EXPECT_TRUE(c.translated) << c.segment.text;
    EXPECT_NE(c.text, c.segment.text);
    EXPECT_GT(c.timings.translate_s, 0.0);
    EXPECT_FALSE(c.audio.empty()) << c.text;
    speech_samples += c.audio.size();
    for (char ch : c.text)
      spanish += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    spanish += ' ';
  }
  // apertium says "diez metros" for "ten meters" whatever the segmentation (its casing varies).
  EXPECT_NE(spanish.find("diez"), std::string::npos) << spanish;
  EXPECT_NE(spanish.find("metros"), std::string::npos) << spanish;
  // A second or so of Spanish speech, not silence.
  EXPECT_GT(speech_samples, 16000u / 2);
  std::vector<std::int16_t> all;
  for (const auto& c : captions) all.insert(all.end(), c.audio.begin(), c.audio.end());
  EXPECT_GT(audio::rms(all), 0.01);

  const PipelineStats stats = (*pipeline)->stats();
  EXPECT_EQ(stats.untranslated_captions, 0);
  EXPECT_EQ(stats.synthesis_failures, 0);
  EXPECT_GT(stats.asr_compute_s, 0.0);
  EXPECT_NEAR(stats.audio_seconds, static_cast<double>(pcm.size()) / 16000, 1e-6);

  // The recorded recognition reruns to the same segments.
  ModeRun rerun = runEngineOnSteps(steps, "embedded-test", options.engine, options.mode);
  ASSERT_EQ(rerun.segments.size(), segments.size());
  for (std::size_t i = 0; i < segments.size(); ++i) {
    EXPECT_EQ(rerun.segments[i].text, segments[i].text);
    EXPECT_DOUBLE_EQ(rerun.segments[i].emitted_at, segments[i].emitted_at);
  }
}

TEST(EmbeddedPipeline, UnknownLanguageIsNotFound) {
  auto services = Services::createEmbedded();
  ASSERT_TRUE(services.ok()) << services.error().message;
  auto t = (*services)->translator("tlh");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(t.error().message.find("tlh"), std::string::npos);
  // The same translator object is shared by every session asking for a language.
  auto a = (*services)->translator("es");
  auto b = (*services)->translator("es");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(EmbeddedPipeline, IdleTranslatorsAreReleasedOnlyWhenNobodyHoldsThem) {
  core::ManualClock clock(0);
  EmbeddedOptions options;
  options.clock = &clock;
  auto services = Services::createEmbedded(options);  // loads "es" at 0 s
  ASSERT_TRUE(services.ok()) << services.error().message;
  auto held = (*services)->translator("es");
  ASSERT_TRUE(held.ok());
  clock.set(30);
  EXPECT_TRUE((*services)->releaseIdleTranslators(60).empty());  // used 30 s ago
  clock.set(100);
  EXPECT_TRUE((*services)->releaseIdleTranslators(60).empty());  // idle, but held
  auto text = (*held)->translate("Good morning.");
  EXPECT_TRUE(text.ok());
  held = core::Error::internal("dropped");  // the last holder lets go
  EXPECT_EQ((*services)->releaseIdleTranslators(60), std::vector<std::string>{"es"});
  EXPECT_TRUE((*services)->releaseIdleTranslators(60).empty());
  // Asked for again: loaded again, and it translates.
  auto again = (*services)->translator("es");
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto retranslated = (*again)->translate("Good morning.");
  ASSERT_TRUE(retranslated.ok());
  EXPECT_EQ(*retranslated, *text);
}

}  // namespace
}  // namespace parley::pipeline
