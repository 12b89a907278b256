// `parley run`: one session end to end on an audio file (recognizer -> engine -> translator ->
// synthesizer, src/pipeline), printing captions as they are produced, writing the translated
// speech, and ending with a summary that compares word latency in partial and final-only mode on
// the same recognition (the recognizer runs once; its steps are recorded and the engine is rerun
// in both modes, pipeline/mode_compare.h). With caption lines (docs/lines.md) it prints the line
// view: each line of the first target language revised as the recognizer result grows, final
// once corrected. docs/pipeline.md describes the timing model.
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "audio/audio.h"
#include "command.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/stats.h"
#include "engine/config.h"
#include "engine_settings.h"
#include "lines/lines.h"
#include "pipeline/mode_compare.h"
#include "pipeline/session_pipeline.h"

namespace parley::app {
namespace {

constexpr const char* kName = "run";
constexpr int kRate = 16000;

void printHelp() {
  std::printf(
      "Usage: parley run AUDIO [options]\n"
      "\n"
      "Runs one live session on AUDIO: pocketsphinx recognition, the partial-results engine,\n"
      "apertium translation and espeak-ng speech, wired as the server wires them (threads and\n"
      "bounded queues, src/pipeline). Output as it is produced, in one of two views:\n"
      "  lines     (default with caption_mode=revise) caption lines of the first --to language:\n"
      "            each line's final text, corrected, with its English source; on a terminal\n"
      "            the open line is shown dimmed and rewritten in place as it is revised\n"
      "  captions  (default with caption_mode=append) the append-only captions: session time\n"
      "            when ready, latency, segment kind, the English source and its translation\n"
      "A summary\n"
      "follows: word latency in partial and final-only mode side by side, measured on the SAME\n"
      "recognition (the recognizer runs once; its output is recorded and the engine rerun in\n"
      "both modes), the recognizer's real-time factor, per-stage timings and peak memory.\n"
      "\n"
      "AUDIO: a WAV file (PCM 8/16/24/32-bit or float, any common rate and channel count;\n"
      "converted to 16 kHz mono) or headerless .raw/.pcm (16 kHz s16le mono).\n"
      "\n"
      "Options:\n"
      "  --to LANG                 target language (default es); repeatable\n"
      "  --mode partial|final-only live captions from this mode (default partial)\n"
      "  --out-audio FILE.wav      write the translated speech of the first --to language:\n"
      "                            16 kHz mono; each caption's speech starts at its ready time\n"
      "                            (or right after the previous one if that is still playing),\n"
      "                            so the file is what a listener joining at 0 s would hear\n"
      "  --realtime                feed the audio at 1x speed (one chunk per chunk duration):\n"
      "                            timings are those a live listener would see\n"
      "  --view lines|captions     what to print (default: lines when caption_mode=revise)\n"
      "  --json                    one JSON object per caption ({\"type\":\"caption\"}) and per\n"
      "                            line revision ({\"type\":\"line\"}, every language), then\n"
      "                            one summary object\n"
      "  --config FILE.toml        engine settings (flat `key = value` or an [engine] table)\n"
      "  --set KEY=VALUE           one engine setting; repeatable; wins over --config\n"
      "  --grammar FILE            recognize only sentences of this JSGF grammar\n"
      "  --no-speech               skip speech synthesis\n"
      "  --chunk-ms N              audio chunk length, 10..1000 ms (default 100)\n"
      "  --session-id ID           session id in logs and JSON (default \"run\")\n"
      "  -h, --help                this text\n"
      "Settings precedence: defaults < environment variables < --config < --set.\n"
      "\n"
      "Time: the session clock starts with the audio. Word latency = the segment's emitted_at\n"
      "minus the word's audio end time. With --realtime, emitted_at is read from the steady\n"
      "clock. Without it, the file is decoded as fast as possible and times follow the\n"
      "computation-aware arrival model: recognizer step i, which consumed audio up to a_i\n"
      "seconds in compute_i seconds of CPU, arrives at\n"
      "  arrival_i = max(arrival_{i-1}, a_i) + compute_i\n"
      "(what a live session on this machine would see, without waiting for the audio);\n"
      "translation and speech add their measured durations to a caption's ready time.\n"
      "\n"
      "Environment: the engine variables of `parley replay --help` (MIN_STABILITY_THRESHOLD,\n"
      "...), PARTIAL_RESULTS_ENABLED=false|0|no|off (kill switch: final-only), LOG_LEVEL (default\n"
      "WARN for this command; log lines go to stderr), STRUCTURED_LOGGING; NO_COLOR disables\n"
      "colours.\n"
      "\n"
      "Exit status: 0 ok; 1 runtime failure (recognizer, translator or synthesizer unavailable,\n"
      "output not writable); 2 usage error, bad setting, unreadable or unsupported audio.\n"
      "\n"
      "Examples:\n"
      "  parley run /usr/share/pocketsphinx/test/data/librivox/"
      "sense_and_sensibility_01_austen_64kb-0870.wav\n"
      "  parley run talk.wav --to es --out-audio talk-es.wav --realtime\n"
      "  parley run talk.wav --mode final-only --json\n");
}

// --- terminal output ---------------------------------------------------------------------------

struct Style {
  bool color = false;
  const char* dim() const { return color ? "\033[2m" : ""; }
  const char* bold() const { return color ? "\033[1m" : ""; }
  const char* target() const { return color ? "\033[1;36m" : ""; }
  const char* warn() const { return color ? "\033[33m" : ""; }
  const char* reset() const { return color ? "\033[0m" : ""; }
};

int terminalColumns() {
  winsize ws{};
  if (isatty(STDOUT_FILENO) == 1 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return ws.ws_col;
  }
  if (const char* c = std::getenv("COLUMNS")) {
    int n = std::atoi(c);
    if (n > 0) return n;
  }
  return 100;
}

// Display width of UTF-8 text (code points; the captions are Latin script).
std::size_t displayWidth(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Greedy word wrap to `width` columns.
std::vector<std::string> wrap(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) break;
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    if (!line.empty() && displayWidth(line) + 1 + displayWidth(word) > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
    pos = end;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

// "  ready  latency  kind      " is 30 columns, then "xx  " (language) and the text.
constexpr int kPrefixWidth = 34;

void printCaptionHeader(const Style& st) {
  std::printf("%s  %7s  %7s  %-9s %s%s\n", st.dim(), "ready", "latency", "kind", "text",
              st.reset());
}

void printTextLines(const Style& st, const char* color, const std::string& lang,
                    const std::string& text, bool first_line_has_prefix, int columns) {
  const std::size_t width = static_cast<std::size_t>(std::max(20, columns - kPrefixWidth - 1));
  auto lines = wrap(text, width);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0 || !first_line_has_prefix) std::printf("%*s", kPrefixWidth - 4, "");
    std::printf("%s%-2s%s  %s%s%s\n", st.dim(), i == 0 ? lang.c_str() : "", st.reset(), color,
                lines[i].c_str(), st.reset());
  }
}

void printCaption(const Style& st, const pipeline::Caption& c, bool show_source, int columns) {
  if (show_source) {
    std::printf("  %6.2fs  %6.2fs  %-9s ", c.ready_at, c.latency_s,
                engine::segmentKindName(c.segment.kind));
    printTextLines(st, st.dim(), "en", c.segment.text, true, columns);
  }
  std::string text = c.text;
  if (!c.translated) text = "[untranslated] " + text;
  printTextLines(st, c.translated ? st.target() : st.warn(), c.lang, text, false, columns);
  std::fflush(stdout);
}

// --- JSON --------------------------------------------------------------------------------------

nlohmann::json summaryJson(const core::Summary& s) {
  return {{"count", s.count}, {"mean", s.mean}, {"p50", s.p50}, {"p95", s.p95}, {"max", s.max}};
}

nlohmann::json captionJson(const pipeline::Caption& c) {
  return {{"type", "caption"},
          {"session_id", c.session_id},
          {"seq", c.segment.seq},
          {"result_id", c.segment.result_id},
          {"kind", engine::segmentKindName(c.segment.kind)},
          {"reason", c.segment.reason},
          {"lang", c.lang},
          {"source_text", c.segment.text},
          {"text", c.text},
          {"translated", c.translated},
          {"audio_start", c.segment.audio_start},
          {"audio_end", c.segment.audio_end},
          {"emitted_at", c.segment.emitted_at},
          {"ready_at", c.ready_at},
          {"latency_s", c.latency_s},
          {"speech_seconds", static_cast<double>(c.audio.size()) / kRate},
          {"timings",
           {{"asr_s", c.timings.asr_s},
            {"queue_s", c.timings.queue_s},
            {"engine_s", c.timings.engine_s},
            {"translate_s", c.timings.translate_s},
            {"tts_s", c.timings.tts_s}}}};
}

nlohmann::json lineJson(const pipeline::LineMessage& m) {
  const lines::Revision& r = m.revision;
  return {{"type", "line"},
          {"session_id", m.session_id},
          {"lang", m.lang},
          {"line", r.line},
          {"rev", r.rev},
          {"text", r.text},
          {"stable_chars", r.stable_chars},
          {"final", r.final},
          {"confirmed", r.confirmed},
          {"source_text", r.source_text},
          {"audio_start", r.audio_start},
          {"audio_end", r.audio_end},
          {"ready_at", m.ready_at},
          {"latency_s", m.latency_s},
          {"speak", r.speak},
          {"speech_seconds", static_cast<double>(m.audio.size()) / kRate}};
}

// The line view: final lines printed in full (ready time, latency, line number and revisions,
// the English source, the translation); on a terminal the open line of the first target is
// shown dimmed on the last row and rewritten in place as it is revised.
class LineView {
 public:
  LineView(const Style& style, int columns, bool tty) : st_(style), columns_(columns), tty_(tty) {}

