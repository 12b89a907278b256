// Words as every measurement compares them: the word error rate (asr/wer.h, `parley transcribe
// eval`, the bench) and the bench's alignment metrics (bench/metrics.h, docs/bench.md). One
// normalisation and one word-level Levenshtein, so WER and the bench's figures count the same
// words the same way. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley::core {

// A word as measurements compare it: lower case (ASCII), only letters, digits, bytes of UTF-8
// sequences and inner apostrophes kept ("Dashwood's," -> "dashwood's", "'quoted'" -> "quoted",
// "." -> "").
std::string normalizeWord(std::string_view word);
// normalizeWord over the whitespace-separated words of a text; words left empty are dropped
// ("Mr. Dashwood's,  HOUSE!" -> {"mr", "dashwood's", "house"}).
std::vector<std::string> normalizeWords(std::string_view text);

enum class EditOp { kMatch, kSubstitute, kInsert, kDelete };

// One step of an alignment of a hypothesis against a reference. kInsert: a hypothesis word
// with no reference word (ref = -1); kDelete: a reference word missing from the hypothesis
// (hyp = -1).
struct AlignedPair {
  EditOp op = EditOp::kMatch;
  int ref = -1;
  int hyp = -1;
};

// Word-level Levenshtein alignment (all edits cost 1). Among the minimum-cost alignments the
// backtrace prefers, at each step from the end, a diagonal step (match or substitution), then a
// deletion, then an insertion: the result is unique and in order.
std::vector<AlignedPair> alignWords(const std::vector<std::string>& reference,
                                    const std::vector<std::string>& hypothesis);
// Number of edits in an alignment.
long long editCount(const std::vector<AlignedPair>& alignment);
// The edit distance alone (substitutions + insertions + deletions), the cost of alignWords.
long long wordEditDistance(const std::vector<std::string>& reference,
                           const std::vector<std::string>& hypothesis);

}  // namespace parley::core
