// How long the text of a line takes to settle, measured the same way by the bench's ruler
// (src/bench/lines_ruler.h) and by the live server's histogram of token time to stable
// (docs/lines.md, docs/bench.md). Pure functions over the revisions a reader saw.
//
// For a line whose final text has n tokens and whose source has m words ending at e_1..e_m,
// token j's reference time is e_k with k = ceil(j * m / n). First display: the time of the first
// revision showing the final's token j at position j; time to stable: the time from which every
// revision shows the final's tokens 1..j at positions 1..j. Both minus the reference time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::lines {

// Tokens as the measures compare them: split on spaces, core::normalizeWord (lower case,
// punctuation dropped), the Spanish opening marks (¿ ¡) dropped, empty tokens dropped.
std::vector<std::string> comparisonTokens(std::string_view text);

// Reference time of token j (1-based) of n for a source of m words ending at `ends` (0 when
// there are none).
double referenceTime(const std::vector<double>& ends, std::size_t j, std::size_t n);

// Erasure of a sequence of texts (as token lists): over each pair of consecutive ones, the
// tokens of the earlier one beyond their common prefix, summed.
long long erasedTokens(const std::vector<std::vector<std::string>>& sequence);

// One revision as a reader saw it: when, and the displayed text.
struct ShownText {
  double t = 0;
  std::string text;
};

struct TokenTimes {
  std::vector<double> first_display;   // per final token (empty without source word times)
  std::vector<double> time_to_stable;  // per final token, seconds after its reference time
  long long erased_tokens = 0;         // of the displayed texts, in comparison tokens
  long long final_tokens = 0;          // comparison tokens of the last (final) text
};
// `revisions` in order, the last one the final text; `source_ends` the end times of the line's
// source words.
TokenTimes measureRevisions(const std::vector<ShownText>& revisions,
                            const std::vector<double>& source_ends);

}  // namespace parley::lines