  void show(const pipeline::LineMessage& m, bool first_target) {
    const lines::Revision& r = m.revision;
    if (!r.final) {
      if (tty_ && first_target) drawOpen(m);
      return;
    }
    clearOpen();
    if (first_target) {
      std::printf("  %6.2fs  %6.2fs  %-9s ", m.ready_at, m.latency_s,
                  ("L" + std::to_string(r.line) + " r" + std::to_string(r.rev)).c_str());
      printTextLines(st_, st_.dim(), "en", r.source_text, true, columns_);
    }
    std::string text = r.untranslated ? "[untranslated] " + r.text : r.text;
    printTextLines(st_, r.untranslated ? st_.warn() : st_.target(), m.lang, text, false, columns_);
    std::fflush(stdout);
  }

  void finish() { clearOpen(); }

 private:
  void drawOpen(const pipeline::LineMessage& m) {
    const lines::Revision& r = m.revision;
    const std::size_t width = static_cast<std::size_t>(std::max(20, columns_ - kPrefixWidth - 1));
    std::string text = r.text;
    // The row shows the end of a long line (what is being revised).
    while (displayWidth(text) > width) {
      std::size_t cut = text.find(' ');
      if (cut == std::string::npos) break;
      text.erase(0, cut + 1);
    }
    std::printf("\r\033[K  %6.2fs  %6.2fs  %-9s %s%-2s  %s...%s", m.ready_at, m.latency_s,
                ("L" + std::to_string(r.line) + " r" + std::to_string(r.rev)).c_str(), st_.dim(),
                m.lang.c_str(), text.c_str(), st_.reset());
    std::fflush(stdout);
    open_shown_ = true;
  }
  void clearOpen() {
    if (!open_shown_) return;
    std::printf("\r\033[K");
    open_shown_ = false;
  }

