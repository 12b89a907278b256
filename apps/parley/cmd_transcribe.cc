// `parley transcribe`: decodes an audio file with pocketsphinx as a live stream would (fixed
// chunks) and writes a trace of what the recognizer said and when it would have said it.
// `parley transcribe eval`: measures RTF, WER and decoder memory on the LibriVox test clips.
// The arrival-time model and the measurements are described in docs/asr.md.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "asr/arrival_model.h"
#include "asr/pocketsphinx/pocketsphinx_recognizer.h"
#include "asr/recognizer.h"
#include "asr/thread_cpu_clock.h"
#include "asr/wer.h"
#include "audio/audio.h"
#include "command.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/result.h"
#include "ingest/trace.h"

namespace parley::app {
namespace {

namespace ps = parley::asr::pocketsphinx;

constexpr const char* kLibrivoxDir = "/usr/share/pocketsphinx/test/data/librivox";

// --- audio input -------------------------------------------------------------------------

// Audio as 16 kHz mono int16 (WAV of any common layout, converted; or .raw/.pcm 16 kHz s16le).
core::Result<std::vector<int16_t>> loadAudio(const std::string& path) {
  auto audio = audio::readAudioFile(path);
  if (!audio.ok()) return audio.error();
  return std::move(audio->samples);
}

// --- shared option handling ---------------------------------------------------------------

// Recognizer options shared by `transcribe` and `transcribe eval`. Fills *config; returns an
// error message for the user, or "" when fine.
std::string applyRecognizerOptions(const Args& args, ps::PocketsphinxConfig* config) {
  std::string error;
  auto integer = [&](const std::string& text, const char* option, double min,
                     double max) -> std::optional<int> {
    auto n = parseNumber(text, option, min, max, &error);
    if (!n) return std::nullopt;
    if (*n != std::floor(*n)) {
      error = std::string(option) + " must be an integer (got '" + text + "')";
      return std::nullopt;
    }
    return static_cast<int>(*n);
  };
  if (auto v = args.get("--model-dir")) config->model_dir = *v;
  if (auto v = args.get("--grammar")) {
    if (access(v->c_str(), R_OK) != 0) return "cannot read grammar file " + *v;
    config->grammar = *v;
  }
  if (auto v = args.get("--vad-postspeech")) {
    auto n = integer(*v, "--vad-postspeech", 5, 300);
    if (!n) return error;
    config->vad_postspeech_frames = *n;
  }
  if (auto v = args.get("--max-hmm")) {
    auto n = integer(*v, "--max-hmm", 100, 100000);
    if (!n) return error;
    config->max_hmm_per_frame = *n;
  }
  if (args.has("--accurate")) {
    // Close to pocketsphinx's own defaults: the slow search, for comparison (docs/asr.md).
    config->fwdflat = true;
    config->max_hmm_per_frame = 30000;
    config->max_words_per_frame = 20;
    config->pl_window = 5;
  }
  if (auto problems = config->validate(); !problems.empty()) return problems.front();
  return "";
}

std::optional<int> chunkSamples(const Args& args, std::string* error) {
  auto ms = parseNumber(args.getOr("--chunk-ms", "100"), "--chunk-ms", 10, 10000, error);
  if (!ms) return std::nullopt;
  return static_cast<int>(std::lround(*ms * asr::kSampleRate / 1000.0));
}

const std::vector<OptionSpec> kRecognizerOptions = {
    {"--grammar"},         {"--model-dir"}, {"--vad-postspeech"}, {"--max-hmm"},
    {"--accurate", false}, {"--chunk-ms"},  {"--help", false},    {"-h", false},
};

// Time one recognizer call with `clock` (read on this thread).
template <typename F>
double timed(const core::Clock& clock, F&& f) {
  double t0 = clock.now();
  f();
  return clock.now() - t0;
}

// --- parley transcribe -------------------------------------------------------------------

void printTranscribeHelp() {
  std::printf(
      "Usage: parley transcribe AUDIO [options]\n"
      "       parley transcribe eval [options]   (RTF, WER and memory on the LibriVox clips)\n\n"
      "Decodes AUDIO with pocketsphinx in fixed chunks, as a live stream would arrive, and\n"
      "writes a trace (JSON lines, docs/trace-format.md) that `parley replay` and `parley bench`\n"
      "read: one audio-progress line per chunk and every recognizer event (partials, finals)\n"
      "stamped with the time it would have arrived:\n"
      "  done_i = max(done_{i-1}, a_i) + compute_i\n"
      "where a_i is the audio time at the end of chunk i and compute_i the time the decoder\n"
      "spent on it (docs/asr.md).\n\n"
      "AUDIO: a WAV file (PCM or float, any rate and channel count: converted to 16 kHz mono)\n"
      "or a headerless 16 kHz s16le mono file named .raw, .pcm, .s16 or .s16le.\n\n"
      "Options:\n"
      "  --out FILE           write the trace to FILE (default: standard output)\n"
      "  --grammar FILE       recognize only sentences of this JSGF grammar (no language model)\n"
      "  --chunk-ms N         chunk length in ms, 10..10000 (default 100)\n"
      "  --timing MODE        compute_i measured as: cpu (thread CPU time, default), wall,\n"
      "                       or zero (arrival = audio time; deterministic output)\n"
      "  --session ID         session id written in the trace header\n"
      "  --model-dir DIR      pocketsphinx model (default %s)\n"
      "  --vad-postspeech N   end-of-speech wait in 10 ms frames, 5..300 (default 25)\n"
      "  --max-hmm N          active HMMs per frame, 100..100000 (default 3000)\n"
      "  --accurate           pocketsphinx's slower default search instead of the fast one\n"
      "  --quiet              no summary on standard error\n"
      "  -h, --help           this help\n\n"
      "A summary (audio seconds, compute seconds, real-time factor, events) goes to standard\n"
      "error, with a progress bar when standard error is a terminal.\n"
      "Exit status: 0 ok, 1 runtime failure, 2 usage error or unreadable/unsupported audio.\n",
      ps::kDefaultModelDir);
}

enum class Timing { kCpu, kWall, kZero };

std::string headerExtra(const ps::PocketsphinxConfig& c, int chunk_samples, const char* timing) {
  std::ostringstream o;
  o << "{\"chunk_ms\":" << chunk_samples * 1000 / asr::kSampleRate << ",\"timing\":\"" << timing
    << "\",\"arrival_model\":\"done_i = max(done_i-1, a_i) + compute_i\""
    << ",\"asr\":{\"grammar\":\"" << core::log::jsonEscape(c.grammar) << "\""
    << ",\"fwdflat\":" << (c.fwdflat ? "true" : "false")
    << ",\"bestpath\":" << (c.bestpath ? "true" : "false")
    << ",\"maxhmmpf\":" << c.max_hmm_per_frame << ",\"maxwpf\":" << c.max_words_per_frame
    << ",\"pl_window\":" << c.pl_window << ",\"vad_postspeech\":" << c.vad_postspeech_frames
    << "}}";
  return o.str();
}

void drawProgress(double done, double total, double compute) {
  constexpr int kWidth = 30;
  int filled = total > 0 ? static_cast<int>(kWidth * std::min(1.0, done / total)) : kWidth;
  std::fprintf(stderr, "\r[%s%s] %6.1f / %.1f s  RTF %.2f", std::string(filled, '#').c_str(),
               std::string(kWidth - filled, ' ').c_str(), done, total,
               done > 0 ? compute / done : 0.0);
  std::fflush(stderr);
}

int transcribeMain(int argc, char** argv) {
  constexpr const char* kOneAudio = "expected exactly one AUDIO file";
  std::vector<OptionSpec> spec = kRecognizerOptions;
  spec.insert(spec.end(), {{"--out"}, {"--timing"}, {"--session"}, {"--quiet", false}});
  std::string error;
  auto args = Args::parse(argc, argv, spec, &error);
  if (!args) return usageError("transcribe", error);
  if (args->wantsHelp()) {
    printTranscribeHelp();
    return 0;
  }
  if (!args->requirePositionals(1, &error, kOneAudio, kOneAudio)) {
    return usageError("transcribe", error);
  }
  const std::string audio_path = args->positionals()[0];

  ps::PocketsphinxConfig config;
  if (auto msg = applyRecognizerOptions(*args, &config); !msg.empty()) {
    return usageError("transcribe", msg);
  }
  auto chunk = chunkSamples(*args, &error);
  if (!chunk) return usageError("transcribe", error);
  std::string timing_name = args->getOr("--timing", "cpu");
  Timing timing;
  if (timing_name == "cpu") {
    timing = Timing::kCpu;
  } else if (timing_name == "wall") {
    timing = Timing::kWall;
  } else if (timing_name == "zero") {
    timing = Timing::kZero;
  } else {
    return usageError("transcribe", "--timing must be cpu, wall or zero (got " + timing_name + ")");
  }

  auto pcm = loadAudio(audio_path);
  if (!pcm.ok()) {
    std::fprintf(stderr, "parley transcribe: %s\n", pcm.error().message.c_str());
    return 2;
  }

  std::ofstream file;
  std::ostream* out = &std::cout;
  if (auto path = args->get("--out")) {
    file.open(*path, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "parley transcribe: cannot write %s: %s\n", path->c_str(),
                   std::strerror(errno));
      return 1;
    }
    out = &file;
  }

