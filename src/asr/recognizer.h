// The streaming speech-recognizer interface: a session feeds 16 kHz s16le mono audio in chunks
// of any size and gets engine::RecognizerEvents back (partials as the hypothesis changes, one
// final per utterance). Word and event times are audio seconds from the start of the stream,
// so they stay absolute across utterances. Result ids are "utt-1", "utt-2", ... per stream; a
// partial and the final that closes it share the id.
//
// Backends live in subfolders (asr/pocketsphinx). A Recognizer is single-threaded: one thread
// drives it at a time (RecognizerWorker runs one on its own thread).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/types.h"

namespace parley::asr {

// Audio format every Recognizer consumes.
inline constexpr int kSampleRate = 16000;

class Recognizer {
 public:
  virtual ~Recognizer() = default;

  // Begins a stream: audio time restarts at 0 and result ids at "utt-1". Called once before
  // the first accept(); calling it again (after finish()) starts a new stream.
  virtual core::Status startStream() = 0;

  // Decodes `pcm` (16 kHz s16le mono samples, any count) and appends the events it produced
  // to `out`: a partial when the hypothesis changed, a final when an utterance ended.
  virtual core::Status accept(std::span<const int16_t> pcm,
                              std::vector<engine::RecognizerEvent>* out) = 0;

  // Ends the stream: closes the open utterance, appending its final (if it has words or
  // partials were sent for it). accept() may not be called again before startStream().
  virtual core::Status finish(std::vector<engine::RecognizerEvent>* out) = 0;

  // Audio consumed since startStream(), in seconds.
  virtual double audioSeconds() const = 0;

  // Short backend name for traces and logs, e.g. "pocketsphinx".
  virtual std::string name() const = 0;
};

}  // namespace parley::asr