  const Style& st_;
  int columns_;
  bool tty_;
  bool open_shown_ = false;
};

// --- the run -----------------------------------------------------------------------------------

long long peakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<long long>(usage.ru_maxrss) * 1024;  // Linux: kilobytes
}

// Collected on the delivery thread; read by main after finish() joined it.
struct RunLog {
  std::vector<pipeline::RecognizerStep> steps;
  std::vector<engine::Segment> segments;
  std::vector<double> engine_s, translate_s, tts_s, caption_latency;
  std::vector<std::int16_t> speech;  // the first target's speech, placed at its ready times
  double speech_seconds = 0;
  long long last_seq_printed = 0;
  // Lines of the first target: latency of each line's first revision and of its final one.
  std::vector<double> line_first_latency, line_final_latency;
  long long line_finals = 0;
};

void placeSpeech(RunLog& log, const std::vector<std::int16_t>& audio, double ready_at) {
  if (audio.empty()) return;
  const auto at = static_cast<std::size_t>(std::max(0.0, ready_at) * kRate);
  const std::size_t start = std::max(at, log.speech.size());
  log.speech.resize(start, 0);
  log.speech.insert(log.speech.end(), audio.begin(), audio.end());
  log.speech_seconds += static_cast<double>(audio.size()) / kRate;
}

void printRow(const char* label, const core::Summary& a, const core::Summary& b,
              double core::Summary::*field) {
  std::printf("    %-14s %9.2fs %11.2fs\n", label, a.*field, b.*field);
}

void printStage(const char* label, const core::Summary& s) {
  std::printf("    %-24s %9.2f ms %9.2f ms %9.2f ms %7lld\n", label, s.mean * 1e3, s.p95 * 1e3,
              s.max * 1e3, s.count);
}

int runMain(int argc, char** argv) {
  std::string error;
  auto args = Args::parse(argc, argv,
                          {{"--to", true, true},
                           {"--mode"},
                           {"--out-audio"},
                           {"--realtime", false},
                           {"--json", false},
                           {"--view"},
                           {"--config"},
                           {"--set", true, true},
                           {"--grammar"},
                           {"--no-speech", false},
                           {"--chunk-ms"},
                           {"--session-id"},
                           {"--help", false},
                           {"-h", false}},
                          &error);
  if (!args) return usageError(kName, error);
  if (args->wantsHelp()) {
    printHelp();
    return 0;
  }
  if (!args->requirePositionals(
          1, &error, "missing AUDIO (a .wav file, or .raw/.pcm 16 kHz s16le mono)",
          "expected one AUDIO file, got " + std::to_string(args->positionals().size()))) {
    return usageError(kName, error);
  }
  const std::string audio_path = args->positionals()[0];
  // Captions are the output here: informational log lines only when asked for.
  if (std::getenv("LOG_LEVEL") == nullptr) core::log::setLevel(core::log::Level::kWarn);

  pipeline::PipelineOptions options;
  options.session_id = args->getOr("--session-id", "run");
  if (options.session_id.empty()) return usageError(kName, "--session-id must not be empty");
  auto settings = loadEngineSettings(*args);
  if (!settings.ok()) return usageError(kName, settings.error().message);
  options.engine = settings->config;
  const bool kill_switch = settings->kill_switch;
  if (auto mode = args->get("--mode")) {
    auto parsed = engine::parseMode(*mode);
    if (!parsed) return usageError(kName, "--" + parsed.error().message);
    options.mode = *parsed;
  }
  if (kill_switch) options.mode = engine::Mode::kFinalOnly;
  options.targets = args->getAll("--to");
  if (options.targets.empty()) options.targets = {"es"};
  for (const auto& t : options.targets) {
    if (t.empty()) return usageError(kName, "--to needs a language code such as es");
  }
  options.synthesize = !args->has("--no-speech");
  if (auto g = args->get("--grammar")) {
    if (access(g->c_str(), R_OK) != 0) return usageError(kName, "cannot read grammar file " + *g);
    options.grammar_path = *g;
  }
  auto chunk_ms = parseNumber(args->getOr("--chunk-ms", "100"), "--chunk-ms", 10, 1000, &error);
  if (!chunk_ms) return usageError(kName, error);
  const auto chunk = static_cast<std::size_t>(std::lround(*chunk_ms * kRate / 1000.0));
  const bool realtime = args->has("--realtime");
  const bool json = args->has("--json");
  const auto out_audio = args->get("--out-audio");
  bool line_view = options.engine.caption_mode == engine::CaptionMode::kRevise;
  if (auto v = args->get("--view")) {
    if (*v != "lines" && *v != "captions") {
      return usageError(kName, "--view must be lines or captions (got '" + *v + "')");
    }
    line_view = *v == "lines";
  }
  options.line_config = lines::lineConfigFrom(options.engine);
  options.speech_from_lines = options.engine.caption_mode == engine::CaptionMode::kRevise;

  auto audio = audio::readAudioFile(audio_path);
  if (!audio.ok()) {
    std::fprintf(stderr, "parley run: %s\n", audio.error().message.c_str());
    return 2;
  }
  const std::vector<std::int16_t>& pcm = audio->samples;
  const double audio_seconds = static_cast<double>(pcm.size()) / kRate;
  if (pcm.empty()) {
    std::fprintf(stderr, "parley run: %s: no audio samples\n", audio_path.c_str());
    return 2;
  }

  auto services = pipeline::Services::createEmbedded();
  if (!services.ok()) {
    std::fprintf(stderr, "parley run: %s\n", services.error().message.c_str());
    return 1;
  }

  options.timing = realtime ? pipeline::Timing::kClock : pipeline::Timing::kArrivalModel;
  const std::size_t n_chunks = (pcm.size() + chunk - 1) / chunk;
  // Faster than real time the whole file may wait in the queue; at 1x the live bound applies.
  if (!realtime) options.audio_queue_chunks = std::min<std::size_t>(100000, n_chunks + 1);

  const Style style{!json && isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr};
  const int columns = terminalColumns();
  RunLog log;
  options.on_step = [&log](const pipeline::RecognizerStep& s) { log.steps.push_back(s); };
  const std::string first_target = options.targets.front();

  if (!json) {
    std::printf(
        "%sparley run%s  %s  (%.2f s)  en -> %s  mode %s  %s\n", style.bold(), style.reset(),
        audio_path.c_str(), audio_seconds,
        [&] {
          std::string s;
          for (const auto& t : options.targets) s += (s.empty() ? "" : ",") + t;
          return s;
        }()
            .c_str(),
        engine::modeName(options.mode),
        realtime ? "real time (1x)" : "as fast as possible (arrival-model clock)");
    if (kill_switch) std::printf("  PARTIAL_RESULTS_ENABLED: kill switch on, final-only\n");
    if (line_view) {
      std::printf("  caption lines (%s policy): each line once final, corrected\n",
                  lines::displayPolicyName(options.line_config.policy));
    }
    std::printf("\n");
    printCaptionHeader(style);
  }
  LineView lines_out(style, columns, style.color);

  core::SystemClock clock;
  auto on_segment = [&log](const engine::Segment& s) { log.segments.push_back(s); };
  auto on_caption = [&](const pipeline::Caption& c) {
    const bool first = c.lang == first_target;
    if (first) {
      log.engine_s.push_back(c.timings.engine_s);
      log.caption_latency.push_back(c.latency_s);
      placeSpeech(log, c.audio, c.ready_at);
    }
    log.translate_s.push_back(c.timings.translate_s);
    // Speech from lines: captions carry none (the lines' pieces are synthesized instead).
    if (options.synthesize && !options.speech_from_lines) log.tts_s.push_back(c.timings.tts_s);
    if (json) {
      std::string line = captionJson(c).dump();
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    } else if (!line_view) {
      printCaption(style, c, c.segment.seq != log.last_seq_printed, columns);
    }
    log.last_seq_printed = c.segment.seq;
  };
  options.on_line = [&](const pipeline::LineMessage& m) {
    if (m.lang == "en") {  // the source language's lines: only in --json
      if (json) std::printf("%s\n", lineJson(m).dump().c_str());
      return;
    }
    const bool first = m.lang == first_target;
    if (first) {
      if (m.revision.rev == 1) log.line_first_latency.push_back(m.latency_s);
      if (m.revision.final) {
        log.line_final_latency.push_back(m.latency_s);
        ++log.line_finals;
      }
      placeSpeech(log, m.audio, m.ready_at);
    }
    if (json) {
      std::printf("%s\n", lineJson(m).dump().c_str());
      std::fflush(stdout);
    } else if (line_view) {
      lines_out.show(m, first);
    }
  };
  auto started =
      pipeline::SessionPipeline::start(options, **services, clock, on_segment, on_caption);
  if (!started.ok()) {
    std::fprintf(stderr, "parley run: %s\n", started.error().message.c_str());
    return core::exitCodeFor(started.error()) == 2 ? 2 : 1;
  }
  pipeline::SessionPipeline& session = **started;

  const auto t_start = std::chrono::steady_clock::now();
  const auto chunk_duration = std::chrono::duration<double>(static_cast<double>(chunk) / kRate);
  for (std::size_t i = 0; i < n_chunks; ++i) {
    const std::size_t begin = i * chunk;
    const std::size_t n = std::min(chunk, pcm.size() - begin);
    if (realtime) {
      // A chunk can be sent once all of it has been "spoken".
      std::this_thread::sleep_until(t_start +
                                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        chunk_duration * static_cast<double>(i + 1)));
    }
    (void)session.pushAudio(std::span<const std::int16_t>(pcm.data() + begin, n));
  }
  session.finish();
  lines_out.finish();
  const pipeline::PipelineStats stats = session.stats();

