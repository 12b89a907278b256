#include "server/session_ids.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <sstream>

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

// Inverts `y ^= (y >> shift) & mask` (and the << form) of the Mersenne Twister's tempering.
std::uint64_t undoRight(std::uint64_t y, int shift, std::uint64_t mask) {
  std::uint64_t x = y;
  for (int i = 0; i < 64 / shift + 1; ++i) x = y ^ ((x >> shift) & mask);
  return x;
}
std::uint64_t undoLeft(std::uint64_t y, int shift, std::uint64_t mask) {
  std::uint64_t x = y;
  for (int i = 0; i < 64 / shift + 1; ++i) x = y ^ ((x << shift) & mask);
  return x;
}
std::uint64_t untemper(std::uint64_t y) {
  y = undoRight(y, 43, ~0ULL);
  y = undoLeft(y, 37, 0xfff7eee000000000ULL);
  y = undoLeft(y, 17, 0x71d67fffeda60000ULL);
  return undoRight(y, 29, 0x5555555555555555ULL);
}

// The attack that recovered the next speaker token from earlier ones: 312 consecutive outputs
// of a std::mt19937_64 give its whole state, and with it every later output. The server's
// source must not be predictable this way (it is the kernel's CSPRNG).
TEST(SessionIds, OutputsDoNotRevealTheNextOne) {
  // The attack works on a Mersenne Twister (so the test can fail) ...
  std::mt19937_64 weak(12345);
  RandomSource weak_source = [&weak] { return weak(); };
  auto predictNext = [](const RandomSource& source) {
    std::ostringstream state;
    for (int i = 0; i < 312; ++i) state << untemper(source()) << ' ';
    state << 312;  // the position: the next call regenerates the state from these 312 words
    std::mt19937_64 clone;
    std::istringstream in(state.str());
    in >> clone;
    return std::pair{clone(), source()};
  };
  auto [predicted_weak, actual_weak] = predictNext(weak_source);
  EXPECT_EQ(predicted_weak, actual_weak);
  // ... and not on the server's source.
  auto [predicted, actual] = predictNext(systemRandomSource());
  EXPECT_NE(predicted, actual);
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
