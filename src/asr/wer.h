// Word error rate for measuring recognizers: transcripts are normalized (lower case, no
// punctuation) and compared word by word with Levenshtein distance (substitutions, insertions
// and deletions all cost 1). Used by `parley transcribe eval` and the tests.
#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace parley::asr {

// Lower-cased words with every character other than a letter, digit or inner apostrophe
// removed ("Mr. Dashwood's," -> {"mr", "dashwood's"}); words left empty disappear.
std::vector<std::string> normalizeWords(std::string_view text);

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

// Edit distance between already-normalized word sequences.
long long wordEditDistance(const std::vector<std::string>& reference,
                           const std::vector<std::string>& hypothesis);
// Normalizes both texts and counts errors.
WerCounts wordErrors(std::string_view reference, std::string_view hypothesis);

// One line of a pocketsphinx test-data transcription file: "<s> words </s> (clip-id)".
struct TranscriptionLine {
  std::string id;         // clip-id, the file name without .wav
  std::string reference;  // the words, <s> and </s> removed, separated by one space
};
// Every well-formed line of `in`, in order; lines without "(id)" are skipped.
std::vector<TranscriptionLine> readTranscription(std::istream& in);

}  // namespace parley::asr
