// Who may do what, by client address: the networks trusted to create sessions without the
// speaker key, and a per-client rate limit (a token bucket per address). Pure: time is passed
// in, so both are unit-tested without a clock. docs/security.md explains how they are used.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace parley::server {

// A list of networks in CIDR notation ("127.0.0.0/8", "::1/128", "10.1.2.3" = one address).
class NetworkList {
 public:
  // kInvalidInput naming the entry that is not an address or a network.
  static core::Result<NetworkList> parse(const std::vector<std::string>& cidrs);
  // True when `address` (an IPv4 or IPv6 address as text; IPv4-mapped IPv6 addresses count as
  // their IPv4 address) is in one of the networks. False for anything that does not parse.
  bool contains(std::string_view address) const;
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    bool v6 = false;
    unsigned char bytes[16] = {};
    int prefix = 0;
  };
  std::vector<Network> networks_;
};

// Allows `burst` events at once and then `per_minute` a minute, per key (a client address).
// Keeps at most `max_keys` keys: when full, keys whose bucket has refilled are forgotten first,
// and if none has, the new key is refused (an attacker with many addresses cannot grow it).
class RateLimiter {
 public:
  RateLimiter(double per_minute, double burst, std::size_t max_keys = 10000);
  // True if the event is allowed (and counted). Otherwise *retry_after_s (when given) is how
  // long until one will be. `now_s` is monotonic seconds.
  bool allow(const std::string& key, double now_s, double* retry_after_s = nullptr);

 private:
  struct Bucket {
    double tokens = 0;
    double updated_s = 0;
  };
  double refill(Bucket& b, double now_s) const;
  void prune(double now_s);

  double per_second_;
  double burst_;
  std::size_t max_keys_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace parley::server
