#include "bench/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

namespace parley::bench {

namespace {

// UTF-8 to code points; invalid bytes become U+FFFD so that nothing is lost.
std::vector<char32_t> codePoints(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  return out;
}

bool isSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::vector<ForwardedToken> forwardedTokens(const std::vector<engine::Segment>& segments) {
  std::vector<ForwardedToken> out;
  for (const auto& s : segments) {
    const bool from_partial = s.kind != engine::SegmentKind::kFinal;
    for (const auto& w : s.words) {
      if (w.kind == engine::WordKind::kPunct) continue;
      std::string t = core::normalizeWord(w.text);
      if (t.empty()) continue;
      out.push_back({std::move(t), s.emitted_at, from_partial});
    }
  }
  return out;
}

StreamComparison compareStream(const std::vector<ForwardedToken>& forwarded,
                               const std::vector<FinalToken>& final_words) {
  StreamComparison c;
  std::vector<std::string> ref, hyp;
  ref.reserve(final_words.size());
  hyp.reserve(forwarded.size());
  for (const auto& f : final_words) ref.push_back(f.text);
  for (const auto& f : forwarded) hyp.push_back(f.text);
  c.final_words = static_cast<long long>(ref.size());
  c.forwarded_words = static_cast<long long>(hyp.size());
  for (const auto& f : forwarded) c.partial_words += f.from_partial ? 1 : 0;
  for (const auto& p : core::alignWords(ref, hyp)) {
    if (p.op == core::EditOp::kMatch) {
      ++c.matched_words;
      c.latencies.push_back(forwarded[p.hyp].emitted_at - final_words[p.ref].end);
    } else if (p.hyp >= 0 && forwarded[p.hyp].from_partial) {
      ++c.partial_disagreements;  // substituted or inserted words forwarded from partials
    }
  }
  return c;
}

double chrF(std::string_view hypothesis, std::string_view reference, int max_order, double beta) {
  std::vector<char32_t> h, r;
  for (char32_t c : codePoints(hypothesis))
    if (!isSpace(c)) h.push_back(c);
  for (char32_t c : codePoints(reference))
    if (!isSpace(c)) r.push_back(c);
  if (h.empty() && r.empty()) return 1.0;
  double precision_sum = 0;
  double recall_sum = 0;
  int orders = 0;
  for (int n = 1; n <= max_order; ++n) {
    const auto un = static_cast<std::size_t>(n);
    if (h.size() < un || r.size() < un) break;
    std::map<std::u32string, long long> hc, rc;
    for (std::size_t i = 0; i + un <= h.size(); ++i)
      ++hc[std::u32string(h.begin() + i, h.begin() + i + un)];
    for (std::size_t i = 0; i + un <= r.size(); ++i)
      ++rc[std::u32string(r.begin() + i, r.begin() + i + un)];
    long long match = 0;
    for (const auto& [gram, count] : hc) {
      auto it = rc.find(gram);
      if (it != rc.end()) match += std::min(count, it->second);
    }
    precision_sum += static_cast<double>(match) / static_cast<double>(h.size() - un + 1);
    recall_sum += static_cast<double>(match) / static_cast<double>(r.size() - un + 1);
    ++orders;
  }
  if (orders == 0) return 0.0;
  const double p = precision_sum / orders;
  const double rr = recall_sum / orders;
  const double b2 = beta * beta;
  if (p + rr <= 0) return 0.0;
  return (1 + b2) * p * rr / (b2 * p + rr);
}

}  // namespace parley::bench
