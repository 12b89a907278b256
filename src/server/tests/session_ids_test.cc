#include "server/session_ids.h"

#include <gtest/gtest.h>

#include <set>

namespace parley::server {
namespace {

TEST(SessionIds, ShapeIsAdjectiveNounNumber) {
  auto random = systemRandomSource();
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) {
    std::string id = makeSessionId(random);
    EXPECT_TRUE(looksLikeSessionId(id)) << id;
    auto last = id.rfind('-');
    int n = std::stoi(id.substr(last + 1));
    EXPECT_GE(n, 100);
    EXPECT_LE(n, 999);
    seen.insert(id);
  }
  EXPECT_GT(seen.size(), 450u);  // 3.7 million combinations: collisions are rare
}

TEST(SessionIds, DeterministicWithInjectedSource) {
  std::uint64_t x = 0;
  RandomSource fixed = [&x] { return x; };
  EXPECT_EQ(makeSessionId(fixed), "amber-badger-100");
  x = (327ull << 16) | (3ull << 8) | 18ull;
  EXPECT_EQ(makeSessionId(fixed), "golden-bison-427");
}

TEST(SessionIds, TokensAre128BitHex) {
  auto random = systemRandomSource();
  std::string a = makeToken(random), b = makeToken(random);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(SessionIds, RejectsOtherShapes) {
  EXPECT_TRUE(looksLikeSessionId("golden-eagle-427"));
  EXPECT_FALSE(looksLikeSessionId("golden-eagle"));
  EXPECT_FALSE(looksLikeSessionId("Golden-eagle-427"));
  EXPECT_FALSE(looksLikeSessionId("golden--427"));
  EXPECT_FALSE(looksLikeSessionId("golden-eagle-42x"));
  EXPECT_FALSE(looksLikeSessionId("../etc-passwd-1"));
}

}  // namespace
}  // namespace parley::server
