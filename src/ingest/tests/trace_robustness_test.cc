// Randomized robustness of the trace parser: many thousands of mutated, truncated and garbage
// lines from a fixed seed. The parser must never crash or throw, must always answer with items
// or an error, and whatever it accepts must satisfy the invariants the engine relies on.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/trace.h"

namespace parley::ingest {
namespace {

const std::vector<std::string>& seeds() {
  static const std::vector<std::string> kSeeds = {
      R"({"parley_trace":1,"session_id":"golden-eagle-427","source":"aws-transcribe"})",
      R"({"t":0.5,"audio":0.5})",
      R"({"t":5.0,"mode":"final-only"})",
      R"({"t":5.0,"flag":{"enabled":false,"rollout_percentage":10}})",
      R"({"t":1.25,"event":{"result_id":"r1","is_partial":true,"start":0.5,"end":1.2,"stability":0.9,"words":[{"text":"hello","start":0.5,"end":0.8,"kind":"word","stable":true,"confidence":0.75},{"text":",","start":0.8,"end":0.8,"kind":"punct"}]}})",
      R"({"Transcript":{"Results":[{"ResultId":"r-1","IsPartial":false,"StartTime":0.1,"EndTime":1.9,"ChannelId":"ch_0","Alternatives":[{"Transcript":"Hello there.","Items":[{"Content":"Hello","StartTime":0.1,"EndTime":0.6,"Type":"pronunciation","Confidence":0.98,"Stable":true},{"Content":".","StartTime":1.9,"EndTime":1.9,"Type":"punctuation"}]}]},{"ResultId":"r-2","IsPartial":true,"StartTime":2.0,"EndTime":2.8,"Stability":0.4,"Alternatives":[]}]}})",
      R"({"TranscriptEvent":{"Transcript":{"Results":[{"ResultId":"w","IsPartial":true,"StartTime":0,"EndTime":1,"Alternatives":[{"Items":[{"Content":"ok","StartTime":0,"EndTime":1,"Type":"pronunciation","Stability":0.2}]}]}]}}})",
  };
  return kSeeds;
}

const char* const kTokens[] = {"{",
                               "}",
                               "[",
                               "]",
                               ",",
                               ":",
                               "\"",
                               "null",
                               "true",
                               "false",
                               "-1",
                               "1e999",
                               "0.5",
                               "NaN",
                               "\"t\"",
                               "\"event\"",
                               "\"Transcript\"",
                               "\"Results\"",
                               "\"IsPartial\"",
                               "\"yes\"",
                               "\\u0000",
                               "\xff",
                               "\xc3",
                               "1e-400",
                               "-0",
                               "18446744073709551616",
                               "\"parley_trace\"",
                               "\"flag\""};

std::string mutate(std::string s, std::mt19937& rng) {
  std::uniform_int_distribution<int> op(0, 6);
  int rounds = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int r = 0; r < rounds; ++r) {
    if (s.empty()) s = "{";
    std::uniform_int_distribution<std::size_t> pos(0, s.size() - 1);
    switch (op(rng)) {
      case 0:  // truncate
        s.resize(pos(rng));
        break;
      case 1:  // flip a byte
        s[pos(rng)] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
        break;
      case 2:  // delete a span
      {
        std::size_t at = pos(rng);
        s.erase(at, std::uniform_int_distribution<std::size_t>(1, 8)(rng));
        break;
      }
      case 3:  // insert a JSON-ish token
        s.insert(
            pos(rng),
            kTokens[std::uniform_int_distribution<std::size_t>(0, std::size(kTokens) - 1)(rng)]);
        break;
      case 4:  // duplicate a span
      {
        std::size_t at = pos(rng);
        s.insert(at, s.substr(at, std::uniform_int_distribution<std::size_t>(1, 20)(rng)));
        break;
      }
      case 5:  // swap a digit
      {
        std::size_t at = pos(rng);
        if (s[at] >= '0' && s[at] <= '9') {
          s[at] = static_cast<char>('0' + std::uniform_int_distribution<int>(0, 9)(rng));
        } else {
          s.insert(at, "-");
        }
        break;
      }
      default:  // replace a value type: true <-> "true"
      {
        auto at = s.find("true");
        if (at != std::string::npos) s.replace(at, 4, "\"true\"");
        break;
      }
    }
  }
  return s;
}

std::string garbage(std::mt19937& rng) {
  std::string s;
  int n = std::uniform_int_distribution<int>(0, 200)(rng);
  for (int i = 0; i < n; ++i) {
    s.push_back(static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng)));
  }
  return s;
}

bool validTime(double v) { return std::isfinite(v) && v >= 0; }

