#include "tts/espeak/espeak_synthesizer.h"

#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "audio/audio.h"
#include "core/log.h"

namespace parley::tts {
namespace {

struct RawResult {
  Speech speech;                    // already at 16 kHz
  std::vector<double> clause_ends;  // seconds (espeakEVENT_END)
};

struct Job {
  std::string text;
  std::string voice;
  int words_per_minute = 175;
  int pitch = 50;
  std::function<void(core::Result<RawResult>)> done;
};

// What the synth callback fills; only the espeak thread touches it.
struct Collector {
  std::vector<short> samples;
  std::vector<espeak_EVENT> events;
};
Collector* g_collector = nullptr;

int onSynth(short* wav, int count, espeak_EVENT* events) {
  if (g_collector == nullptr) return 0;
  if (wav != nullptr && count > 0)
    g_collector->samples.insert(g_collector->samples.end(), wav, wav + count);
  for (espeak_EVENT* e = events; e != nullptr && e->type != espeakEVENT_LIST_TERMINATED; ++e) {
    if (e->type == espeakEVENT_WORD || e->type == espeakEVENT_SENTENCE ||
        e->type == espeakEVENT_END) {
      g_collector->events.push_back(*e);
    }
  }
  return 0;  // continue
}

// Byte offset of every character start in UTF-8 text, plus text.size() at the end.
std::vector<std::size_t> charStarts(std::string_view text) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  return starts;
}

// The process's one espeak thread. Created on first use and never destroyed: espeak is a
// process-wide library and may be needed until exit.
class EspeakEngine {
 public:
  static EspeakEngine& get(const std::string& data_path) {
    static EspeakEngine* engine = new EspeakEngine(data_path);  // intentionally leaked
    return *engine;
  }

  core::Status initStatus() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return init_done_; });
    return init_status_;
  }

  core::Status submit(Job job, std::size_t max_queue) {
    {
      std::lock_guard lock(mu_);
      if (queue_.size() >= max_queue) {
        return core::Error::unavailable("speech synthesis queue is full (" +
                                        std::to_string(max_queue) + " requests waiting)");
      }
      queue_.push_back(std::move(job));
    }
    cv_.notify_all();
    return core::okStatus();
  }

  long long served() const { return served_.load(); }

 private:
  explicit EspeakEngine(std::string data_path) : data_path_(std::move(data_path)) {
    std::thread([this] { run(); }).detach();
  }

  void run() {
    const int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                       data_path_.empty() ? nullptr : data_path_.c_str(), 0);
    {
      std::lock_guard lock(mu_);
      if (rate <= 0) {
        init_status_ =
            core::Error::unavailable("espeak-ng failed to initialize (data path " +
                                     (data_path_.empty() ? "default" : data_path_) + ")");
      } else {
        rate_ = rate;
        espeak_SetSynthCallback(&onSynth);
        core::log::info("tts_started", "", "espeak-ng initialized", {{"rate", rate}});
      }
      init_done_ = true;
    }
    cv_.notify_all();
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      auto result = process(job);
      ++served_;
      job.done(std::move(result));
    }
  }

  core::Result<RawResult> process(const Job& job) {
    if (!init_status_.ok()) return init_status_.error();
    if (job.voice != current_voice_) {
      if (espeak_SetVoiceByName(job.voice.c_str()) != EE_OK) {
        return core::Error::invalid("unknown espeak-ng voice '" + job.voice + "'");
      }
      current_voice_ = job.voice;
    }
    espeak_SetParameter(espeakRATE, job.words_per_minute, 0);
    espeak_SetParameter(espeakPITCH, job.pitch, 0);
    RawResult out;
    if (job.text.empty()) return out;

    Collector collector;
    g_collector = &collector;
    const espeak_ERROR err = espeak_Synth(job.text.c_str(), job.text.size() + 1, 0, POS_CHARACTER,
                                          0, espeakCHARS_UTF8, nullptr, nullptr);
    g_collector = nullptr;
    if (err != EE_OK) {
      return core::Error::unavailable("espeak_Synth failed (error " + std::to_string(err) + ")");
    }
    auto resampled =
        audio::resample(std::span<const std::int16_t>(collector.samples), rate_, kSpeechRate);
    if (!resampled.ok()) return resampled.error();
    out.speech.samples = std::move(*resampled);

    const std::vector<std::size_t> starts = charStarts(job.text);
    const std::size_t chars = starts.size() - 1;
    for (const espeak_EVENT& e : collector.events) {
      const double at = e.audio_position / 1000.0;
      if (e.type == espeakEVENT_END) {
        out.clause_ends.push_back(at);
      } else if (e.type == espeakEVENT_WORD && e.text_position >= 1) {
        // text_position counts characters from 1; length is in characters.
        const auto first =
            std::min<std::size_t>(static_cast<std::size_t>(e.text_position - 1), chars);
        const auto last =
            std::min<std::size_t>(first + static_cast<std::size_t>(std::max(e.length, 0)), chars);
        out.speech.words.push_back({starts[first], starts[last] - starts[first], at});
      }
    }
    return out;
  }

  const std::string data_path_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool init_done_ = false;
  core::Status init_status_ = core::okStatus();
  int rate_ = 22050;
  std::string current_voice_;  // espeak thread only
  std::atomic<long long> served_{0};
};

