#include <gtest/gtest.h>

#include <vector>

#include "core/clock.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/result.h"

namespace parley::core {
namespace {

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock c(5.0);
  EXPECT_DOUBLE_EQ(c.now(), 5.0);
  c.advance(0.25);
  EXPECT_DOUBLE_EQ(c.now(), 5.25);
  c.set(1.0);
  EXPECT_DOUBLE_EQ(c.now(), 1.0);
}

TEST(ManualClock, WallTimeMovesWithIt) {
  ManualClock c(0.0, 1000.0);
  EXPECT_DOUBLE_EQ(c.wallTime(), 1000.0);
  c.advance(7.5);
  EXPECT_DOUBLE_EQ(c.wallTime(), 1007.5);
  EXPECT_DOUBLE_EQ(ManualClock().wallTime(), ManualClock::kDefaultWallAtZero);
}

TEST(SystemClock, WallTimeIsTheSystemsOne) {
  SystemClock c;
  double before = wallTimeSeconds();
  double t = c.wallTime();
  EXPECT_GE(t, before);
  EXPECT_LE(t, wallTimeSeconds());
}

TEST(SystemClock, IsMonotonic) {
  SystemClock c;
  double a = c.now();
  double b = c.now();
  EXPECT_GE(b, a);
  EXPECT_GE(a, 0.0);
}

TEST(Result, CarriesValueOrError) {
  Result<int> good = 3;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  Result<int> bad = Error::invalid("nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "nope");
  EXPECT_EQ(bad.valueOr(7), 7);
  EXPECT_EQ(exitCodeFor(bad.error()), 2);
  EXPECT_EQ(exitCodeFor(Error::unavailable("x")), 1);
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  EXPECT_EQ(sha256Hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Bucket, MatchesSpecExamples) {
  EXPECT_EQ(bucketOf("golden-eagle-427"), 73);
  EXPECT_EQ(bucketOf("test-session-123"), 35);
}

TEST(Log, StructuredRecordsAreOneJsonLine) {
  std::vector<log::Record> seen;
  auto prev = log::setSink([&](const log::Record& r) { seen.push_back(r); });
  log::warn("stability_unavailable", "s-1", "stability scores unavailable", {{"n", 3}});
  log::debug("noise", "s-1", "filtered out at INFO");
  log::setSink(prev);
  ASSERT_EQ(seen.size(), 1u);
  std::string line = log::formatJson(seen[0]);
  EXPECT_NE(line.find("\"event\":\"stability_unavailable\""), std::string::npos);
  EXPECT_NE(line.find("\"session_id\":\"s-1\""), std::string::npos);
  EXPECT_NE(line.find("\"n\":3"), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(log::jsonEscape("a\"b\n"), "a\\\"b\\n");
}

}  // namespace
}  // namespace parley::core