  auto recognizer = ps::createRecognizer(config);
  if (!recognizer.ok()) {
    std::fprintf(stderr, "parley transcribe: %s\n", recognizer.error().message.c_str());
    return core::exitCodeFor(recognizer.error());
  }
  asr::Recognizer& rec = **recognizer;

  asr::ThreadCpuClock cpu_clock;
  core::SystemClock wall_clock;
  core::ManualClock zero_clock;
  const core::Clock& clock = timing == Timing::kCpu ? static_cast<const core::Clock&>(cpu_clock)
                             : timing == Timing::kWall
                                 ? static_cast<const core::Clock&>(wall_clock)
                                 : static_cast<const core::Clock&>(zero_clock);

  ingest::TraceHeader header;
  header.session_id = args->getOr("--session", "");
  header.source = rec.name();
  header.audio = audio_path;
  header.extra_json = headerExtra(config, *chunk, timing_name.c_str());
  *out << ingest::formatHeaderLine(header);

  const bool progress = !args->has("--quiet") && isatty(STDERR_FILENO) == 1;
  const double total_seconds = static_cast<double>(pcm->size()) / asr::kSampleRate;
  std::vector<engine::RecognizerEvent> events;
  long long n_partials = 0;
  long long n_finals = 0;
  double compute_total = 0;
  double max_chunk_compute = 0;
  asr::ArrivalModel arrival;
  // Trace lines are written in arrival order. Event lines wait here until no audio line with an
  // earlier time can follow (a decoder slower than real time answers after later audio).
  std::deque<std::pair<double, std::string>> pending;
  auto flushPending = [&](double up_to) {
    while (!pending.empty() && pending.front().first <= up_to) {
      *out << pending.front().second;
      pending.pop_front();
    }
  };
  auto queueEvents = [&](double t) {
    for (const auto& e : events) {
      pending.emplace_back(t, ingest::formatEventLine(t, e));
      (e.is_partial ? n_partials : n_finals)++;
    }
    events.clear();
  };

