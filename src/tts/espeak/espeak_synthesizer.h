// Speech synthesis with libespeak-ng, in process. espeak-ng is one global instance per
// process, so every EspeakSynthesizer in the process feeds ONE dedicated thread (a queue of
// requests; callers block on a future, or keep the future from synthesizeAsync()). That thread
// initializes espeak in AUDIO_OUTPUT_SYNCHRONOUS mode, collects the 22050 Hz samples and the
// word/sentence events from the synth callback, and the result is resampled to 16 kHz.
//
// synthesizeWithTimings() also gives every word its [start, end] in seconds (end = the next
// word's start or the end of the clause/audio, with silence trimmed by energy): the benchmark
// uses it to build speech corpora with exact word times.
#pragma once

#include <cstddef>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "tts/synthesizer.h"

namespace parley::tts {

struct EspeakConfig {
  std::string default_voice = "es";   // used when synthesize() gets an empty voice
  int words_per_minute = 175;         // 80..450 (espeak's range)
  int pitch = 50;                     // 0..100
  std::size_t max_text_bytes = 8192;  // 1..1 MiB per request
  std::size_t max_queue = 256;        // 1..100000 requests waiting for the espeak thread
  // espeak-ng-data directory; empty: the library's default. Only the first synthesizer of the
  // process initializes espeak, so only its data_path counts.
  std::string data_path;

  // Every problem, naming the field and its valid range.
  core::Status validate() const;
};

struct TimedWord {
  std::string text;  // the word as written in the input
  double start = 0;  // seconds
  double end = 0;    // seconds, > start
};

struct TimedSpeech {
  std::vector<std::int16_t> samples;  // 16 kHz mono
  int rate = kSpeechRate;
  std::vector<TimedWord> words;
};

class EspeakSynthesizer final : public Synthesizer {
 public:
  // Starts (once per process) the espeak thread and checks the default voice. Errors:
  // kInvalidInput (bad config or unknown default voice), kUnavailable (espeak cannot start).
  static core::Result<std::unique_ptr<EspeakSynthesizer>> create(EspeakConfig config = {});

  core::Result<Speech> synthesize(std::string_view text, std::string_view voice) override;
  // The same at `words_per_minute` (80..450).
  core::Result<Speech> synthesize(std::string_view text, std::string_view voice,
                                  int words_per_minute);
  // Queues the request and returns at once; the future is ready when the espeak thread is done.
  std::future<core::Result<Speech>> synthesizeAsync(std::string text, std::string voice,
                                                    int words_per_minute = 0);
  // Samples plus per-word [start, end] seconds (see the header comment).
  core::Result<TimedSpeech> synthesizeWithTimings(std::string_view text, std::string_view voice,
                                                  int words_per_minute);

  const EspeakConfig& config() const { return config_; }
  // Requests the process's espeak thread has completed (all synthesizers together).
  static long long requestsServed();

 private:
  explicit EspeakSynthesizer(EspeakConfig config) : config_(std::move(config)) {}
  EspeakConfig config_;
};

// Per-word [start, end] from word starts: end = min(next start, first clause end after the
// start, audio end), then leading/trailing silence trimmed: 10 ms frames whose RMS is below 1%
// of the loudest frame are dropped from both ends of each word (never below 10 ms of word).
// Exposed for tests.
std::vector<TimedWord> timeWords(const Speech& speech, std::string_view text,
                                 const std::vector<double>& clause_ends);

}  // namespace parley::tts
