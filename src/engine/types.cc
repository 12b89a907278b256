#include "engine/types.h"

namespace parley::engine {

const char* segmentKindName(SegmentKind kind) {
  switch (kind) {
    case SegmentKind::kPartial:
      return "partial";
    case SegmentKind::kFinal:
      return "final";
    case SegmentKind::kOrphan:
      return "orphan";
    case SegmentKind::kTimeout:
      return "timeout";
    case SegmentKind::kOverflow:
      return "overflow";
  }
  return "partial";
}

namespace {
template <typename W>
std::string joinImpl(const std::vector<W>& words) {
  std::string out;
  for (const auto& w : words) {
    if (w.text.empty()) continue;
    if (!out.empty() && w.kind != WordKind::kPunct) out.push_back(' ');
    out += w.text;
  }
  return out;
}

bool lastCharIn(const std::string& s, const char* set) {
  if (s.empty()) return false;
  for (const char* p = set; *p; ++p) {
    if (s.back() == *p) return true;
  }
  return false;
}
}  // namespace

std::string joinWords(const std::vector<ForwardedWord>& words) { return joinImpl(words); }
std::string joinWords(const std::vector<Word>& words) { return joinImpl(words); }

std::string normalizeForDedup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    switch (c) {
      case '.':
      case ',':
      case '!':
      case '?':
      case ';':
      case ':':
      case '\'':
      case '"':
        continue;
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        pending_space = !out.empty();
        continue;
      default:
        break;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  }
  return out;
}

bool endsSentence(const Word& w) { return lastCharIn(w.text, ".?!"); }
bool endsClause(const Word& w) { return lastCharIn(w.text, ",;:"); }

}  // namespace parley::engine
