#include "lines/measure.h"

#include <algorithm>

#include "core/words.h"

namespace parley::lines {

std::vector<std::string> comparisonTokens(std::string_view text) {
  std::string cleaned;
  cleaned.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    // U+00BF and U+00A1, the Spanish opening marks, as UTF-8.
    if (static_cast<unsigned char>(text[i]) == 0xC2 && i + 1 < text.size() &&
        (static_cast<unsigned char>(text[i + 1]) == 0xBF ||
         static_cast<unsigned char>(text[i + 1]) == 0xA1)) {
      ++i;
      continue;
    }
    cleaned.push_back(text[i]);
  }
  return core::normalizeWords(cleaned);
}

double referenceTime(const std::vector<double>& ends, std::size_t j, std::size_t n) {
  if (ends.empty() || n == 0) return 0;
  const std::size_t m = ends.size();
  const std::size_t k = std::clamp<std::size_t>((j * m + n - 1) / n, 1, m);  // ceil(j m / n)
  return ends[k - 1];
}

long long erasedTokens(const std::vector<std::vector<std::string>>& sequence) {
  long long erased = 0;
  for (std::size_t i = 0; i + 1 < sequence.size(); ++i) {
    const auto& a = sequence[i];
    const auto& b = sequence[i + 1];
    std::size_t common = 0;
    while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
    erased += static_cast<long long>(a.size() - common);
  }
  return erased;
}

TokenTimes measureRevisions(const std::vector<ShownText>& revisions,
                            const std::vector<double>& source_ends) {
  TokenTimes out;
  if (revisions.empty()) return out;
  std::vector<std::vector<std::string>> shown;
  shown.reserve(revisions.size());
  for (const auto& r : revisions) shown.push_back(comparisonTokens(r.text));
  const std::vector<std::string>& fin = shown.back();
  out.final_tokens = static_cast<long long>(fin.size());
  out.erased_tokens = erasedTokens(shown);
  if (source_ends.empty()) return out;
  // For each revision, how many leading tokens equal the final's.
  std::vector<std::size_t> agree(shown.size());
  for (std::size_t i = 0; i < shown.size(); ++i) {
    std::size_t c = 0;
    while (c < shown[i].size() && c < fin.size() && shown[i][c] == fin[c]) ++c;
    agree[i] = c;
  }
  const std::size_t n = fin.size();
  for (std::size_t j = 1; j <= n; ++j) {
    const double ref = referenceTime(source_ends, j, n);
    double first = revisions.back().t;
    for (std::size_t i = 0; i < shown.size(); ++i) {
      if (shown[i].size() >= j && shown[i][j - 1] == fin[j - 1]) {
        first = revisions[i].t;
        break;
      }
    }
    // Stable from the revision after the last one whose first j tokens differ.
    std::size_t from = 0;
    for (std::size_t i = 0; i < shown.size(); ++i) {
      if (agree[i] < j) from = i + 1;
    }
    from = std::min(from, shown.size() - 1);
    out.first_display.push_back(first - ref);
    out.time_to_stable.push_back(revisions[from].t - ref);
  }
  return out;
}

}  // namespace parley::lines
