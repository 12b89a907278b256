// One session wired end to end: audio -> recognizer (own thread, bounded queue) -> engine ->
// translator per target language -> synthesizer -> callbacks. Time comes from an injected
// core::Clock (SystemClock live, ManualClock in tests); per-stage timings are recorded on
// every caption. Process-wide backends (one apertium pipeline per language pair, one espeak
// thread) live in Services and are shared by all sessions.
//
// Threads: pushAudio() is called from the transport thread and never blocks; recognition runs
// on the session's recognizer worker; engine, translation and synthesis run on the session's
// delivery thread; callbacks are invoked from that thread, in seq order, one at a time.
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

namespace parley::pipeline {

struct StageTimings {
  double asr_s = 0;        // recognizer compute for the audio that produced the event
  double queue_s = 0;      // waiting between stages
  double engine_s = 0;
  double translate_s = 0;
  double tts_s = 0;
};

struct Caption {
  std::string session_id;
  std::string lang;             // target language ("es"); the source language for source captions
  engine::Segment segment;      // the source segment (text in the source language)
  std::string text;             // translation; the source text when untranslated
  bool translated = true;       // false when the translator was unavailable (captioned in source)
  std::vector<std::int16_t> audio;  // synthesized speech, 16 kHz mono (empty when off or failed)
  double ready_at = 0;          // session clock (seconds since the session's audio start)
  double latency_s = 0;         // ready_at minus the end time of the segment's last word
  StageTimings timings;
};

struct PipelineOptions {
  std::string session_id;
  engine::EngineConfig engine;
  engine::Mode mode = engine::Mode::kPartial;
  std::vector<std::string> targets = {"es"};
  bool synthesize = true;
  std::string grammar_path;             // optional JSGF grammar for the recognizer
  std::size_t audio_queue_chunks = 200; // bounded recognizer queue (chunks)
};

struct PipelineStats {
  long long audio_chunks = 0;
  long long audio_chunks_dropped = 0;   // queue full: never blocks the audio input
  long long recognizer_events = 0;
  long long segments = 0;
  long long captions = 0;
  long long untranslated_captions = 0;
  engine::EngineStats engine;
};

// Shared, process-wide backends.
class Services {
 public:
  virtual ~Services() = default;
  // Creates the embedded stack (pocketsphinx, apertium, espeak-ng). Errors name what is missing.
  static core::Result<std::unique_ptr<Services>> createEmbedded();
  // True when recognizer models, translator and synthesizer are usable (for /readyz).
  virtual bool ready(std::string* why) const = 0;
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
  // End of audio: drains every stage and delivers the last captions, then returns.
  virtual void finish() = 0;
  virtual PipelineStats stats() const = 0;
};

}  // namespace parley::pipeline
