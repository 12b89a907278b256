// Speech synthesis for translated captions: the Synthesizer interface and the Speech it returns
// (16 kHz mono int16, the rate of everything else in parley, plus the start time of every word
// when the backend knows it). Backends live in subfolders (espeak/).
//
// Threading: implementations are safe to call from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace parley::tts {

inline constexpr int kSpeechRate = 16000;

// A word as the synthesizer spoke it.
struct WordEvent {
  std::size_t text_offset = 0;  // byte offset of the word in the synthesized text
  std::size_t text_length = 0;  // bytes
  double start = 0;             // seconds from the start of the audio
};

struct Speech {
  std::vector<std::int16_t> samples;  // mono at `rate`
  int rate = kSpeechRate;
  std::vector<WordEvent> words;  // in order; empty when the backend gives no word events
  double seconds() const { return rate > 0 ? static_cast<double>(samples.size()) / rate : 0.0; }
};

class Synthesizer {
 public:
  virtual ~Synthesizer() = default;
  // Speaks `text` with `voice` (a language code such as "es" or "en-us", or a backend voice
  // name; empty: the backend's default). Empty text gives empty Speech. Errors: kInvalidInput
  // (unknown voice, text too long), kUnavailable (backend not working or overloaded).
  virtual core::Result<Speech> synthesize(std::string_view text, std::string_view voice) = 0;
};

}  // namespace parley::tts
