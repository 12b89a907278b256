// The line measures on hand-computed cases: reference times, first display, time to stable and
// erasure of a displayed line.
#include "lines/measure.h"

#include <gtest/gtest.h>

namespace parley::lines {
namespace {

TEST(LineMeasure, ReferenceTimeMapsTokensOntoSourceWordsProportionally) {
  const std::vector<double> ends = {1.0, 2.0, 3.0};  // m = 3
  // n = 6: token j maps to word ceil(j * 3 / 6).
  EXPECT_DOUBLE_EQ(referenceTime(ends, 1, 6), 1.0);
  EXPECT_DOUBLE_EQ(referenceTime(ends, 2, 6), 1.0);
  EXPECT_DOUBLE_EQ(referenceTime(ends, 3, 6), 2.0);
  EXPECT_DOUBLE_EQ(referenceTime(ends, 6, 6), 3.0);
  // n = 2: ceil(1 * 3 / 2) = 2, ceil(2 * 3 / 2) = 3.
  EXPECT_DOUBLE_EQ(referenceTime(ends, 1, 2), 2.0);
  EXPECT_DOUBLE_EQ(referenceTime(ends, 2, 2), 3.0);
  EXPECT_DOUBLE_EQ(referenceTime({}, 1, 2), 0.0);
}

TEST(LineMeasure, TokensIgnoreCasePunctuationAndOpeningMarks) {
  EXPECT_EQ(comparisonTokens("\xC2\xBFQu\xC3\xA9 hora es?"),
            (std::vector<std::string>{"qu\xC3\xA9", "hora", "es"}));
  EXPECT_EQ(comparisonTokens("Hola , mundo."), (std::vector<std::string>{"hola", "mundo"}));
}

TEST(LineMeasure, FirstDisplayAndTimeToStableOfARevisedLine) {
  const std::vector<double> ends = {1.0, 2.0};                     // m = 2
  const std::vector<ShownText> shown = {{1.5, "Un"},               // "un" right at 1.5
                                        {2.5, "Un perro grande"},  // "perro" shown, "grande" wrong
                                        {3.0, "Un perro negro"}};  // final
  const TokenTimes t = measureRevisions(shown, ends);
  ASSERT_EQ(t.final_tokens, 3);
  ASSERT_EQ(t.first_display.size(), 3u);
  // References: j=1 -> ceil(2/3)=1 -> 1.0; j=2 -> ceil(4/3)=2 -> 2.0; j=3 -> 2 -> 2.0.
  EXPECT_DOUBLE_EQ(t.first_display[0], 0.5);
  EXPECT_DOUBLE_EQ(t.first_display[1], 0.5);
  EXPECT_DOUBLE_EQ(t.first_display[2], 1.0);
  // Stable: "un" from 1.5, "un perro" from 2.5, all three from the final at 3.0.
  EXPECT_DOUBLE_EQ(t.time_to_stable[0], 0.5);
  EXPECT_DOUBLE_EQ(t.time_to_stable[1], 0.5);
  EXPECT_DOUBLE_EQ(t.time_to_stable[2], 1.0);
  // Erasure: rev1 -> rev2 erases nothing, rev2 -> rev3 erases "grande".
  EXPECT_EQ(t.erased_tokens, 1);
}

TEST(LineMeasure, ATokenShownThenWithdrawnIsStableOnlyWhenItStaysShown) {
  const TokenTimes t = measureRevisions({{1.2, "casa"}, {1.6, "la"}, {2.0, "casa"}}, {1.0});
  ASSERT_EQ(t.first_display.size(), 1u);
  EXPECT_NEAR(t.first_display[0], 0.2, 1e-12);
  EXPECT_NEAR(t.time_to_stable[0], 1.0, 1e-12);
  EXPECT_EQ(t.erased_tokens, 2);
}

TEST(LineMeasure, ALineWithOneRevisionIsStableWhenShown) {
  const TokenTimes t = measureRevisions({{7.0, "Dos palabras"}}, {4.0, 5.0});
  ASSERT_EQ(t.time_to_stable.size(), 2u);
  EXPECT_DOUBLE_EQ(t.time_to_stable[0], 3.0);
  EXPECT_DOUBLE_EQ(t.time_to_stable[1], 2.0);
  EXPECT_EQ(t.first_display, t.time_to_stable);
  EXPECT_EQ(t.erased_tokens, 0);
}

TEST(LineMeasure, ErasureCountsTokensTakenBack) {
  EXPECT_EQ(erasedTokens({{"a"}, {"a", "b"}, {"a", "c"}, {"a", "c", "d"}}), 1);
  EXPECT_EQ(erasedTokens({{"x", "y"}, {}, {"x"}}), 2);
  EXPECT_EQ(erasedTokens({}), 0);
}

}  // namespace
}  // namespace parley::lines