  // Both modes on the same recognition.
  const pipeline::StepClock step_clock =
      realtime ? pipeline::StepClock::kReceived : pipeline::StepClock::kArrival;
  const pipeline::ModeRun partial = pipeline::runEngineOnSteps(
      log.steps, options.session_id, options.engine, engine::Mode::kPartial, step_clock);
  const pipeline::ModeRun final_only = pipeline::runEngineOnSteps(
      log.steps, options.session_id, options.engine, engine::Mode::kFinalOnly, step_clock);
  const core::Summary live = core::summarize(pipeline::wordLatencies(log.segments));

  std::vector<double> asr_steps;
  for (const auto& s : log.steps) asr_steps.push_back(s.compute_s);
  const core::Summary asr = core::summarize(asr_steps);
  const core::Summary eng = core::summarize(log.engine_s);
  const core::Summary tr = core::summarize(log.translate_s);
  const core::Summary tts = core::summarize(log.tts_s);
  const core::Summary ready = core::summarize(log.caption_latency);
  const double rtf = stats.audio_seconds > 0 ? stats.asr_compute_s / stats.audio_seconds : 0;

  int exit_code = 0;
  if (out_audio) {
    if (auto st = audio::writeWav(*out_audio, log.speech, kRate); !st.ok()) {
      std::fprintf(stderr, "parley run: %s\n", st.error().message.c_str());
      exit_code = 1;
    }
  }
  const long long rss = peakRssBytes();
  const core::Summary line_first = core::summarize(log.line_first_latency);
  const core::Summary line_final = core::summarize(log.line_final_latency);
  const double erasure = stats.lines.final_tokens > 0
                             ? static_cast<double>(stats.lines.erased_tokens) /
                                   static_cast<double>(stats.lines.final_tokens)
                             : 0;

