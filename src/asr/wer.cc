#include "asr/wer.h"

#include <sstream>

#include "core/words.h"

namespace parley::asr {

WerCounts wordErrors(std::string_view reference, std::string_view hypothesis) {
  auto ref = core::normalizeWords(reference);
  auto hyp = core::normalizeWords(hypothesis);
  WerCounts c;
  c.errors = core::wordEditDistance(ref, hyp);
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
