#include "server/api_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::server {
namespace {

TEST(ApiParse, SessionBody) {
  auto empty = parseSessionBody("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value.source_language, "en");
  auto full = parseSessionBody(
      R"({"source_language":"en","targets":["es","ca"],"public_transcript":true})");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full.value.targets, (std::vector<std::string>{"es", "ca"}));
  EXPECT_TRUE(full.value.public_transcript);
  auto bad = parseSessionBody("[1]");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.problem->code, "invalid_json");
  auto unknown = parseSessionBody(R"({"x":1})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.problem->code, "invalid_input");
  EXPECT_EQ(unknown.problem->message,
            "unknown key \"x\" (known: source_language, targets, public_transcript)");
}

TEST(ApiParse, ComplaintsAndControlMessages) {
  auto c = parseComplaintBody(R"({"listener_key":"k","text":"t","lang":"es","last_seq":4})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value.listener_key, "k");
  EXPECT_EQ(c.value.last_seq, 4);
  auto neg = parseComplaintBody(R"({"last_seq":-1})");
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.problem->message, "last_seq must be an integer >= 0");
  EXPECT_FALSE(parseListenerMessage(R"({"type":"ping"})").has_value());
  auto l = parseListenerMessage(R"({"type":"complaint","text":5})");
  ASSERT_TRUE(l.has_value());
  EXPECT_FALSE(l->ok());
  EXPECT_EQ(parseSpeakerMessage(R"({"type":"pause"})").value_or(""), "pause");
  EXPECT_FALSE(parseSpeakerMessage(R"({"type":1})").has_value());
  EXPECT_FALSE(parseSpeakerMessage("not json").has_value());
}

TEST(ApiParse, FlagsBody) {
  auto change = parseFlagsBody(FlagsEndpoint::kChange,
                               R"({"reason":"r","enabled":false,"rollout_percentage":20,)"
                               R"("set":{"forward_policy":"word","max_buffer_timeout":4}})");
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change.value.change.rollout_percentage, 20);
  // "set" values stay JSON, typed strictly when written (a string is never an integer).
  ASSERT_EQ(change.value.change.json_sets.size(), 2u);
  EXPECT_EQ(change.value.change.json_sets[0].second, "\"word\"");
  EXPECT_EQ(change.value.change.json_sets[1].second, "4");
  EXPECT_TRUE(change.value.change.sets.empty());
  auto no_reason = parseFlagsBody(FlagsEndpoint::kOther, "{}");
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.problem->message, "reason is required (a non-empty string)");
  auto ks = parseFlagsBody(FlagsEndpoint::kKillSwitch, R"({"reason":"r","active":null})");
  ASSERT_TRUE(ks.ok());
  EXPECT_FALSE(ks.value.active.has_value());
  auto revert = parseFlagsBody(FlagsEndpoint::kRevert, R"({"reason":"r","version":3})");
  ASSERT_TRUE(revert.ok());
  EXPECT_EQ(revert.value.version, 3);
}

// Found by server_api_fuzz (tests/fuzz/crashes/server_api_fuzz/): integers that do not fit were
// wrapped (4294967346 became rollout_percentage 50, accepted; 2^64-1 became version -1), and a
// deeply nested "set" value overflowed the stack when printed.
TEST(ApiParse, FlagsBodyRefusesWhatItCannotRepresent) {
  auto wrapped =
      parseFlagsBody(FlagsEndpoint::kChange, R"({"reason":"r","rollout_percentage":4294967346})");
  ASSERT_FALSE(wrapped.ok());
  EXPECT_EQ(wrapped.problem->message, "rollout_percentage must be an integer in [0, 100]");
  auto version =
      parseFlagsBody(FlagsEndpoint::kRevert, R"({"reason":"r","version":18446744073709551615})");
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.problem->message, "version must be an integer");
  std::string deep =
      R"({"reason":"r","set":{"k":)" + std::string(100000, '[') + std::string(100000, ']') + "}}";
  auto nested = parseFlagsBody(FlagsEndpoint::kChange, deep);
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.problem->code, "invalid_json");
}

}  // namespace
}  // namespace parley::server
