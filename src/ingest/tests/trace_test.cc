#include "ingest/trace.h"

#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace parley::ingest {
namespace {

using engine::WordKind;

struct Collected {
  std::optional<TraceHeader> header;
  std::vector<TraceItem> items;
  std::vector<LineError> errors;
};

Collected readAll(const std::string& text) {
  Collected c;
  std::istringstream in(text);
  c.header = readTrace(
      in, [&](const TraceItem& item) { c.items.push_back(item); },
      [&](const LineError& e) { c.errors.push_back(e); });
  return c;
}

ParsedLine parseOk(const std::string& line) {
  auto r = parseTraceLine(line, 1);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message) << "\n  line: " << line;
  return r.ok() ? *r : ParsedLine{};
}

std::string parseError(const std::string& line) {
  auto r = parseTraceLine(line, 1);
  EXPECT_FALSE(r.ok()) << "accepted: " << line;
  return r.ok() ? "" : r.error().message;
}

// --- native events -----------------------------------------------------------------------------

TEST(NativeEvent, AllFieldsParsed) {
  auto p = parseOk(
      R"({"t": 1.25, "event": {"result_id": "r1", "is_partial": true, "start": 0.5, "end": 1.2,
          "stability": 0.9, "words": [
            {"text": "hello", "start": 0.5, "end": 0.8, "kind": "word", "stable": true,
             "confidence": 0.75, "stability": 0.6},
            {"text": ",", "start": 0.8, "end": 0.8, "kind": "punct"},
            {"text": "world", "start": 0.85, "end": 1.2}]}})");
  ASSERT_EQ(p.items.size(), 1u);
  const TraceItem& it = p.items[0];
  EXPECT_EQ(it.type, TraceItem::Type::kEvent);
  EXPECT_DOUBLE_EQ(it.t, 1.25);
  EXPECT_EQ(it.event.result_id, "r1");
  EXPECT_TRUE(it.event.is_partial);
  EXPECT_DOUBLE_EQ(it.event.start, 0.5);
  EXPECT_DOUBLE_EQ(it.event.end, 1.2);
  ASSERT_TRUE(it.event.stability.has_value());
  EXPECT_DOUBLE_EQ(*it.event.stability, 0.9);
  ASSERT_EQ(it.event.words.size(), 3u);
  EXPECT_EQ(it.event.words[0].text, "hello");
  EXPECT_EQ(it.event.words[0].stable, std::optional<bool>(true));
  EXPECT_EQ(it.event.words[0].confidence, std::optional<double>(0.75));
  EXPECT_EQ(it.event.words[0].stability, std::optional<double>(0.6));
  EXPECT_EQ(it.event.words[1].kind, WordKind::kPunct);
  EXPECT_EQ(it.event.words[2].kind, WordKind::kWord);
  EXPECT_FALSE(it.event.words[2].stable.has_value());
  EXPECT_FALSE(it.event.words[2].confidence.has_value());
  EXPECT_EQ(engine::joinWords(it.event.words), "hello, world");
}

TEST(NativeEvent, OptionalFieldsMayBeMissingOrNull) {
  auto p = parseOk(
      R"({"t":2,"event":{"result_id":"a","is_partial":false,"start":0,"end":1,"stability":null}})");
  ASSERT_EQ(p.items.size(), 1u);
  EXPECT_FALSE(p.items[0].event.is_partial);
  EXPECT_FALSE(p.items[0].event.stability.has_value());
  EXPECT_TRUE(p.items[0].event.words.empty());
}

TEST(NativeEvent, BareEventArrivesAtItsEnd) {
  auto p = parseOk(R"({"result_id":"a","is_partial":true,"start":0.5,"end":1.75,"words":[]})");
  ASSERT_EQ(p.items.size(), 1u);
  EXPECT_DOUBLE_EQ(p.items[0].t, 1.75);
}

