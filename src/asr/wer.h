// Word error rate for measuring recognizers: transcripts are normalized and compared word by
// word with Levenshtein distance (substitutions, insertions and deletions all cost 1), both from
// core/words.h, the rules the bench's metrics use too. Used by `parley transcribe eval`, the
// bench and the tests.
#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace parley::asr {

struct WerCounts {
  long long errors = 0;           // word-level edit distance
  long long reference_words = 0;  // words in the reference
  double wer() const {
    return reference_words == 0
               ? (errors == 0 ? 0.0 : 1.0)
               : static_cast<double>(errors) / static_cast<double>(reference_words);
  }
  WerCounts& operator+=(const WerCounts& o) {
    errors += o.errors;
    reference_words += o.reference_words;
    return *this;
  }
};

// Normalizes both texts (core::normalizeWords) and counts errors (core::wordEditDistance).
WerCounts wordErrors(std::string_view reference, std::string_view hypothesis);

// One line of a pocketsphinx test-data transcription file: "<s> words </s> (clip-id)".
struct TranscriptionLine {
  std::string id;         // clip-id, the file name without .wav
  std::string reference;  // the words, <s> and </s> removed, separated by one space
};
// Every well-formed line of `in`, in order; lines without "(id)" are skipped.
std::vector<TranscriptionLine> readTranscription(std::istream& in);

}  // namespace parley::asr
