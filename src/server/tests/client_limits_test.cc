#include "server/client_limits.h"

#include <gtest/gtest.h>

namespace parley::server {
namespace {

TEST(NetworkList, LoopbackAndPrefixes) {
  auto list = NetworkList::parse({"127.0.0.0/8", "::1/128", "10.1.0.0/16", "192.168.1.7"});
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_TRUE(list->contains("127.0.0.1"));
  EXPECT_TRUE(list->contains("127.255.0.9"));
  EXPECT_TRUE(list->contains("::1"));
  EXPECT_TRUE(list->contains("::ffff:127.0.0.1"));  // IPv4-mapped, as a dual-stack socket sees it
  EXPECT_TRUE(list->contains("10.1.200.3"));
  EXPECT_FALSE(list->contains("10.2.0.1"));
  EXPECT_TRUE(list->contains("192.168.1.7"));
  EXPECT_FALSE(list->contains("192.168.1.8"));
  EXPECT_FALSE(list->contains("128.0.0.1"));
  EXPECT_FALSE(list->contains("::2"));
  EXPECT_FALSE(list->contains("not an address"));
  EXPECT_FALSE(list->contains(""));
}

TEST(NetworkList, OddPrefixBitsAndBadEntries) {
  auto list = NetworkList::parse({"127.0.0.2/31"});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->contains("127.0.0.2"));
  EXPECT_TRUE(list->contains("127.0.0.3"));
  EXPECT_FALSE(list->contains("127.0.0.1"));
  EXPECT_FALSE(list->contains("127.0.0.4"));
  for (const char* bad : {"127.0.0.0/33", "::1/129", "localhost", "10.0.0.0/", "10.0.0.0/8x", ""}) {
    auto r = NetworkList::parse({bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
  auto none = NetworkList::parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->contains("127.0.0.1"));
}

TEST(RateLimiter, BurstThenSteadyRatePerKey) {
  RateLimiter limiter(/*per_minute=*/6, /*burst=*/3);  // one every 10 s after 3
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("a", 0.0));
  double retry = 0;
  EXPECT_FALSE(limiter.allow("a", 0.0, &retry));
  EXPECT_NEAR(retry, 10.0, 1e-9);
  EXPECT_TRUE(limiter.allow("b", 0.0));  // another client is not affected
  EXPECT_FALSE(limiter.allow("a", 9.0, &retry));
  EXPECT_NEAR(retry, 1.0, 1e-9);
  EXPECT_TRUE(limiter.allow("a", 10.0));
  EXPECT_FALSE(limiter.allow("a", 10.0));
  EXPECT_TRUE(limiter.allow("a", 1000.0));  // refilled, but never above the burst
  EXPECT_TRUE(limiter.allow("a", 1000.0));
  EXPECT_TRUE(limiter.allow("a", 1000.0));
  EXPECT_FALSE(limiter.allow("a", 1000.0));
}

TEST(RateLimiter, BoundedKeys) {
  RateLimiter limiter(60, 1, /*max_keys=*/2);
  EXPECT_TRUE(limiter.allow("a", 0.0));
  EXPECT_TRUE(limiter.allow("b", 0.0));
  EXPECT_FALSE(limiter.allow("c", 0.0));  // full and nothing refilled: refused, not grown
  EXPECT_TRUE(limiter.allow("c", 1.0));   // a and b refilled and were forgotten
}

}  // namespace
}  // namespace parley::server
