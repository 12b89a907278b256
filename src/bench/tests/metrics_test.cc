// The metric functions against hand-computed small cases (docs/bench.md definitions).
#include "bench/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace parley::bench {
namespace {

std::vector<std::string> W(std::initializer_list<const char*> words) {
  std::vector<std::string> out;
  for (const char* w : words) out.emplace_back(w);
  return out;
}

TEST(Erasure, TokensBeyondTheCommonPrefix) {
  // "he" -> "you" erases 1; "you" -> "he was" erases 1; "he was" -> "he was not" erases 0;
  // "he was not" -> "he was an ill" erases 1 ("not"). Total 3.
  EXPECT_EQ(erasedTokens({W({"he"}), W({"you"}), W({"he", "was"}), W({"he", "was", "not"}),
                          W({"he", "was", "an", "ill"})}),
            3);
  EXPECT_EQ(erasedTokens({W({"a", "b", "c"})}), 0);
  EXPECT_EQ(erasedTokens({W({"a", "b", "c"}), W({})}), 3);
}

TEST(ChrF, IdenticalIsOneDisjointIsZero) {
  EXPECT_DOUBLE_EQ(chrF("hola mundo", "hola mundo"), 1.0);
  EXPECT_DOUBLE_EQ(chrF("abc", "xyz"), 0.0);
  EXPECT_DOUBLE_EQ(chrF("", ""), 1.0);
  EXPECT_DOUBLE_EQ(chrF("", "abc"), 0.0);
  // Whitespace does not count.
  EXPECT_DOUBLE_EQ(chrF("hola mundo", "holamundo"), 1.0);
}

TEST(ChrF, HandComputedSmallCase) {
  // hyp "ab", ref "abc", max_order 2, beta 2.
  // n=1: hyp {a,b}, ref {a,b,c}: match 2, P=2/2=1, R=2/3.
  // n=2: hyp {ab}, ref {ab,bc}: match 1, P=1, R=1/2.
  // P=1, R=(2/3+1/2)/2=7/12. F = 5*P*R/(4P+R) = (35/12)/(4+7/12) = 35/55 = 7/11.
  EXPECT_NEAR(chrF("ab", "abc", 2, 2.0), 7.0 / 11.0, 1e-12);
  // Orders longer than a text are skipped: "a" vs "ab" at max_order 6 uses n=1 only:
  // P=1, R=1/2, F = 5*0.5/(4+0.5) = 5/9.
  EXPECT_NEAR(chrF("a", "ab"), 5.0 / 9.0, 1e-12);
}

TEST(ChrF, CountsCodePointsNotBytes) {
  // "ñ" is two bytes but one character: "añ" vs "an" share only "a" at n=1 (P=R=1/2), nothing
  // at n=2 (P=R=0): P=R=1/4 -> F=1/4.
  EXPECT_NEAR(chrF("añ", "an", 2), 0.25, 1e-12);
}

TEST(Stream, LatencyAndDisagreement) {
  // Final: "he was not an ill" ending at 1..5 s. Forwarded: partial "he was" at 2.5, partial
  // "no" at 3.5 (wrong: the final says "not"), final remainder "an ill" at 6.
  std::vector<FinalToken> fin = {{"he", 1}, {"was", 2}, {"not", 3}, {"an", 4}, {"ill", 5}};
  std::vector<ForwardedToken> fwd = {{"he", 2.5, true},
                                     {"was", 2.5, true},
                                     {"no", 3.5, true},
                                     {"an", 6, false},
                                     {"ill", 6, false}};
  StreamComparison c = compareStream(fwd, fin);
  EXPECT_EQ(c.final_words, 5);
  EXPECT_EQ(c.forwarded_words, 5);
  EXPECT_EQ(c.partial_words, 3);
  EXPECT_EQ(c.matched_words, 4);
  EXPECT_EQ(c.partial_disagreements, 1);
  ASSERT_EQ(c.latencies.size(), 4u);
  EXPECT_DOUBLE_EQ(c.latencies[0], 1.5);
  EXPECT_DOUBLE_EQ(c.latencies[1], 0.5);
  EXPECT_DOUBLE_EQ(c.latencies[2], 2.0);
  EXPECT_DOUBLE_EQ(c.latencies[3], 1.0);
}

TEST(Stream, InsertedPartialWordsDisagree) {
  std::vector<FinalToken> fin = {{"go", 1}, {"forward", 2}};
  std::vector<ForwardedToken> fwd = {{"go", 1.2, true}, {"for", 1.8, true}, {"forward", 3, false}};
  StreamComparison c = compareStream(fwd, fin);
  EXPECT_EQ(c.partial_disagreements, 1);  // "for" was forwarded and the final has no such word
  EXPECT_EQ(c.matched_words, 2);
}

TEST(Stream, ForwardedTokensFromSegments) {
  engine::Segment a;
  a.kind = engine::SegmentKind::kPartial;
  a.emitted_at = 1;
  a.words = {{"Hello", 0, 0.5, engine::WordKind::kWord}, {",", 0.5, 0.5, engine::WordKind::kPunct}};
  engine::Segment b;
  b.kind = engine::SegmentKind::kFinal;
  b.emitted_at = 2;
  b.words = {{"World.", 0.6, 1, engine::WordKind::kWord}};
  auto t = forwardedTokens({a, b});
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].text, "hello");
  EXPECT_TRUE(t[0].from_partial);
  EXPECT_EQ(t[1].text, "world");
  EXPECT_FALSE(t[1].from_partial);
  EXPECT_DOUBLE_EQ(t[1].emitted_at, 2);
}

}  // namespace
}  // namespace parley::bench
