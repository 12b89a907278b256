// core::normalizeWord(s), alignWords, editCount and wordEditDistance: how WER (asr) and the
// bench's metrics compare words, against hand-computed small cases.
#include "core/words.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace parley::core {
namespace {

std::vector<std::string> W(std::initializer_list<const char*> words) {
  std::vector<std::string> out;
  for (const char* w : words) out.emplace_back(w);
  return out;
}

TEST(NormalizeWord, LowerCaseLettersDigitsInnerApostrophes) {
  EXPECT_EQ(normalizeWord("Dashwood's,"), "dashwood's");
  EXPECT_EQ(normalizeWord("."), "");
  EXPECT_EQ(normalizeWord("'quoted'"), "quoted");
  EXPECT_EQ(normalizeWord("Mr."), "mr");
  EXPECT_EQ(normalizeWord("rock'n'roll"), "rock'n'roll");
  EXPECT_EQ(normalizeWord("e-mail"), "email");
  EXPECT_EQ(normalizeWord("<sil>"), "sil");
  EXPECT_EQ(normalizeWord("Café"), "café");  // UTF-8 bytes kept as they are
}

TEST(NormalizeWords, SplitsOnWhitespaceAndDropsEmptyWords) {
  EXPECT_EQ(normalizeWords("Hello, World!  It's 10."), W({"hello", "world", "it's", "10"}));
  EXPECT_EQ(normalizeWords("Mr. Dashwood's,  'quoted' HOUSE!"),
            W({"mr", "dashwood's", "quoted", "house"}));
  EXPECT_TRUE(normalizeWords(" ,. ").empty());
  EXPECT_TRUE(normalizeWords("").empty());
  EXPECT_EQ(normalizeWords("a\tb\nc"), W({"a", "b", "c"}));
}

TEST(Align, IdenticalSequencesMatchEverywhere) {
  auto a = alignWords(W({"a", "b", "c"}), W({"a", "b", "c"}));
  ASSERT_EQ(a.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a[i].op, EditOp::kMatch);
    EXPECT_EQ(a[i].ref, i);
    EXPECT_EQ(a[i].hyp, i);
  }
  EXPECT_EQ(editCount(a), 0);
}

TEST(Align, SubstitutionInsertionDeletion) {
  // ref: a b c d ; hyp: a x c d e -> a=a, b/x substituted, c=c, d=d, e inserted: 2 edits.
  auto a = alignWords(W({"a", "b", "c", "d"}), W({"a", "x", "c", "d", "e"}));
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].op, EditOp::kMatch);
  EXPECT_EQ(a[1].op, EditOp::kSubstitute);
  EXPECT_EQ(a[1].ref, 1);
  EXPECT_EQ(a[1].hyp, 1);
  EXPECT_EQ(a[2].op, EditOp::kMatch);
  EXPECT_EQ(a[3].op, EditOp::kMatch);
  EXPECT_EQ(a[4].op, EditOp::kInsert);
  EXPECT_EQ(a[4].ref, -1);
  EXPECT_EQ(a[4].hyp, 4);
  EXPECT_EQ(editCount(a), 2);
  // ref: a b c ; hyp: a c -> b deleted.
  auto d = alignWords(W({"a", "b", "c"}), W({"a", "c"}));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[1].op, EditOp::kDelete);
  EXPECT_EQ(d[1].ref, 1);
  EXPECT_EQ(d[1].hyp, -1);
  EXPECT_EQ(d[2].op, EditOp::kMatch);
  EXPECT_EQ(d[2].hyp, 1);
}

TEST(Align, TiesPreferSubstitutions) {
  // ref: x d e ; hyp: x e f. Two alignments cost 2: (d/e, e/f substituted) and (d deleted,
  // f inserted). The backtrace prefers the diagonal step.
  auto a = alignWords(W({"x", "d", "e"}), W({"x", "e", "f"}));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[1].op, EditOp::kSubstitute);
  EXPECT_EQ(a[2].op, EditOp::kSubstitute);
  EXPECT_EQ(editCount(a), 2);
}

TEST(Align, EmptySides) {
  EXPECT_TRUE(alignWords({}, {}).empty());
  auto del = alignWords(W({"a", "b"}), {});
  ASSERT_EQ(del.size(), 2u);
  EXPECT_EQ(del[0].op, EditOp::kDelete);
  auto ins = alignWords({}, W({"a"}));
  ASSERT_EQ(ins.size(), 1u);
  EXPECT_EQ(ins[0].op, EditOp::kInsert);
}

TEST(WordEditDistance, CountsSubstitutionsInsertionsDeletions) {
  const auto ref = W({"go", "forward", "ten", "meters"});
  EXPECT_EQ(wordEditDistance(ref, ref), 0);
  EXPECT_EQ(wordEditDistance(ref, W({"go", "forward", "can", "meet"})), 2);  // 2 sub
  EXPECT_EQ(wordEditDistance(ref, W({"go", "forward", "ten"})), 1);          // 1 del
  EXPECT_EQ(wordEditDistance(W({"go", "forward"}), W({"so", "go", "forward", "now"})), 2);
  EXPECT_EQ(wordEditDistance({}, {}), 0);
  EXPECT_EQ(wordEditDistance({}, W({"a", "b"})), 2);
  EXPECT_EQ(wordEditDistance(W({"a", "b"}), {}), 2);
}

TEST(WordEditDistance, IsTheCostOfTheAlignment) {
  const std::vector<std::vector<std::string>> samples = {
      W({"he", "was", "not", "an", "ill", "disposed", "young", "man"}),
      W({"he", "was", "not", "an", "illness", "those", "young", "man"}),
      W({"x", "d", "e"}),
      W({"x", "e", "f"}),
      W({}),
      W({"a", "a", "b", "a"})};
  for (const auto& r : samples) {
    for (const auto& h : samples) {
      EXPECT_EQ(wordEditDistance(r, h), editCount(alignWords(r, h)));
    }
  }
}

}  // namespace
}  // namespace parley::core