  if (json) {
    nlohmann::json j = {{"type", "summary"},
                        {"session_id", options.session_id},
                        {"audio", audio_path},
                        {"audio_seconds", audio_seconds},
                        {"mode", engine::modeName(options.mode)},
                        {"timing", realtime ? "realtime" : "arrival_model"},
                        {"targets", options.targets},
                        {"word_latency",
                         {{"partial", summaryJson(partial.latency)},
                          {"final_only", summaryJson(final_only.latency)},
                          {"live", summaryJson(live)}}},
                        {"segments",
                         {{"partial", partial.segments.size()},
                          {"final_only", final_only.segments.size()},
                          {"live", log.segments.size()}}},
                        {"caption_latency", summaryJson(ready)},
                        {"asr_compute_s", stats.asr_compute_s},
                        {"real_time_factor", rtf},
                        {"stages",
                         {{"asr_step", summaryJson(asr)},
                          {"engine", summaryJson(eng)},
                          {"translate", summaryJson(tr)},
                          {"tts", summaryJson(tts)}}},
                        {"recognizer_events", stats.recognizer_events},
                        {"captions", stats.captions},
                        {"untranslated_captions", stats.untranslated_captions},
                        {"synthesis_failures", stats.synthesis_failures},
                        {"audio_chunks", stats.audio_chunks},
                        {"audio_chunks_dropped", stats.audio_chunks_dropped},
                        {"speech_seconds", log.speech_seconds},
                        {"out_audio", out_audio ? *out_audio : ""},
                        {"out_audio_seconds", static_cast<double>(log.speech.size()) / kRate},
                        {"peak_rss_bytes", rss},
                        {"lines",
                         {{"caption_mode", engine::captionModeName(options.engine.caption_mode)},
                          {"policy", lines::displayPolicyName(options.line_config.policy)},
                          {"lines", stats.lines.lines},
                          {"revisions", stats.lines.revisions},
                          {"erased_tokens", stats.lines.erased_tokens},
                          {"final_tokens", stats.lines.final_tokens},
                          {"normalized_erasure", erasure},
                          {"settled_changes", stats.lines.settled_changes},
                          {"spoken_pieces", stats.lines.spoken_pieces},
                          {"spoken_mismatches", stats.lines.spoken_mismatches},
                          {"translations", stats.lines.translations},
                          {"translated_chars", stats.lines.translated_chars},
                          {"first_revision_latency", summaryJson(line_first)},
                          {"final_latency", summaryJson(line_final)}}}};
    std::printf("%s\n", j.dump().c_str());
    return exit_code;
  }