std::string_view voiceOr(std::string_view voice, const std::string& fallback) {
  return voice.empty() ? std::string_view(fallback) : voice;
}

}  // namespace

core::Status EspeakConfig::validate() const {
  std::string problems;
  auto bad = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (default_voice.empty()) bad("default_voice must not be empty");
  if (words_per_minute < espeakRATE_MINIMUM || words_per_minute > espeakRATE_MAXIMUM) {
    bad("words_per_minute must be in 80..450, got " + std::to_string(words_per_minute));
  }
  if (pitch < 0 || pitch > 100) bad("pitch must be in 0..100, got " + std::to_string(pitch));
  if (max_text_bytes < 1 || max_text_bytes > (1u << 20)) {
    bad("max_text_bytes must be in 1..1048576, got " + std::to_string(max_text_bytes));
  }
  if (max_queue < 1 || max_queue > 100000) {
    bad("max_queue must be in 1..100000, got " + std::to_string(max_queue));
  }
  if (!problems.empty()) return core::Error::invalid("espeak config: " + problems);
  return core::okStatus();
}

namespace {

// Validates a request and hands it to the espeak thread; `done` runs on that thread.
core::Status submitJob(const EspeakConfig& config, std::string_view text, std::string_view voice,
                       int wpm, std::function<void(core::Result<RawResult>)> done) {
  if (text.size() > config.max_text_bytes) {
    return core::Error::invalid("text of " + std::to_string(text.size()) +
                                " bytes exceeds the synthesizer's limit of " +
                                std::to_string(config.max_text_bytes));
  }
  if (wpm == 0) wpm = config.words_per_minute;
  if (wpm < espeakRATE_MINIMUM || wpm > espeakRATE_MAXIMUM) {
    return core::Error::invalid("words_per_minute must be in 80..450, got " + std::to_string(wpm));
  }
  Job job;
  job.text = std::string(text);
  std::replace(job.text.begin(), job.text.end(), '\0', ' ');
  job.voice = std::string(voiceOr(voice, config.default_voice));
  job.words_per_minute = wpm;
  job.pitch = config.pitch;
  job.done = std::move(done);
  return EspeakEngine::get(config.data_path).submit(std::move(job), config.max_queue);
}

core::Result<RawResult> runJob(const EspeakConfig& config, std::string_view text,
                               std::string_view voice, int wpm) {
  auto promise = std::make_shared<std::promise<core::Result<RawResult>>>();
  auto future = promise->get_future();
  auto st = submitJob(config, text, voice, wpm,
                      [promise](core::Result<RawResult> r) { promise->set_value(std::move(r)); });
  if (!st.ok()) return st.error();
  return future.get();
}

}  // namespace

