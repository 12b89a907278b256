#include "storage/subtitles.h"

#include <gtest/gtest.h>

namespace parley::storage {
namespace {

TranscriptEntry row(double start, double end, std::string text) {
  TranscriptEntry e;
  e.audio_start = start;
  e.audio_end = end;
  e.text = std::move(text);
  return e;
}

TEST(Subtitles, CueTimes) {
  EXPECT_EQ(formatCueTime(0, ','), "00:00:00,000");
  EXPECT_EQ(formatCueTime(3723.4567, ','), "01:02:03,457");
  EXPECT_EQ(formatCueTime(61.5, '.'), "00:01:01.500");
  EXPECT_EQ(formatCueTime(-2, '.'), "00:00:00.000");
}

TEST(Subtitles, SrtNumbersCuesAndStretchesShortOnes) {
  std::vector<TranscriptEntry> rows = {row(1.0, 1.2, "hola"), row(1.5, 3.0, "mundo"), row(4, 4, ""),
                                       row(5, 5.1, "adiós")};
  EXPECT_EQ(toSrt(rows),
            "1\n00:00:01,000 --> 00:00:01,500\nhola\n\n"
            "2\n00:00:01,500 --> 00:00:03,000\nmundo\n\n"
            "3\n00:00:05,000 --> 00:00:06,000\nadiós\n\n");
}

TEST(Subtitles, VttHasHeaderAndDotMillis) {
  std::vector<TranscriptEntry> rows = {row(0.25, 2.0, "hola")};
  EXPECT_EQ(toVtt(rows), "WEBVTT\n\n00:00:00.250 --> 00:00:02.000\nhola\n\n");
  EXPECT_EQ(toVtt({}), "WEBVTT\n\n");
}

}  // namespace
}  // namespace parley::storage