TEST(NativeEvent, WrongTypesNameTheField) {
  struct Case {
    const char* line;
    const char* expect;  // substring of the error
  };
  const Case cases[] = {
      {R"({"t":1,"event":{"result_id":"a","is_partial":"yes","start":0,"end":1}})",
       "event.is_partial must be true or false"},
      {R"({"t":1,"event":{"result_id":7,"is_partial":true,"start":0,"end":1}})",
       "event.result_id must be a non-empty string"},
      {R"({"t":1,"event":{"is_partial":true,"start":0,"end":1}})", "event.result_id is missing"},
      {R"({"t":1,"event":{"result_id":"a","is_partial":true,"start":-1,"end":1}})",
       "event.start must be a number of seconds >= 0"},
      {R"({"t":1,"event":{"result_id":"a","is_partial":true,"start":2,"end":1}})",
       "event.end must not be before event.start"},
      {R"({"t":1,"event":{"result_id":"a","is_partial":true,"start":0,"end":1,"stability":1.5}})",
       "event.stability must be a number in [0, 1]"},
      {R"({"t":1,"event":{"result_id":"a","is_partial":true,"start":0,"end":1,"words":{}}})",
       "event.words must be an array"},
      {R"({"t":1,"event":{"result_id":"a","is_partial":true,"start":0,"end":1,
           "words":[{"text":"x","start":0,"end":1},{"text":"y","start":0,"end":1,"kind":"noun"}]}})",
       "event.words[1].kind must be \"word\" or \"punct\""},
      {R"({"t":1,"event":{"result_id":"a","is_partial":true,"start":0,"end":1,
           "words":[{"text":"x","start":0,"end":1,"stable":"true"}]}})",
       "event.words[0].stable must be true or false"},
      {R"({"t":1,"event":{"result_id":"a","is_partial":true,"start":0,"end":1,
           "words":[{"text":"","start":0,"end":1}]}})",
       "event.words[0].text must be a non-empty string"},
      {R"({"t":-0.5,"audio":1})", "t must be a number of seconds >= 0"},
      {R"({"t":"1","audio":1})", "t must be a number of seconds >= 0"},
  };
  for (const auto& c : cases) {
    std::string err = parseError(c.line);
    EXPECT_NE(err.find(c.expect), std::string::npos) << "error: " << err << "\nline: " << c.line;
  }
}

// --- AWS Transcribe ------------------------------------------------------------------------------

constexpr const char* kAwsTwoResults = R"({"Transcript":{"Results":[
  {"ResultId":"r-1","IsPartial":false,"StartTime":0.1,"EndTime":1.9,"ChannelId":"ch_0",
   "Alternatives":[{"Transcript":"Hello there.","Items":[
     {"Content":"Hello","StartTime":0.1,"EndTime":0.6,"Type":"pronunciation","Confidence":0.98,
      "VocabularyFilterMatch":false,"Stable":true},
     {"Content":"there","StartTime":0.7,"EndTime":1.9,"Type":"pronunciation","Stable":true,
      "Speaker":"spk_0"},
     {"Content":".","StartTime":1.9,"EndTime":1.9,"Type":"punctuation","Stable":true}]}]},
  {"ResultId":"r-2","IsPartial":true,"StartTime":2.0,"EndTime":2.8,"ChannelId":"ch_0",
   "Alternatives":[{"Transcript":"How are","Items":[
     {"Content":"How","StartTime":2.0,"EndTime":2.3,"Type":"pronunciation","Stable":true},
     {"Content":"are","StartTime":2.3,"EndTime":2.8,"Type":"pronunciation","Stable":false}]}]}
]}})";

