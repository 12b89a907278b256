#include "core/words.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace parley::core {

namespace {

bool isWordChar(unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }

// The Levenshtein table: at(i, j) is the distance between reference[0..i) and
// hypothesis[0..j).
class DistanceTable {
 public:
  DistanceTable(const std::vector<std::string>& reference,
                const std::vector<std::string>& hypothesis)
      : m_(hypothesis.size()), d_((reference.size() + 1) * (hypothesis.size() + 1)) {
    const std::size_t n = reference.size();
    for (std::size_t i = 0; i <= n; ++i) cell(i, 0) = static_cast<std::uint32_t>(i);
    for (std::size_t j = 0; j <= m_; ++j) cell(0, j) = static_cast<std::uint32_t>(j);
    for (std::size_t i = 1; i <= n; ++i) {
      for (std::size_t j = 1; j <= m_; ++j) {
        std::uint32_t sub = cell(i - 1, j - 1) + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1);
        cell(i, j) = std::min({sub, cell(i - 1, j) + 1, cell(i, j - 1) + 1});
      }
    }
  }
  std::uint32_t at(std::size_t i, std::size_t j) const { return d_[i * (m_ + 1) + j]; }

 private:
  std::uint32_t& cell(std::size_t i, std::size_t j) { return d_[i * (m_ + 1) + j]; }
  std::size_t m_;
  std::vector<std::uint32_t> d_;
};

}  // namespace

std::string normalizeWord(std::string_view word) {
  std::string out;
  for (std::size_t i = 0; i < word.size(); ++i) {
    auto c = static_cast<unsigned char>(word[i]);
    if (isWordChar(c)) {
      out.push_back(static_cast<char>(c < 0x80 ? std::tolower(c) : c));
    } else if (c == '\'' && !out.empty() && i + 1 < word.size() &&
               isWordChar(static_cast<unsigned char>(word[i + 1]))) {
      out.push_back('\'');
    }
  }
  return out;
}

std::vector<std::string> normalizeWords(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) {
      std::string t = normalizeWord(text.substr(i, j - i));
      if (!t.empty()) out.push_back(std::move(t));
    }
    i = j;
  }
  return out;
}

std::vector<AlignedPair> alignWords(const std::vector<std::string>& reference,
                                    const std::vector<std::string>& hypothesis) {
  const std::size_t n = reference.size();
  const std::size_t m = hypothesis.size();
  const DistanceTable d(reference, hypothesis);
  auto at = [&](std::size_t i, std::size_t j) { return d.at(i, j); };
  std::vector<AlignedPair> out;
  std::size_t i = n;
  std::size_t j = m;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0) {
      bool same = reference[i - 1] == hypothesis[j - 1];
      if (at(i, j) == at(i - 1, j - 1) + (same ? 0 : 1)) {
        out.push_back({same ? EditOp::kMatch : EditOp::kSubstitute, static_cast<int>(i - 1),
                       static_cast<int>(j - 1)});
        --i;
        --j;
        continue;
      }
    }
    if (i > 0 && at(i, j) == at(i - 1, j) + 1) {
      out.push_back({EditOp::kDelete, static_cast<int>(i - 1), -1});
      --i;
      continue;
    }
    out.push_back({EditOp::kInsert, -1, static_cast<int>(j - 1)});
    --j;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

long long editCount(const std::vector<AlignedPair>& alignment) {
  return std::count_if(alignment.begin(), alignment.end(),
                       [](const AlignedPair& p) { return p.op != EditOp::kMatch; });
}

long long wordEditDistance(const std::vector<std::string>& reference,
                           const std::vector<std::string>& hypothesis) {
  return DistanceTable(reference, hypothesis).at(reference.size(), hypothesis.size());
}

}  // namespace parley::core