core::Result<std::unique_ptr<EspeakSynthesizer>> EspeakSynthesizer::create(EspeakConfig config) {
  if (auto st = config.validate(); !st.ok()) return st.error();
  if (auto st = EspeakEngine::get(config.data_path).initStatus(); !st.ok()) return st.error();
  // An empty text selects the voice without speaking: checks that the default voice exists.
  auto probe = runJob(config, "", config.default_voice, 0);
  if (!probe.ok()) return probe.error();
  return std::unique_ptr<EspeakSynthesizer>(new EspeakSynthesizer(std::move(config)));
}

core::Result<Speech> EspeakSynthesizer::synthesize(std::string_view text, std::string_view voice) {
  return synthesize(text, voice, 0);
}

core::Result<Speech> EspeakSynthesizer::synthesize(std::string_view text, std::string_view voice,
                                                   int words_per_minute) {
  auto r = runJob(config_, text, voice, words_per_minute);
  if (!r.ok()) return r.error();
  return std::move(r->speech);
}

std::future<core::Result<Speech>> EspeakSynthesizer::synthesizeAsync(std::string text,
                                                                     std::string voice,
                                                                     int words_per_minute) {
  auto promise = std::make_shared<std::promise<core::Result<Speech>>>();
  auto future = promise->get_future();
  auto st = submitJob(config_, text, voice, words_per_minute, [promise](core::Result<RawResult> r) {
    if (r.ok()) {
      promise->set_value(std::move(r->speech));
    } else {
      promise->set_value(r.error());
    }
  });
  if (!st.ok()) promise->set_value(st.error());
  return future;
}

core::Result<TimedSpeech> EspeakSynthesizer::synthesizeWithTimings(std::string_view text,
                                                                   std::string_view voice,
                                                                   int words_per_minute) {
  auto r = runJob(config_, text, voice, words_per_minute);
  if (!r.ok()) return r.error();
  TimedSpeech out;
  out.words = timeWords(r->speech, text, r->clause_ends);
  out.samples = std::move(r->speech.samples);
  out.rate = r->speech.rate;
  return out;
}

long long EspeakSynthesizer::requestsServed() { return EspeakEngine::get("").served(); }

std::vector<TimedWord> timeWords(const Speech& speech, std::string_view text,
                                 const std::vector<double>& clause_ends) {
  constexpr double kFrame = 0.010;
  const double total = speech.seconds();
  const auto frame_len = static_cast<std::size_t>(kFrame * speech.rate);
  auto frameRms = [&](double t) {
    const auto from = static_cast<std::size_t>(t * speech.rate);
    if (from >= speech.samples.size() || frame_len == 0) return 0.0;
    const std::size_t n = std::min(frame_len, speech.samples.size() - from);
    return audio::rms(std::span<const std::int16_t>(speech.samples.data() + from, n));
  };
  double loudest = 0;
  for (double t = 0; t < total; t += kFrame) loudest = std::max(loudest, frameRms(t));
  const double threshold = 0.01 * loudest;

  std::vector<TimedWord> out;
  for (std::size_t i = 0; i < speech.words.size(); ++i) {
    const WordEvent& w = speech.words[i];
    TimedWord tw;
    tw.text = std::string(text.substr(std::min(w.text_offset, text.size()), w.text_length));
    tw.start = std::min(w.start, total);
    double end = i + 1 < speech.words.size() ? speech.words[i + 1].start : total;
    for (double c : clause_ends) {
      if (c > tw.start) {
        end = std::min(end, c);
        break;
      }
    }
    end = std::min(end, total);
    // Trim silence at both ends of the word, keeping at least one frame.
    while (end - tw.start > 2 * kFrame && frameRms(end - kFrame) < threshold) end -= kFrame;
    while (end - tw.start > 2 * kFrame && frameRms(tw.start) < threshold) tw.start += kFrame;
    tw.end = std::max(end, tw.start + kFrame);
    out.push_back(std::move(tw));
  }
  return out;
}

}  // namespace parley::tts
