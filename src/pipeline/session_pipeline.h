// One session wired end to end: audio -> recognizer (own thread, bounded queue) -> engine ->
// translator per target language -> synthesizer -> callbacks. Time comes from an injected
// core::Clock (SystemClock live, ManualClock in tests); per-stage timings are recorded on
// every caption. Process-wide backends (one apertium pipeline per language pair, one espeak
// thread) live in Services and are shared by all sessions.
//
// Threads: pushAudio() is called from the transport thread and never blocks; recognition runs
// on the session's recognizer worker; the engine runs on the session's delivery thread.
// Translation and synthesis run on a caption thread (live timing) so that a slow translator
// never holds up recognition: while it is behind, the segments that queued up are captioned
// together (one caption per language, Caption::segment merged, PipelineStats::
// captions_coalesced). With the arrival-model timing they run on the delivery thread, one
// caption per segment, which keeps offline runs deterministic. Both callbacks are invoked from
// one thread, in seq order, one at a time: each segment before any caption that contains it.
//
// Session clock: seconds since the session started receiving audio, read from the injected
// clock (Timing::kClock, live; the first chunk arrives at its own duration, so session time and
// audio time share their origin), or the computation-aware arrival model (Timing::kArrivalModel,
// files decoded faster than real time): step i of the recognizer, which consumed audio up to a_i in
// compute_i seconds of CPU, arrives at arrival_i = max(arrival_{i-1}, a_i) + compute_i.
// docs/pipeline.md has the details.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/types.h"
#include "lines/lines.h"

namespace parley::asr {
class Recognizer;
}
namespace parley::translate {
class Translator;
}
namespace parley::tts {
class Synthesizer;
}

namespace parley::pipeline {

// Where the session clock comes from (see the header comment).
enum class Timing {
  kClock,         // injected clock, seconds since audio started arriving (live input)
  kArrivalModel,  // arrival_i = max(arrival_{i-1}, a_i) + compute_i (input faster than real time)
};

struct StageTimings {
  double asr_s = 0;    // recognizer compute for the audio that produced the event
  double queue_s = 0;  // waiting between stages
  double engine_s = 0;
  double translate_s = 0;
  double tts_s = 0;
};

// One revision of a caption line in one language (the lines lane, docs/lines.md): the line's
// text revised in place as the recognizer result grows, final once the result's final arrived.
// Speech, when the session's speech comes from lines, is the revision's new settled piece.
struct LineMessage {
  std::string session_id;
  std::string lang;  // target language, or the source language
  lines::Revision revision;
  std::vector<std::int16_t> audio;  // speech of revision.speak, 16 kHz mono (empty: none)
  double ready_at = 0;              // session clock
  double latency_s = 0;             // ready_at minus the end of the line's newest word
};

struct Caption {
  std::string session_id;
  std::string lang;  // target language ("es"); the source language for source captions
  // The source segment (text in the source language). A coalesced caption's segment holds the
  // merged segments' words and audio span, and the seq, kind and reason of the last of them.
  engine::Segment segment;
  std::string text;        // translation; the source text when untranslated
  bool translated = true;  // false when the translator was unavailable (captioned in source)
  int segments = 1;        // engine segments this caption carries (> 1: coalesced)
  std::vector<std::int16_t> audio;  // synthesized speech, 16 kHz mono (empty when off or failed)
  double ready_at = 0;              // session clock (seconds since the session's audio start)
  double latency_s = 0;             // ready_at minus the end time of the segment's last word
  StageTimings timings;
};

// One step of the recognizer: an accept() of a chunk (or of silence standing in for dropped
// audio), or the closing finish(). Recorded so that the engine can be rerun on exactly the
// recognition a session saw (runEngineOnSteps in mode_compare.h).
struct RecognizerStep {
  double audio_time = 0;       // audio consumed by the recognizer after the step (stream seconds)
  double compute_s = 0;        // recognizer CPU time of the step (thread CPU clock)
  double arrival = 0;          // arrival model: max(previous arrival, audio_time) + compute_s
  double received_at = 0;      // session clock when the delivery thread handled the step
  bool end_of_stream = false;  // the recognizer's finish()
  std::vector<engine::RecognizerEvent> events;
};

struct PipelineOptions {
  std::string session_id;
  engine::EngineConfig engine;
  engine::Mode mode = engine::Mode::kPartial;
  std::vector<std::string> targets = {"es"};
  bool synthesize = true;
  std::string grammar_path;              // optional JSGF grammar for the recognizer
  std::size_t audio_queue_chunks = 200;  // bounded recognizer queue (chunks)
  Timing timing = Timing::kClock;
  // Recognizer steps waiting for the delivery thread before the recognizer thread waits for
  // room (backpressure reaches the audio queue, whose overflow drops at the edge). 1..100000.
  std::size_t step_queue = 64;
  // Segments waiting for the caption thread (live timing). When that many wait (the translator
  // or synthesizer is far behind), a new segment is merged into the newest waiting one, source
  // segment included (PipelineStats::captions_queue_merged): the queue never blocks the delivery
  // thread, never grows beyond this, and never loses a word. 1..100000.
  std::size_t caption_queue = 256;
  // Live ticks: the engine is ticked at nextDeadline() or after this long, whichever first.
  double tick_interval_s = 0.05;
  // Called on the delivery thread after each recognizer step was handled (recording, tests).
  std::function<void(const RecognizerStep&)> on_step;
  // Caption lines (docs/lines.md): when set, every source line's revisions in the source
  // language and in every target language, on the caption thread (the delivery thread with the
  // arrival model), in line order per language.
  std::function<void(const LineMessage&)> on_line;
  lines::LineConfig line_config;
  // Speech comes from the lines' settled pieces (caption_mode revise) instead of from each
  // caption (append): captions then carry no audio.
  bool speech_from_lines = false;
};

struct PipelineStats {
  long long audio_chunks = 0;
  long long audio_chunks_dropped = 0;  // queue full: never blocks the audio input
  long long recognizer_events = 0;
  long long segments = 0;
  long long captions = 0;
  long long untranslated_captions = 0;
  long long captions_coalesced = 0;  // segments merged into a later caption (translator behind)
  // segments merged into the newest waiting one because caption_queue segments were waiting
  long long captions_queue_merged = 0;
  long long synthesis_failures = 0;  // captions whose speech could not be synthesized
  long long line_revisions = 0;      // line messages, every language
  lines::LineStats lines;            // summed over the languages' views
  long long recognizer_steps = 0;
  double audio_seconds = 0;  // audio consumed by the recognizer
  double asr_compute_s = 0;  // recognizer CPU time (real-time factor = this / audio)
  double session_time = 0;   // session clock at the last step handled
  int max_audio_queue_depth = 0;
  engine::EngineStats engine;
};

// What the embedded stack may be told.
struct EmbeddedOptions {
  // Where apertium's mode files (<pair>.mode) are; empty: /usr/share/apertium/modes. Lets an
  // operator use pairs built from source (or a test a modified pipeline).
  std::string apertium_modes_dir;
  // The clock of translator use (releaseIdleTranslators); nullptr: a steady system clock.
  const core::Clock* clock = nullptr;
};

// Shared, process-wide backends.
class Services {
 public:
  virtual ~Services() = default;
  // Creates the embedded stack (pocketsphinx, apertium, espeak-ng). Errors name what is missing.
  static core::Result<std::unique_ptr<Services>> createEmbedded(EmbeddedOptions options = {});
  // True when recognizer models, translator and synthesizer are usable (for /readyz).
  virtual bool ready(std::string* why) const = 0;

