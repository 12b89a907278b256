#include "bench/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

namespace parley::bench {

namespace {

bool isWordChar(unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }

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

std::string normalizeToken(std::string_view word) {
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

std::vector<std::string> normalizeText(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) {
      std::string t = normalizeToken(text.substr(i, j - i));
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
  // d[i][j]: distance between reference[0..i) and hypothesis[0..j).
  std::vector<std::uint32_t> d((n + 1) * (m + 1));
  auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& { return d[i * (m + 1) + j]; };
  for (std::size_t i = 0; i <= n; ++i) at(i, 0) = static_cast<std::uint32_t>(i);
  for (std::size_t j = 0; j <= m; ++j) at(0, j) = static_cast<std::uint32_t>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::uint32_t sub = at(i - 1, j - 1) + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1);
      at(i, j) = std::min({sub, at(i - 1, j) + 1, at(i, j - 1) + 1});
    }
  }
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

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n) - 1e-9));
  return values[std::clamp<std::size_t>(rank, 1, n) - 1];
}

Distribution summarize(std::vector<double> values) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  d.count = static_cast<long long>(values.size());
  double sum = 0;
  for (double v : values) sum += v;
  d.mean = sum / static_cast<double>(values.size());
  d.p50 = percentile(values, 0.50);
  d.p95 = percentile(values, 0.95);
  d.max = values.back();
  return d;
}

std::vector<ForwardedToken> forwardedTokens(const std::vector<engine::Segment>& segments) {
  std::vector<ForwardedToken> out;
  for (const auto& s : segments) {
    const bool from_partial = s.kind != engine::SegmentKind::kFinal;
    for (const auto& w : s.words) {
      if (w.kind == engine::WordKind::kPunct) continue;
      std::string t = normalizeToken(w.text);
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
  for (const auto& p : alignWords(ref, hyp)) {
    if (p.op == EditOp::kMatch) {
      ++c.matched_words;
      c.latencies.push_back(forwarded[p.hyp].emitted_at - final_words[p.ref].end);
    } else if (p.hyp >= 0 && forwarded[p.hyp].from_partial) {
      ++c.partial_disagreements;  // substituted or inserted words forwarded from partials
    }
  }
  return c;
}

long long erasedTokens(const std::vector<std::vector<std::string>>& hypotheses) {
  long long erased = 0;
  for (std::size_t i = 1; i < hypotheses.size(); ++i) {
    const auto& a = hypotheses[i - 1];
    const auto& b = hypotheses[i];
    std::size_t lcp = 0;
    while (lcp < a.size() && lcp < b.size() && a[lcp] == b[lcp]) ++lcp;
    erased += static_cast<long long>(a.size() - lcp);
  }
  return erased;
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
