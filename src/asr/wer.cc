#include "asr/wer.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace parley::asr {

std::vector<std::string> normalizeWords(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    while (!current.empty() && current.back() == '\'') current.pop_back();
    size_t lead = current.find_first_not_of('\'');
    if (lead != std::string::npos && !current.empty()) words.push_back(current.substr(lead));
    current.clear();
  };
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isspace(c)) {
      flush();
    } else if (std::isalnum(c) || c == '\'' || c >= 0x80) {
      current.push_back(static_cast<char>(std::tolower(c)));
    }
  }
  flush();
  return words;
}

long long wordEditDistance(const std::vector<std::string>& reference,
                           const std::vector<std::string>& hypothesis) {
  // One row of the Levenshtein table at a time.
  std::vector<long long> prev(hypothesis.size() + 1);
  std::vector<long long> cur(hypothesis.size() + 1);
  for (size_t j = 0; j <= hypothesis.size(); ++j) prev[j] = static_cast<long long>(j);
  for (size_t i = 1; i <= reference.size(); ++i) {
    cur[0] = static_cast<long long>(i);
    for (size_t j = 1; j <= hypothesis.size(); ++j) {
      long long sub = prev[j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1);
      cur[j] = std::min({sub, prev[j] + 1, cur[j - 1] + 1});
    }
    std::swap(prev, cur);
  }
  return prev[hypothesis.size()];
}

WerCounts wordErrors(std::string_view reference, std::string_view hypothesis) {
  auto ref = normalizeWords(reference);
  auto hyp = normalizeWords(hypothesis);
  WerCounts c;
  c.errors = wordEditDistance(ref, hyp);
  c.reference_words = static_cast<long long>(ref.size());
  return c;
}

std::vector<TranscriptionLine> readTranscription(std::istream& in) {
  std::vector<TranscriptionLine> lines;
  std::string line;
  while (std::getline(in, line)) {
    auto open = line.rfind('(');
    auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    TranscriptionLine t;
    t.id = line.substr(open + 1, close - open - 1);
    std::istringstream words(line.substr(0, open));
    std::string w;
    while (words >> w) {
      if (w == "<s>" || w == "</s>") continue;
      t.reference += (t.reference.empty() ? "" : " ") + w;
    }
    lines.push_back(std::move(t));
  }
  return lines;
}

}  // namespace parley::asr