  // The backends a session uses. The defaults report kUnavailable, so a Services written for a
  // test only overrides what it provides.
  // A new recognizer for one session (pocketsphinx: one decoder, ~93 MB, per session).
  // `grammar_path`: optional JSGF grammar (empty: the language model).
  virtual core::Result<std::unique_ptr<asr::Recognizer>> createRecognizer(
      const std::string& grammar_path);
  // The shared translator from English into `lang` ("es"), loaded on first use; kNotFound when
  // the language is not installed. Thread-safe; caches translations. The caller shares
  // ownership while it holds the pointer, so a release never pulls it from under a call.
  virtual core::Result<std::shared_ptr<translate::Translator>> translator(const std::string& lang);
  // Unloads the translators nobody has asked for in `idle_seconds` and nobody holds (each one
  // is a running apertium pipeline with its dictionaries). Returns their languages.
  virtual std::vector<std::string> releaseIdleTranslators(double idle_seconds) {
    (void)idle_seconds;
    return {};
  }
  // The shared synthesizer (voices named by language). Thread-safe.
  virtual core::Result<tts::Synthesizer*> synthesizer();
  // The synthesizer voice that speaks `lang` (default: the language code itself).
  virtual std::string voiceFor(const std::string& lang) const { return lang; }
};

class SessionPipeline {
 public:
  using SegmentCallback = std::function<void(const engine::Segment&)>;
  using CaptionCallback = std::function<void(const Caption&)>;

  virtual ~SessionPipeline() = default;

  static core::Result<std::unique_ptr<SessionPipeline>> start(PipelineOptions options,
                                                              Services& services,
                                                              const core::Clock& clock,
                                                              SegmentCallback on_segment,
                                                              CaptionCallback on_caption);

  // 16 kHz s16le mono samples. Never blocks; a full queue drops the chunk, counts it and
  // returns kUnavailable.
  virtual core::Status pushAudio(std::span<const std::int16_t> pcm) = 0;
  // Flag change / kill switch for this running session (see engine::Engine::setMode).
  virtual void setMode(engine::Mode mode) = 0;
  virtual void addTarget(const std::string& lang) = 0;
  virtual void removeTarget(const std::string& lang) = 0;
  // Caption-line settings changed (a flag change): lines that start after it follow them.
  virtual void setLineConfig(const lines::LineConfig& config) = 0;
  // End of audio: drains every stage and delivers the last captions, then returns.
  virtual void finish() = 0;
  virtual PipelineStats stats() const = 0;
};

}  // namespace parley::pipeline