std::string oneLine(std::string s) {
  for (auto& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

TEST(AwsEvent, EveryResultBecomesAnEvent) {
  auto p = parseOk(oneLine(kAwsTwoResults));
  ASSERT_EQ(p.items.size(), 2u);
  const auto& a = p.items[0].event;
  const auto& b = p.items[1].event;
  EXPECT_EQ(a.result_id, "r-1");
  EXPECT_FALSE(a.is_partial);
  EXPECT_DOUBLE_EQ(a.start, 0.1);
  EXPECT_DOUBLE_EQ(a.end, 1.9);
  ASSERT_EQ(a.words.size(), 3u);
  EXPECT_EQ(a.words[0].text, "Hello");
  EXPECT_EQ(a.words[0].confidence, std::optional<double>(0.98));
  EXPECT_EQ(a.words[2].kind, WordKind::kPunct);
  EXPECT_EQ(engine::joinWords(a.words), "Hello there.");
  EXPECT_EQ(b.result_id, "r-2");
  EXPECT_TRUE(b.is_partial);
  ASSERT_EQ(b.words.size(), 2u);
  EXPECT_EQ(b.words[0].stable, std::optional<bool>(true));
  EXPECT_EQ(b.words[1].stable, std::optional<bool>(false));
  // Bare TranscriptEvents arrive when each result's audio ends.
  EXPECT_DOUBLE_EQ(p.items[0].t, 1.9);
  EXPECT_DOUBLE_EQ(p.items[1].t, 2.8);
}

TEST(AwsEvent, WrappedAndInsideATimedLine) {
  std::string bare = oneLine(kAwsTwoResults);
  auto wrapped = parseOk(R"({"TranscriptEvent":)" + bare + "}");
  ASSERT_EQ(wrapped.items.size(), 2u);
  EXPECT_EQ(wrapped.items[1].event.result_id, "r-2");
  auto timed = parseOk(R"({"t":3.5,"event":)" + bare + "}");
  ASSERT_EQ(timed.items.size(), 2u);
  EXPECT_DOUBLE_EQ(timed.items[0].t, 3.5);
  EXPECT_DOUBLE_EQ(timed.items[1].t, 3.5);
  auto timed_wrapped = parseOk(R"({"t":4,"event":{"TranscriptEvent":)" + bare + "}}");
  ASSERT_EQ(timed_wrapped.items.size(), 2u);
  EXPECT_EQ(timed_wrapped.items[0].event.words.size(), 3u);
}

TEST(AwsEvent, EmptyAlternativesOrItemsAreEventsWithoutWords) {
  auto p = parseOk(
      R"({"Transcript":{"Results":[{"ResultId":"x","IsPartial":true,"StartTime":0,"EndTime":0.4,"Alternatives":[]},)"
      R"({"ResultId":"y","IsPartial":true,"StartTime":0,"EndTime":0.5,"Alternatives":[{"Items":[]}]},)"
      R"({"ResultId":"z","IsPartial":false,"StartTime":0,"EndTime":0.6}]}})");
  ASSERT_EQ(p.items.size(), 3u);
  for (const auto& item : p.items) EXPECT_TRUE(item.event.words.empty());
  EXPECT_FALSE(p.items[2].event.is_partial);
}

TEST(AwsEvent, EmptyResultsIsAValidLineWithoutItems) {
  auto p = parseOk(R"({"Transcript":{"Results":[]}})");
  EXPECT_TRUE(p.items.empty());
  EXPECT_FALSE(p.header.has_value());
}

TEST(AwsEvent, FloatStabilityPerResultAndPerItem) {
  auto p = parseOk(
      R"({"t":1,"event":{"Transcript":{"Results":[{"ResultId":"s","IsPartial":true,"StartTime":0,)"
      R"("EndTime":1,"Stability":0.92,"Alternatives":[{"Items":[{"Content":"hi","StartTime":0,)"
      R"("EndTime":0.4,"Type":"pronunciation","Stability":0.4}]}]}]}}})");
  ASSERT_EQ(p.items.size(), 1u);
  EXPECT_EQ(p.items[0].event.stability, std::optional<double>(0.92));
  ASSERT_EQ(p.items[0].event.words.size(), 1u);
  EXPECT_EQ(p.items[0].event.words[0].stability, std::optional<double>(0.4));
  EXPECT_FALSE(p.items[0].event.words[0].stable.has_value());
}

TEST(AwsEvent, PunctuationWithoutTimesSitsAtThePreviousWordEnd) {
  auto p = parseOk(
      R"({"Transcript":{"Results":[{"ResultId":"p","IsPartial":false,"StartTime":0,"EndTime":1,)"
      R"("Alternatives":[{"Items":[{"Content":"yes","StartTime":0.2,"EndTime":0.7,)"
      R"("Type":"pronunciation"},{"Content":"?","Type":"punctuation"}]}]}]}})");
  ASSERT_EQ(p.items.size(), 1u);
  ASSERT_EQ(p.items[0].event.words.size(), 2u);
  EXPECT_DOUBLE_EQ(p.items[0].event.words[1].start, 0.7);
  EXPECT_DOUBLE_EQ(p.items[0].event.words[1].end, 0.7);
  EXPECT_EQ(engine::joinWords(p.items[0].event.words), "yes?");
}

TEST(AwsEvent, WrongTypesNameTheField) {
  auto result = [](const std::string& fields) {
    return R"({"Transcript":{"Results":[{"ResultId":"a","IsPartial":true,"StartTime":0,"EndTime":1},{)" +
           fields + "}]}}";
  };
  auto item = [&](const std::string& item_fields) {
    return result(
        R"("ResultId":"b","IsPartial":true,"StartTime":0,"EndTime":1,"Alternatives":[{"Items":[)" +
        item_fields + "]}]");
  };
  struct Case {
    std::string line;
    const char* expect;
  };
  const Case cases[] = {
      {result(R"("ResultId":"b","IsPartial":"yes","StartTime":0,"EndTime":1)"),
       "Transcript.Results[1].IsPartial must be true or false (got \"yes\")"},
      {result(R"("ResultId":"b","IsPartial":true,"StartTime":0,"EndTime":-2)"),
       "Transcript.Results[1].EndTime must be a number of seconds >= 0"},
      {result(R"("ResultId":"b","IsPartial":true,"StartTime":3,"EndTime":1)"),
       "Transcript.Results[1].EndTime must not be before Transcript.Results[1].StartTime"},
      {result(R"("IsPartial":true,"StartTime":0,"EndTime":1)"),
       "Transcript.Results[1].ResultId is missing"},
      {result(R"("ResultId":"b","IsPartial":true,"StartTime":0,"EndTime":1,"Stability":"high")"),
       "Transcript.Results[1].Stability must be a number in [0, 1]"},
      {result(R"("ResultId":"b","IsPartial":true,"StartTime":0,"EndTime":1,"Alternatives":{})"),
       "Transcript.Results[1].Alternatives must be an array"},
      {item(R"({"Content":5,"StartTime":0,"EndTime":1,"Type":"pronunciation"})"),
       "Transcript.Results[1].Alternatives[0].Items[0].Content must be a non-empty string"},
      {item(R"({"Content":"a","StartTime":0,"EndTime":1,"Type":"pronunciation","Stable":1})"),
       "Items[0].Stable must be true or false"},
      {item(R"({"Content":"a","StartTime":0,"EndTime":1,"Type":"word"})"),
       "Items[0].Type must be \"pronunciation\" or \"punctuation\""},
      {item(R"({"Content":"a","StartTime":0.5,"EndTime":0.2,"Type":"pronunciation"})"),
       "Items[0].EndTime must not be before"},
      {item(R"({"Content":"a","EndTime":0.2,"Type":"pronunciation"})"),
       "Items[0].StartTime is missing"},
      {item(R"({"Content":"a","StartTime":0,"EndTime":1,"Confidence":2})"),
       "Items[0].Confidence must be a number in [0, 1]"},
      {R"({"TranscriptEvent":{"Transcript":{"Results":{}}}})",
       "TranscriptEvent.Transcript.Results must be an array"},
      {R"({"TranscriptEvent":[]})", "TranscriptEvent must be an object"},
      {R"({"t":1,"event":{"Transcript":{}}})", "event.Transcript.Results is missing"},
  };
  for (const auto& c : cases) {
    std::string err = parseError(c.line);
    EXPECT_NE(err.find(c.expect), std::string::npos) << "error: " << err << "\nline: " << c.line;
  }
}

TEST(AwsEvent, NonFiniteTimesAreRejected) {
  // JSON has no NaN; a number too large for a double must not slip through as infinity.
  auto r = parseTraceLine(
      R"({"Transcript":{"Results":[{"ResultId":"a","IsPartial":true,"StartTime":0,"EndTime":1e999}]}})",
      1);
  EXPECT_FALSE(r.ok());
}

// --- audio, mode, flag, header -------------------------------------------------------------------

TEST(OtherLines, AudioModeFlag) {
  auto audio = parseOk(R"({"t": 1.5, "audio": 1.5})");
  ASSERT_EQ(audio.items.size(), 1u);
  EXPECT_EQ(audio.items[0].type, TraceItem::Type::kAudio);
  EXPECT_DOUBLE_EQ(audio.items[0].audio_time, 1.5);

  auto mode = parseOk(R"({"t": 5.0, "mode": "final-only"})");
  ASSERT_EQ(mode.items.size(), 1u);
  EXPECT_EQ(mode.items[0].type, TraceItem::Type::kMode);
  EXPECT_EQ(mode.items[0].mode, "final-only");
  EXPECT_EQ(parseOk(R"({"t":5,"mode":"partial"})").items[0].mode, "partial");

  auto flag = parseOk(R"({"t": 5.0, "flag": {"enabled": false}})");
  ASSERT_EQ(flag.items.size(), 1u);
  EXPECT_EQ(flag.items[0].type, TraceItem::Type::kFlag);
  EXPECT_EQ(flag.items[0].flag_json, R"({"enabled":false})");
  auto pct = parseOk(R"({"t":5.0,"flag":{"rollout_percentage":10}})");
  EXPECT_EQ(pct.items[0].flag_json, R"({"rollout_percentage":10})");
  // Engine settings in a flag value are validated (they apply to new sessions only).
  EXPECT_EQ(parseOk(R"({"t":1,"flag":{"min_stability_threshold":0.8}})").items.size(), 1u);
}

TEST(OtherLines, BadValuesAreRejected) {
  EXPECT_NE(parseError(R"({"t":1,"mode":"fast"})").find("mode must be"), std::string::npos);
  EXPECT_NE(parseError(R"({"t":1,"mode":true})").find("mode must be"), std::string::npos);
  EXPECT_NE(parseError(R"({"t":1,"flag":{"enabled":"false"}})").find("flag.enabled must be"),
            std::string::npos);
  EXPECT_NE(parseError(R"({"t":1,"flag":{"rollout_percentage":10.5}})")
                .find("flag.rollout_percentage must be an integer in [0, 100]"),
            std::string::npos);
  EXPECT_NE(
      parseError(R"({"t":1,"flag":{"rollout_percentage":101}})").find("flag.rollout_percentage"),
      std::string::npos);
  EXPECT_NE(parseError(R"({"t":1,"flag":{"min_stability_threshold":0.5}})")
                .find("min_stability_threshold must be a number in [0.7, 0.95]"),
            std::string::npos);
  EXPECT_NE(parseError(R"({"t":1,"flag":{"colour":"blue"}})").find("unknown key 'colour'"),
            std::string::npos);
  EXPECT_NE(parseError(R"({"t":1,"flag":[]})").find("flag must be an object"), std::string::npos);
  EXPECT_NE(parseError(R"({"t":1,"audio":-1})").find("audio must be"), std::string::npos);
  EXPECT_NE(parseError(R"({"t":1,"audio":1,"mode":"partial"})").find("got both"),
            std::string::npos);
  EXPECT_NE(parseError(R"({"t":1})").find("needs one of"), std::string::npos);
  EXPECT_NE(parseError(R"({"hello":1})").find("unknown line shape"), std::string::npos);
  EXPECT_NE(parseError(R"([1,2])").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(parseError(R"({"t":1,"audio":)").find("malformed JSON"), std::string::npos);
}

TEST(Header, ParsedWithExtraFields) {
  auto p =
      parseOk(R"({"parley_trace": 1, "session_id": "golden-eagle-427", "source": "aws-transcribe",)"
              R"( "audio": "talk.wav", "language": "en-US", "sample_rate": 16000})");
  ASSERT_TRUE(p.header.has_value());
  EXPECT_TRUE(p.items.empty());
  EXPECT_EQ(p.header->version, 1);
  EXPECT_EQ(p.header->session_id, "golden-eagle-427");
  EXPECT_EQ(p.header->source, "aws-transcribe");
  EXPECT_EQ(p.header->audio, "talk.wav");
  EXPECT_EQ(p.header->extra_json, R"({"language":"en-US","sample_rate":16000})");
}

TEST(Header, BadVersionOrTypes) {
  EXPECT_NE(parseError(R"({"parley_trace":2})").find("parley_trace must be 1"), std::string::npos);
  EXPECT_NE(parseError(R"({"parley_trace":1,"session_id":5})").find("session_id must be a string"),
            std::string::npos);
}

// --- readTrace -----------------------------------------------------------------------------------

TEST(ReadTrace, HeaderIsOptional) {
  auto with = readAll(
      "{\"parley_trace\":1,\"session_id\":\"s1\"}\n"
      "{\"t\":0.5,\"audio\":0.5}\n");
  ASSERT_TRUE(with.header.has_value());
  EXPECT_EQ(with.header->session_id, "s1");
  EXPECT_EQ(with.items.size(), 1u);
  EXPECT_TRUE(with.errors.empty());

  auto without = readAll(
      "{\"t\":0.5,\"event\":{\"result_id\":\"a\",\"is_partial\":true,\"start\":0,\"end\":0.5}}\n"
      "{\"t\":0.9,\"event\":{\"result_id\":\"a\",\"is_partial\":false,\"start\":0,\"end\":0.8}}\n");
  EXPECT_FALSE(without.header.has_value());
  ASSERT_EQ(without.items.size(), 2u);
  EXPECT_TRUE(without.errors.empty());
  EXPECT_EQ(without.items[0].line, 1);
  EXPECT_EQ(without.items[1].line, 2);
}

TEST(ReadTrace, BareTranscriptEventsOnePerLine) {
  auto c = readAll(
      R"({"Transcript":{"Results":[{"ResultId":"a","IsPartial":true,"StartTime":0,"EndTime":0.5,"Alternatives":[{"Items":[{"Content":"hi","StartTime":0.1,"EndTime":0.4,"Type":"pronunciation"}]}]}]}})"
      "\n"
      R"({"Transcript":{"Results":[{"ResultId":"a","IsPartial":false,"StartTime":0,"EndTime":0.7,"Alternatives":[{"Items":[{"Content":"hi","StartTime":0.1,"EndTime":0.4,"Type":"pronunciation"},{"Content":"you","StartTime":0.4,"EndTime":0.7,"Type":"pronunciation"}]}]}]}})"
      "\n");
  EXPECT_TRUE(c.errors.empty());
  ASSERT_EQ(c.items.size(), 2u);
  EXPECT_DOUBLE_EQ(c.items[0].t, 0.5);
  EXPECT_DOUBLE_EQ(c.items[1].t, 0.7);
  EXPECT_FALSE(c.items[1].event.is_partial);
}

TEST(ReadTrace, BadLinesReportedWithNumbersAndSkipped) {
  auto c = readAll(
      "{\"parley_trace\":1}\n"
      "{\"t\":0.5,\"audio\":0.5}\n"
      "this is not json\n"
      "\n"
      "{\"t\":1.0,\"event\":{\"result_id\":\"a\",\"is_partial\":\"yes\",\"start\":0,\"end\":1}}\n"
      "{\"t\":1.5,\"audio\":1.5}\n"
      "{\"parley_trace\":1}\n"
      "{\"t\":2,\"wat\":1}\n"
      "{\"t\":2.5,\"mode\":\"final-only\"}\r\n");
  ASSERT_EQ(c.errors.size(), 4u);
  EXPECT_EQ(c.errors[0].line, 3);
  EXPECT_NE(c.errors[0].reason.find("malformed JSON"), std::string::npos);
  EXPECT_EQ(c.errors[1].line, 5);
  EXPECT_NE(c.errors[1].reason.find("event.is_partial"), std::string::npos);
  EXPECT_EQ(c.errors[2].line, 7);
  EXPECT_NE(c.errors[2].reason.find("only on the first line"), std::string::npos);
  EXPECT_EQ(c.errors[3].line, 8);
  ASSERT_EQ(c.items.size(), 3u);
  EXPECT_EQ(c.items[0].line, 2);
  EXPECT_EQ(c.items[1].line, 6);
  EXPECT_EQ(c.items[2].line, 9);
  EXPECT_EQ(c.items[2].mode, "final-only");
}

TEST(ReadTrace, ArrivalTimesGoingBackwardsAreClamped) {
  auto c = readAll(
      "{\"t\":2.0,\"audio\":2.0}\n"
      "{\"t\":1.0,\"audio\":2.5}\n"
      "{\"t\":3.0,\"audio\":3.0}\n");
  ASSERT_EQ(c.items.size(), 3u);
  EXPECT_TRUE(c.errors.empty());
  EXPECT_DOUBLE_EQ(c.items[0].t, 2.0);
  EXPECT_DOUBLE_EQ(c.items[1].t, 2.0);
  EXPECT_DOUBLE_EQ(c.items[1].audio_time, 2.5);
  EXPECT_DOUBLE_EQ(c.items[2].t, 3.0);
}

TEST(ReadTrace, HeaderCallbackComesBeforeItems) {
  std::istringstream in("{\"parley_trace\":1,\"session_id\":\"x\"}\n{\"t\":1,\"audio\":1}\n");
  std::vector<std::string> order;
  TraceCallbacks cb;
  cb.on_header = [&](const TraceHeader& h) { order.push_back("header " + h.session_id); };
  cb.on_item = [&](const TraceItem&) { order.push_back("item"); };
  readTrace(in, cb);
  EXPECT_EQ(order, (std::vector<std::string>{"header x", "item"}));
}

// --- writers -------------------------------------------------------------------------------------

TEST(Writers, NumbersShortestWithSixDecimals) {
  EXPECT_EQ(formatNumber(1.5), "1.5");
  EXPECT_EQ(formatNumber(2), "2");
  EXPECT_EQ(formatNumber(0), "0");
  EXPECT_EQ(formatNumber(-0.0), "0");
  EXPECT_EQ(formatNumber(0.1234567), "0.123457");
  EXPECT_EQ(formatNumber(0.000001), "0.000001");
  EXPECT_EQ(formatNumber(12.3), "12.3");
  EXPECT_EQ(formatNumber(std::numeric_limits<double>::infinity()), "null");
}

TEST(Writers, EventLineHasFixedKeyOrder) {
  engine::RecognizerEvent ev;
  ev.result_id = "r\"1";
  ev.is_partial = false;
  ev.start = 0.25;
  ev.end = 1;
  ev.stability = 0.9;
  engine::Word w;
  w.text = "hi";
  w.start = 0.25;
  w.end = 0.5;
  w.stable = true;
  w.confidence = 0.5;
  ev.words.push_back(w);
  engine::Word p;
  p.text = ".";
  p.start = p.end = 0.5;
  p.kind = WordKind::kPunct;
  ev.words.push_back(p);
  EXPECT_EQ(
      formatEventLine(1.25, ev),
      R"({"t":1.25,"event":{"result_id":"r\"1","is_partial":false,"start":0.25,"end":1,)"
      R"("stability":0.9,"words":[{"text":"hi","start":0.25,"end":0.5,"kind":"word",)"
      R"("stable":true,"confidence":0.5},{"text":".","start":0.5,"end":0.5,"kind":"punct"}]}})"
      "\n");
  EXPECT_EQ(formatAudioLine(2, 1.75), "{\"t\":2,\"audio\":1.75}\n");
  EXPECT_EQ(formatModeLine(3, "final-only"), "{\"t\":3,\"mode\":\"final-only\"}\n");
  EXPECT_EQ(formatFlagLine(4, R"({"enabled":false})"), "{\"t\":4,\"flag\":{\"enabled\":false}}\n");
}

TEST(Writers, SegmentJsonFieldsInSpecOrder) {
  engine::Segment s;
  s.session_id = "golden-eagle-427";
  s.seq = 3;
  s.result_id = "r-2";
  s.text = "How are you?";
  s.kind = engine::SegmentKind::kFinal;
  s.audio_start = 2;
  s.audio_end = 3.1;
  s.emitted_at = 3.45;
  s.reason = "final";
  EXPECT_EQ(
      formatSegmentJson(s),
      R"({"session_id":"golden-eagle-427","seq":3,"result_id":"r-2","text":"How are you?",)"
      R"("kind":"final","audio_start":2,"audio_end":3.1,"emitted_at":3.45,"reason":"final"})");
}

TEST(Writers, RoundTripThroughTheReader) {
  TraceHeader h;
  h.session_id = "test-session-123";
  h.source = "pocketsphinx";
  h.audio = "a.wav";
  h.extra_json = R"({"language":"en-US"})";
  std::vector<TraceItem> items;
  {
    TraceItem e;
    e.type = TraceItem::Type::kEvent;
    e.t = 0.8;
    e.event.result_id = "r1";
    e.event.is_partial = true;
    e.event.start = 0.1;
    e.event.end = 0.75;
    e.event.stability = 0.5;
    engine::Word w;
    w.text = "caf\xC3\xA9";
    w.start = 0.1;
    w.end = 0.4;
    w.stability = 0.333333;
    w.stable = false;
    e.event.words.push_back(w);
    w.text = "\"quoted\"\\";
    w.start = 0.4;
    w.end = 0.75;
    w.stable.reset();
    w.stability.reset();
    w.confidence = 0.875;
    e.event.words.push_back(w);
    items.push_back(e);
  }
  {
    TraceItem a;
    a.type = TraceItem::Type::kAudio;
    a.t = 1.0;
    a.audio_time = 0.96;
    items.push_back(a);
    TraceItem m;
    m.type = TraceItem::Type::kMode;
    m.t = 1.5;
    m.mode = "final-only";
    items.push_back(m);
    TraceItem f;
    f.type = TraceItem::Type::kFlag;
    f.t = 2;
    f.flag_json = R"({"enabled":false,"rollout_percentage":10})";
    items.push_back(f);
  }
  std::string text = formatHeaderLine(h);
  for (const auto& it : items) text += formatItemLine(it);

  auto c = readAll(text);
  EXPECT_TRUE(c.errors.empty());
  ASSERT_TRUE(c.header.has_value());
  EXPECT_EQ(c.header->session_id, h.session_id);
  EXPECT_EQ(c.header->source, h.source);
  EXPECT_EQ(c.header->audio, h.audio);
  EXPECT_EQ(c.header->extra_json, h.extra_json);
  ASSERT_EQ(c.items.size(), items.size());
  const auto& ev = c.items[0].event;
  EXPECT_EQ(ev.result_id, "r1");
  EXPECT_EQ(ev.stability, std::optional<double>(0.5));
  ASSERT_EQ(ev.words.size(), 2u);
  EXPECT_EQ(ev.words[0].text, "caf\xC3\xA9");
  EXPECT_EQ(ev.words[0].stable, std::optional<bool>(false));
  EXPECT_EQ(ev.words[0].stability, std::optional<double>(0.333333));
  EXPECT_EQ(ev.words[1].text, "\"quoted\"\\");
  EXPECT_EQ(ev.words[1].confidence, std::optional<double>(0.875));
  EXPECT_DOUBLE_EQ(c.items[1].audio_time, 0.96);
  EXPECT_EQ(c.items[2].mode, "final-only");
  EXPECT_EQ(c.items[3].flag_json, R"({"enabled":false,"rollout_percentage":10})");

  // Writing what was read gives the same bytes again.
  std::string again = formatHeaderLine(*c.header);
  for (const auto& it : c.items) again += formatItemLine(it);
  EXPECT_EQ(again, text);
}

TEST(Writers, AwsInputRewritesAsNativeDeterministically) {
  auto first = readAll(oneLine(kAwsTwoResults) + "\n");
  ASSERT_EQ(first.items.size(), 2u);
  std::string native;
  for (const auto& it : first.items) native += formatItemLine(it);
  auto second = readAll(native);
  ASSERT_EQ(second.items.size(), 2u);
  std::string again;
  for (const auto& it : second.items) again += formatItemLine(it);
  EXPECT_EQ(again, native);
  EXPECT_EQ(engine::joinWords(second.items[0].event.words), "Hello there.");
}

}  // namespace
}  // namespace parley::ingest
