// The engine's vocabulary: what recognizers say (RecognizerEvent) and what the engine forwards
// (Segment). Adapters (ingest, asr) translate vendor formats into RecognizerEvent; everything
// downstream of the engine (translation, listeners, transcript log, bench) consumes Segments.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::engine {

enum class WordKind { kWord, kPunct };

struct Word {
  std::string text;
  double start = 0;  // audio seconds from stream start
  double end = 0;
  WordKind kind = WordKind::kWord;
  std::optional<bool> stable;        // AWS per-item Stable flag
  std::optional<double> confidence;  // 0..1
  std::optional<double> stability;   // float per-item stability, where a recognizer gives one
};

struct RecognizerEvent {
  std::string result_id;
  bool is_partial = true;
  double start = 0;
  double end = 0;
  std::vector<Word> words;
  std::optional<double> stability;  // segment-level stability 0..1
};

enum class SegmentKind { kPartial, kFinal, kOrphan, kTimeout, kOverflow };
const char* segmentKindName(SegmentKind kind);

// A forwarded word: its text and the audio times it covers (from the hypothesis or final that
// carried it). Kept on the Segment so latency can be measured per word.
struct ForwardedWord {
  std::string text;
  double start = 0;
  double end = 0;
  WordKind kind = WordKind::kWord;
};

struct Segment {
  std::string session_id;
  long long seq = 0;  // 1, 2, ... per session
  std::string result_id;
  std::string text;  // only words never forwarded before
  SegmentKind kind = SegmentKind::kPartial;
  double audio_start = 0;
  double audio_end = 0;
  double emitted_at = 0;  // engine clock
  std::string reason;     // why it was forwarded now (see docs/engine.md)
  std::vector<ForwardedWord> words;
};

// Joins words into text: words separated by one space, punctuation attached to the word before.
std::string joinWords(const std::vector<ForwardedWord>& words);
std::string joinWords(const std::vector<Word>& words);
// Dedup normalization (docs/engine.md, rule 6): lower case; strip . , ! ? ; : ' " ; collapse
// spaces; trim.
std::string normalizeForDedup(std::string_view text);
// True when the word ends a sentence (. ? ! as a punct item or as the word's last character).
bool endsSentence(const Word& w);
// True when the word ends a clause (, ; : as a punct item or as the word's last character).
bool endsClause(const Word& w);

}  // namespace parley::engine
