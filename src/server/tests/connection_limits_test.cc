#include "server/connection_limits.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace parley::server {
namespace {

TEST(ConnectionLimiter, PerClientCapStopsOneAddressBeforeTheTotal) {
  int gauge = 0;
  ConnectionLimiter limiter(5, 2, [&](int delta) { gauge += delta; });
  Refusal why = Refusal::kNone;
  std::vector<ConnectionLimiter::Slot> held;
  held.push_back(limiter.acquire("10.0.0.1", &why));
  held.push_back(limiter.acquire("10.0.0.1", &why));
  EXPECT_EQ(why, Refusal::kNone);
  EXPECT_FALSE(limiter.acquire("10.0.0.1", &why));
  EXPECT_EQ(why, Refusal::kPerClient);
  // Another address still gets in.
  held.push_back(limiter.acquire("10.0.0.2", &why));
  EXPECT_TRUE(held.back());
  EXPECT_EQ(limiter.open(), 3u);
  EXPECT_EQ(limiter.openFrom("10.0.0.1"), 2u);
  EXPECT_EQ(gauge, 3);
}

TEST(ConnectionLimiter, TotalCap) {
  ConnectionLimiter limiter(3, 2);
  Refusal why = Refusal::kNone;
  auto a = limiter.acquire("a", &why);
  auto b = limiter.acquire("b", &why);
  auto c = limiter.acquire("c", &why);
  EXPECT_TRUE(a && b && c);
  EXPECT_FALSE(limiter.acquire("d", &why));
  EXPECT_EQ(why, Refusal::kTotal);
  // "a" has room of its own, but the server is full.
  auto a2 = limiter.acquire("a", &why);
  EXPECT_FALSE(a2);
  EXPECT_EQ(why, Refusal::kTotal);
  // When both caps are reached, the client is told it is its own.
  ConnectionLimiter small(3, 1);
  auto x = small.acquire("x", &why);
  auto y = small.acquire("y", &why);
  auto z = small.acquire("z", &why);
  EXPECT_FALSE(small.acquire("x", &why));
  EXPECT_EQ(why, Refusal::kPerClient);
}

TEST(ConnectionLimiter, SlotsReleaseOnceWhenDestroyedOrMoved) {
  int gauge = 0;
  ConnectionLimiter limiter(10, 10, [&](int delta) { gauge += delta; });
  Refusal why = Refusal::kNone;
  {
    auto http = limiter.acquire("10.0.0.1", &why);
    EXPECT_EQ(limiter.open(), 1u);
    // An upgrade hands the slot from the HTTP connection to the WebSocket: still one.
    ConnectionLimiter::Slot ws(std::move(http));
    EXPECT_FALSE(http);  // NOLINT(bugprone-use-after-move): moved-from is documented empty
    EXPECT_TRUE(ws);
    EXPECT_EQ(limiter.open(), 1u);
    ConnectionLimiter::Slot other = limiter.acquire("10.0.0.2", &why);
    other = std::move(ws);  // the old slot of `other` is released, ws's is kept
    EXPECT_EQ(limiter.open(), 1u);
    EXPECT_EQ(limiter.openFrom("10.0.0.2"), 0u);
    EXPECT_EQ(limiter.openFrom("10.0.0.1"), 1u);
  }
  EXPECT_EQ(limiter.open(), 0u);
  EXPECT_EQ(limiter.clients(), 0u);  // no zero counts kept
  EXPECT_EQ(gauge, 0);
  auto s = limiter.acquire("c", &why);
  s.release();
  s.release();
  EXPECT_EQ(limiter.open(), 0u);
  EXPECT_EQ(gauge, 0);
}

TEST(ConnectionLimiter, ClientKeys) {
  EXPECT_EQ(clientKey("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(clientKey("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(clientKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(clientKey("2001:db8:1:2::1"), clientKey("2001:db8:1:2:ffff::9"));
  EXPECT_NE(clientKey("2001:db8:1:2::1"), clientKey("2001:db8:1:3::1"));
  EXPECT_EQ(clientKey(""), "");
}

TEST(AcceptBackoff, DoublesFrom50MsTo1sAndResets) {
  using std::chrono::milliseconds;
  AcceptBackoff b;
  EXPECT_FALSE(b.active());
  std::vector<long long> got;
  for (int i = 0; i < 8; ++i) got.push_back(b.next().count());
  EXPECT_EQ(got, (std::vector<long long>{50, 100, 200, 400, 800, 1000, 1000, 1000}));
  EXPECT_TRUE(b.active());
  b.reset();
  EXPECT_FALSE(b.active());
  EXPECT_EQ(b.next(), milliseconds(50));
}

TEST(ConnectionDefaults, DerivedFromTheDescriptorLimit) {
  EXPECT_EQ(descriptorMargin(256), 64u);
  EXPECT_EQ(descriptorMargin(1024), 128u);
  EXPECT_EQ(defaultMaxConnections(256), 192u);
  EXPECT_EQ(defaultMaxConnections(1024), 896u);
  EXPECT_EQ(defaultMaxConnections(50), 16u);          // floor
  EXPECT_EQ(defaultMaxConnections(1 << 20), 16384u);  // ceiling
  EXPECT_EQ(defaultMaxConnectionsPerClient(192), 48u);
  EXPECT_EQ(defaultMaxConnectionsPerClient(896), 224u);
  EXPECT_EQ(defaultMaxConnectionsPerClient(16384), 256u);
  EXPECT_EQ(defaultMaxConnectionsPerClient(2), 1u);

  ServerConfig c;
  applyConnectionDefaults(c, 1024);
  EXPECT_EQ(c.max_connections, 896u);
  EXPECT_EQ(c.max_connections_per_client, 224u);
  ServerConfig set;
  set.max_connections = 100;
  applyConnectionDefaults(set, 1024);
  EXPECT_EQ(set.max_connections, 100u);
  EXPECT_EQ(set.max_connections_per_client, 25u);
}

TEST(ConnectionDefaults, RaisingKeepsOrRaisesTheSoftLimit) {
  DescriptorLimit d = raiseDescriptorLimit();
  EXPECT_TRUE(d.error.empty()) << d.error;
  EXPECT_GE(d.soft, d.soft_before);
  if (d.hard >= 0) {
    EXPECT_EQ(d.soft, d.hard);
  }
  EXPECT_EQ(currentDescriptorLimit(), d.soft);
}

}  // namespace
}  // namespace parley::server