  std::printf("\n%sSummary%s  %.2f s of audio, %lld recognizer events, %lld captions", style.bold(),
              style.reset(), audio_seconds, stats.recognizer_events, stats.captions);
  if (stats.untranslated_captions > 0) {
    std::printf(" (%s%lld untranslated%s)", style.warn(), stats.untranslated_captions,
                style.reset());
  }
  std::printf(
      "\n\n  Word latency, audio word end -> segment emitted (%s clock; same recognition):\n",
      realtime ? "steady" : "arrival-model");
  std::printf("    %-14s %10s %12s\n", "", "partial", "final-only");
  std::printf("    %-14s %10lld %12lld\n", "words", partial.latency.count,
              final_only.latency.count);
  std::printf("    %-14s %10zu %12zu\n", "segments", partial.segments.size(),
              final_only.segments.size());
  printRow("p50", partial.latency, final_only.latency, &core::Summary::p50);
  printRow("p95", partial.latency, final_only.latency, &core::Summary::p95);
  printRow("mean", partial.latency, final_only.latency, &core::Summary::mean);
  if (final_only.latency.p50 > 0) {
    std::printf("    %-14s %9.2fx\n", "p50 ratio", partial.latency.p50 / final_only.latency.p50);
  }
  std::printf(
      "  Live captions (%s): word latency p50 %.2fs p95 %.2fs; caption ready (last word end ->\n"
      "    translated and spoken) p50 %.2fs p95 %.2fs\n",
      engine::modeName(options.mode), live.p50, live.p95, ready.p50, ready.p95);
  if (stats.lines.lines > 0) {
    std::printf(
        "  Caption lines (%s, %s policy, every language): %lld lines, %lld revisions, erasure "
        "%.3f,\n    %lld settled texts changed at a final, %lld spoken pieces, %lld spoken "
        "mismatches;\n    %s lines: first revision p50 %.2fs p95 %.2fs after the newest word, "
        "final p50 %.2fs p95 %.2fs\n",
        engine::captionModeName(options.engine.caption_mode),
        lines::displayPolicyName(options.line_config.policy), stats.lines.lines,
        stats.lines.revisions, erasure, stats.lines.settled_changes, stats.lines.spoken_pieces,
        stats.lines.spoken_mismatches, first_target.c_str(), line_first.p50, line_first.p95,
        line_final.p50, line_final.p95);
  }
  std::printf("\n  Recognition: %.2f s CPU for %.2f s of audio, real-time factor %.3f\n",
              stats.asr_compute_s, stats.audio_seconds, rtf);
  std::printf("\n    %-24s %12s %12s %12s %7s\n", "stage", "mean", "p95", "max", "n");
  printStage("asr (per audio chunk)", asr);
  printStage("engine (per segment)", eng);
  printStage("translate (per caption)", tr);
  if (options.synthesize && !options.speech_from_lines) printStage("tts (per caption)", tts);
  std::printf("\n  Memory: peak RSS %.1f MiB", static_cast<double>(rss) / (1024.0 * 1024.0));
  if (stats.audio_chunks_dropped > 0) {
    std::printf("   %saudio chunks dropped: %lld%s", style.warn(), stats.audio_chunks_dropped,
                style.reset());
  }
  std::printf("\n");
  if (out_audio && exit_code == 0) {
    std::printf("  Speech (%s): %s, %.2f s (%.2f s of speech placed at caption ready times)\n",
                first_target.c_str(), out_audio->c_str(),
                static_cast<double>(log.speech.size()) / kRate, log.speech_seconds);
  }
  return exit_code;
}

}  // namespace

PARLEY_COMMAND("run", "run one session end to end on an audio file (captions, speech, latency)",
               runMain);

}  // namespace parley::app
