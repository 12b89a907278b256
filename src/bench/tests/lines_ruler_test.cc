// The caption-line ruler's pure parts on hand-computed cases: reference times, first display,
// time to stable and erasure of a displayed line.
#include "bench/lines_ruler.h"

#include <gtest/gtest.h>

namespace parley::bench {
namespace {

TEST(LinesRuler, ReferenceTimeMapsTokensOntoSourceWordsProportionally) {
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

TEST(LinesRuler, TokensIgnoreCasePunctuationAndOpeningMarks) {
  EXPECT_EQ(rulerTokens("\xC2\xBFQu\xC3\xA9 hora es?"),
            (std::vector<std::string>{"qu\xC3\xA9", "hora", "es"}));
  EXPECT_EQ(rulerTokens("Hola , mundo."), (std::vector<std::string>{"hola", "mundo"}));
}

TEST(LinesRuler, FirstDisplayAndTimeToStableOfARevisedLine) {
  DisplayedLine line;
  line.source_ends = {1.0, 2.0};               // m = 2
  line.revisions = {{1.5, "Un"},               // "un" right at 1.5
                    {2.5, "Un perro grande"},  // "perro" shown, "grande" wrong
                    {3.0, "Un perro negro"}};  // final
  const TokenTimes t = measureLine(line);
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

TEST(LinesRuler, ATokenShownThenWithdrawnIsStableOnlyWhenItStaysShown) {
  DisplayedLine line;
  line.source_ends = {1.0};
  line.revisions = {{1.2, "casa"}, {1.6, "la"}, {2.0, "casa"}};
  const TokenTimes t = measureLine(line);
  ASSERT_EQ(t.first_display.size(), 1u);
  EXPECT_NEAR(t.first_display[0], 0.2, 1e-12);
  EXPECT_NEAR(t.time_to_stable[0], 1.0, 1e-12);
  EXPECT_EQ(t.erased_tokens, 2);
}

TEST(LinesRuler, ALineWithOneRevisionIsStableWhenShown) {
  DisplayedLine line;
  line.source_ends = {4.0, 5.0};
  line.revisions = {{7.0, "Dos palabras"}};
  const TokenTimes t = measureLine(line);
  ASSERT_EQ(t.time_to_stable.size(), 2u);
  EXPECT_DOUBLE_EQ(t.time_to_stable[0], 3.0);
  EXPECT_DOUBLE_EQ(t.time_to_stable[1], 2.0);
  EXPECT_EQ(t.first_display, t.time_to_stable);
  EXPECT_EQ(t.erased_tokens, 0);
}

TEST(LinesRuler, TargetsNameEveryFigure) {
  LineFigures f;
  f.time_to_stable.p50 = 1.0;
  f.time_to_stable.p95 = 2.5;  // misses
  f.first_display.p50 = 0.5;
  f.normalized_erasure = 0.1;
  f.final_chrf = 0.99;
  f.final_chrf_unsplit = 1.0;
  f.spoken_chrf = 0.95;
  f.speech_start.p50 = 1.0;
  f.mt_chars_ratio = 3.0;
  int failed = 0;
  for (const auto& c : checkLineTargets(f)) {
    if (!c.pass) {
      ++failed;
      EXPECT_EQ(c.name, "time_to_stable_p95");
    }
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(checkLineTargets(f).size(), 9u);
}

}  // namespace
}  // namespace parley::bench
