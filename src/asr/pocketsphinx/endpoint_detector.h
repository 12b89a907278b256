// EndpointDetector: parley's own rule for when an utterance ends, kept apart from the decoder
// API (pocketsphinx 5 replaced ps_get_in_speech with a separate VAD/endpointer object; only this
// class and its caller would change). It is a pure function of what it is told: after each
// chunk the backend reports whether the decoder considers the chunk speech and the audio time
// at the chunk's end.
//
// Rules, checked in order after each chunk:
//   1. speech_end: the in-speech flag fell from true to false. pocketsphinx drops it only after
//      -vad_postspeech frames of non-speech, so that setting is the end-of-speech wait.
//   2. max_length: an utterance has lasted max_utterance_seconds of audio; it is cut so that a
//      speaker who never pauses still gets finals (and the decoder's memory stays bounded).
#pragma once

#include <string>
#include <vector>

namespace parley::asr::pocketsphinx {

struct EndpointConfig {
  double max_utterance_seconds = 30.0;  // rule 2; valid 1..600 s

  std::vector<std::string> validate() const;
};

class EndpointDetector {
 public:
  enum class Decision {
    kNone,           // nothing changed
    kSpeechStarted,  // an utterance began in this chunk
    kEndUtterance,   // close the utterance now (reason())
  };

  explicit EndpointDetector(EndpointConfig config = {});

  // Reports one chunk: the decoder's in-speech flag after it and the stream audio time at its
  // end (seconds, non-decreasing).
  Decision update(bool in_speech, double audio_time);
  // Forgets the current utterance (new stream).
  void reset();

  bool inUtterance() const { return in_utterance_; }
  // Audio time at which the current (or last) utterance was first seen as speech.
  double utteranceStart() const { return utterance_start_; }
  // Why the last kEndUtterance was decided: "speech_end" or "max_length".
  const char* reason() const { return reason_; }

 private:
  EndpointConfig config_;
  bool in_utterance_ = false;
  double utterance_start_ = 0;
  const char* reason_ = "";
};

}  // namespace parley::asr::pocketsphinx