  if (auto s = rec.startStream(); !s.ok()) {
    std::fprintf(stderr, "parley transcribe: %s\n", s.error().message.c_str());
    return 1;
  }
  for (size_t i = 0; i < pcm->size(); i += static_cast<size_t>(*chunk)) {
    size_t n = std::min(static_cast<size_t>(*chunk), pcm->size() - i);
    core::Status status = core::okStatus();
    double compute = timed(
        clock, [&] { status = rec.accept(std::span<const int16_t>(pcm->data() + i, n), &events); });
    if (!status.ok()) {
      std::fprintf(stderr, "parley transcribe: %s\n", status.error().message.c_str());
      return 1;
    }
    const double a = static_cast<double>(i + n) / asr::kSampleRate;
    compute_total += compute;
    max_chunk_compute = std::max(max_chunk_compute, compute);
    flushPending(a);
    *out << ingest::formatAudioLine(a, a);
    queueEvents(arrival.chunkDone(a, compute));
    if (progress && (i / static_cast<size_t>(*chunk)) % 10 == 0) {
      drawProgress(a, total_seconds, compute_total);
    }
  }
  core::Status status = core::okStatus();
  double compute = timed(clock, [&] { status = rec.finish(&events); });
  if (!status.ok()) {
    std::fprintf(stderr, "parley transcribe: %s\n", status.error().message.c_str());
    return 1;
  }
  compute_total += compute;
  queueEvents(arrival.chunkDone(total_seconds, compute));
  flushPending(arrival.done());
  out->flush();
  if (!*out) {
    std::fprintf(stderr, "parley transcribe: writing the trace failed\n");
    return 1;
  }
  if (progress) {
    drawProgress(total_seconds, total_seconds, compute_total);
    std::fputc('\n', stderr);
  }
  if (!args->has("--quiet")) {
    std::fprintf(stderr,
                 "parley transcribe: audio %.2f s, compute %.2f s (%s), RTF %.3f, events %lld "
                 "(%lld partial, %lld final), slowest chunk %.3f s, finish %.3f s\n",
                 total_seconds, compute_total, timing_name.c_str(),
                 total_seconds > 0 ? compute_total / total_seconds : 0.0, n_partials + n_finals,
                 n_partials, n_finals, max_chunk_compute, compute);
  }
  return 0;
}

// --- parley transcribe eval ---------------------------------------------------------------

void printEvalHelp() {
  std::printf(
      "Usage: parley transcribe eval [options]\n\n"
      "Decodes every clip listed in DIR/transcription (LibriVox, package pocketsphinx-testdata)\n"
      "in 100 ms chunks with one decoder and prints, per clip and in total: audio seconds,\n"
      "decode CPU seconds, real-time factor, WER against the reference (lower case, no\n"
      "punctuation, word-level Levenshtein), and the decoder's resident memory (RSS growth\n"
      "from loading it and from decoding).\n"
      "Columns: audio_s, cpu_s (decode CPU time), rtf (cpu_s / audio_s), wer, parts (partials\n"
      "emitted), max_ck (slowest 100 ms chunk, CPU s), close (slowest chunk that ended an\n"
      "utterance, CPU s), hypothesis (the finals).\n\n"
      "Options:\n"
      "  --dir DIR            clips and transcription (default %s)\n"
      "  --chunk-ms N         chunk length in ms (default 100)\n"
      "  --model-dir DIR, --vad-postspeech N, --max-hmm N, --accurate, --grammar FILE\n"
      "                       as for `parley transcribe`\n"
      "  -h, --help           this help\n"
      "Exit status: 0 ok, 1 runtime failure, 2 usage error.\n",
      kLibrivoxDir);
}

long long residentBytes() {
  std::ifstream statm("/proc/self/statm");
  long long pages_total = 0;
  long long pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * sysconf(_SC_PAGESIZE);
}

int evalMain(int argc, char** argv) {
  std::vector<OptionSpec> spec = kRecognizerOptions;
  spec.push_back({"--dir"});
  std::string error;
  auto args = Args::parse(argc, argv, spec, &error);
  if (!args) return usageError("transcribe eval", error);
  if (args->wantsHelp()) {
    printEvalHelp();
    return 0;
  }
  if (!args->requirePositionals(0, &error, {}, "no positional arguments")) {
    return usageError("transcribe eval", error);
  }
  ps::PocketsphinxConfig config;
  if (auto msg = applyRecognizerOptions(*args, &config); !msg.empty()) {
    return usageError("transcribe eval", msg);
  }
  auto chunk = chunkSamples(*args, &error);
  if (!chunk) return usageError("transcribe eval", error);
  const std::string dir = args->getOr("--dir", kLibrivoxDir);
  std::ifstream tin(dir + "/transcription");
  if (!tin) {
    std::fprintf(stderr, "parley transcribe eval: cannot read %s/transcription\n", dir.c_str());
    return 2;
  }
  auto clips = asr::readTranscription(tin);
  if (clips.empty()) {
    std::fprintf(stderr, "parley transcribe eval: no clips in %s/transcription\n", dir.c_str());
    return 2;
  }

  asr::ThreadCpuClock cpu;
  const long long rss_before = residentBytes();
  double load_seconds = 0;
  core::Result<std::unique_ptr<asr::Recognizer>> recognizer = core::Error::internal("not loaded");
  load_seconds = timed(cpu, [&] { recognizer = ps::createRecognizer(config); });
  if (!recognizer.ok()) {
    std::fprintf(stderr, "parley transcribe eval: %s\n", recognizer.error().message.c_str());
    return core::exitCodeFor(recognizer.error());
  }
  const long long rss_loaded = residentBytes();
  asr::Recognizer& rec = **recognizer;

  std::printf("%-44s %7s %7s %6s %6s %5s %7s %7s  %s\n", "clip", "audio_s", "cpu_s", "rtf", "wer",
              "parts", "max_ck", "close", "hypothesis");
  asr::WerCounts total;
  double audio_total = 0;
  double cpu_total = 0;
  double max_chunk = 0;
  double max_close = 0;
  long long partials = 0;
  for (const auto& clip : clips) {
    auto pcm = loadAudio(dir + "/" + clip.id + ".wav");
    if (!pcm.ok()) {
      std::fprintf(stderr, "parley transcribe eval: %s\n", pcm.error().message.c_str());
      return 1;
    }
    std::vector<engine::RecognizerEvent> events;
    std::string hypothesis;
    double clip_cpu = 0;
    double clip_max_chunk = 0;
    double clip_close = 0;  // slowest chunk that closed an utterance (ps_end_utt)
    long long clip_partials = 0;
    auto collect = [&] {
      for (const auto& e : events) {
        if (e.is_partial) {
          ++clip_partials;
        } else {
          std::string t = engine::joinWords(e.words);
          if (!t.empty()) hypothesis += (hypothesis.empty() ? "" : " ") + t;
        }
      }
      events.clear();
    };
    if (auto s = rec.startStream(); !s.ok()) {
      std::fprintf(stderr, "parley transcribe eval: %s\n", s.error().message.c_str());
      return 1;
    }
    for (size_t i = 0; i < pcm->size(); i += static_cast<size_t>(*chunk)) {
      size_t n = std::min(static_cast<size_t>(*chunk), pcm->size() - i);
      core::Status s = core::okStatus();
      double c = timed(
          cpu, [&] { s = rec.accept(std::span<const int16_t>(pcm->data() + i, n), &events); });
      if (!s.ok()) {
        std::fprintf(stderr, "parley transcribe eval: %s\n", s.error().message.c_str());
        return 1;
      }
      clip_cpu += c;
      clip_max_chunk = std::max(clip_max_chunk, c);
      if (std::any_of(events.begin(), events.end(), [](const auto& e) { return !e.is_partial; })) {
        clip_close = std::max(clip_close, c);
      }
      collect();
    }
    core::Status s = core::okStatus();
    double finish_cpu = timed(cpu, [&] { s = rec.finish(&events); });
    if (!s.ok()) {
      std::fprintf(stderr, "parley transcribe eval: %s\n", s.error().message.c_str());
      return 1;
    }
    clip_cpu += finish_cpu;
    if (!events.empty()) clip_close = std::max(clip_close, finish_cpu);
    collect();
    const double audio = static_cast<double>(pcm->size()) / asr::kSampleRate;
    auto counts = asr::wordErrors(clip.reference, hypothesis);
    total += counts;
    audio_total += audio;
    cpu_total += clip_cpu;
    max_chunk = std::max(max_chunk, clip_max_chunk);
    max_close = std::max(max_close, clip_close);
    partials += clip_partials;
    std::printf("%-44s %7.2f %7.3f %6.3f %6.3f %5lld %7.3f %7.3f  %s\n", clip.id.c_str(), audio,
                clip_cpu, clip_cpu / audio, counts.wer(), clip_partials, clip_max_chunk, clip_close,
                hypothesis.c_str());
  }
  const long long rss_after = residentBytes();
  std::printf("%-44s %7.2f %7.3f %6.3f %6.3f %5lld %7.3f %7.3f\n", "TOTAL", audio_total, cpu_total,
              cpu_total / audio_total, total.wer(), partials, max_chunk, max_close);
  std::printf(
      "WER %.1f%% (%lld errors / %lld reference words), RTF %.3f (CPU), decoder load %.2f s CPU\n"
      "decoder memory: RSS +%.1f MB after loading, +%.1f MB after decoding all clips\n",
      100.0 * total.wer(), total.errors, total.reference_words, cpu_total / audio_total,
      load_seconds, static_cast<double>(rss_loaded - rss_before) / 1e6,
      static_cast<double>(rss_after - rss_before) / 1e6);
  return 0;
}

}  // namespace

PARLEY_COMMAND("transcribe", "decode an audio file with pocketsphinx into a recognizer trace",
               transcribeMain);
PARLEY_COMMAND("transcribe eval", "measure recognizer RTF, WER and memory on LibriVox clips",
               evalMain);

}  // namespace parley::app