void checkAccepted(const ParsedLine& p, const std::string& line) {
  for (const auto& item : p.items) {
    ASSERT_TRUE(validTime(item.t)) << line;
    if (item.type == TraceItem::Type::kAudio) {
      ASSERT_TRUE(validTime(item.audio_time)) << line;
    }
    if (item.type == TraceItem::Type::kMode) {
      ASSERT_TRUE(item.mode == "partial" || item.mode == "final-only") << line;
    }
    if (item.type != TraceItem::Type::kEvent) continue;
    const auto& ev = item.event;
    ASSERT_FALSE(ev.result_id.empty()) << line;
    ASSERT_TRUE(validTime(ev.start) && validTime(ev.end) && ev.start <= ev.end) << line;
    if (ev.stability) {
      ASSERT_TRUE(*ev.stability >= 0 && *ev.stability <= 1) << line;
    }
    for (const auto& w : ev.words) {
      ASSERT_FALSE(w.text.empty()) << line;
      ASSERT_TRUE(validTime(w.start) && validTime(w.end) && w.start <= w.end) << line;
      if (w.confidence) {
        ASSERT_TRUE(*w.confidence >= 0 && *w.confidence <= 1) << line;
      }
      if (w.stability) {
        ASSERT_TRUE(*w.stability >= 0 && *w.stability <= 1) << line;
      }
    }
    // Whatever is accepted can be written and read back to the same line.
    std::string written = formatItemLine(item);
    auto back = parseTraceLine(written, 1);
    ASSERT_TRUE(back.ok()) << written;
    ASSERT_EQ(back->items.size(), 1u) << written;
    ASSERT_EQ(formatItemLine(back->items[0]), written);
  }
}

TEST(TraceRobustness, MutatedTruncatedAndGarbageLines) {
  std::mt19937 rng(20240611);
  int accepted = 0;
  int rejected = 0;
  constexpr int kLines = 12000;
  for (int i = 0; i < kLines; ++i) {
    std::string line;
    if (i % 10 == 0) {
      line = garbage(rng);
    } else {
      const auto& s = seeds()[static_cast<std::size_t>(i) % seeds().size()];
      line = mutate(s, rng);
    }
    auto r = parseTraceLine(line, i + 1);
    if (r.ok()) {
      ++accepted;
      checkAccepted(*r, line);
      if (HasFatalFailure()) return;
    } else {
      ++rejected;
      ASSERT_FALSE(r.error().message.empty()) << line;
    }
  }
  // Both outcomes must actually be exercised, or the mutations are too weak or too strong.
  EXPECT_GT(accepted, kLines / 50);
  EXPECT_GT(rejected, kLines / 2);
}

TEST(TraceRobustness, DeepNestingAndHugeLines) {
  std::string deep(100000, '[');
  EXPECT_FALSE(parseTraceLine(deep, 1).ok());
  std::string deep_closed = std::string(20000, '[') + std::string(20000, ']');
  EXPECT_FALSE(parseTraceLine(deep_closed, 1).ok());
  std::string nested_event = R"({"t":1,"event":)" + std::string(5000, '{');
  EXPECT_FALSE(parseTraceLine(nested_event, 1).ok());
  // Many words in one event are fine.
  std::string words;
  for (int i = 0; i < 5000; ++i) {
    if (i) words += ",";
    words += R"({"text":"w","start":1,"end":1})";
  }
  auto big = parseTraceLine(
      R"({"t":1,"event":{"result_id":"x","is_partial":true,"start":0,"end":2,"words":[)" + words +
          "]}}",
      1);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->items[0].event.words.size(), 5000u);
}

TEST(TraceRobustness, WholeStreamsOfMutatedLinesKeepLineNumbers) {
  std::mt19937 rng(7);
  std::string text;
  constexpr int kLines = 2000;
  for (int i = 0; i < kLines; ++i) {
    std::string line = mutate(seeds()[static_cast<std::size_t>(i) % seeds().size()], rng);
    for (auto& c : line) {
      if (c == '\n') c = ' ';
    }
    text += line + "\n";
  }
  std::istringstream in(text);
  int last_line = 0;
  double last_t = 0;
  int seen = 0;
  readTrace(
      in,
      [&](const TraceItem& item) {
        EXPECT_GE(item.line, last_line);
        EXPECT_GE(item.t, last_t);  // clamped: never goes backwards
        last_line = item.line;
        last_t = item.t;
        ++seen;
      },
      [&](const LineError& e) {
        EXPECT_GE(e.line, 1);
        EXPECT_LE(e.line, kLines);
        ++seen;
      });
  EXPECT_GE(seen, kLines / 2);
}

}  // namespace
}  // namespace parley::ingest
