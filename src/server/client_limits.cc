#include "server/client_limits.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace parley::server {
namespace {

// Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4.
bool parseAddress(std::string_view text, bool* v6, unsigned char bytes[16]) {
  std::string s(text);
  in_addr a4{};
  in6_addr a6{};
  std::memset(bytes, 0, 16);
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    *v6 = false;
    std::memcpy(bytes, &a4, 4);
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(&a6, kMapped, 12) == 0) {
      *v6 = false;
      std::memcpy(bytes, reinterpret_cast<const unsigned char*>(&a6) + 12, 4);
    } else {
      *v6 = true;
      std::memcpy(bytes, &a6, 16);
    }
    return true;
  }
  return false;
}

}  // namespace

core::Result<NetworkList> NetworkList::parse(const std::vector<std::string>& cidrs) {
  NetworkList list;
  for (const auto& entry : cidrs) {
    std::string_view text = entry;
    auto slash = text.find('/');
    Network n;
    if (!parseAddress(text.substr(0, slash), &n.v6, n.bytes)) {
      return core::Error::invalid("'" + entry + "' is not an IP address or network (a.b.c.d/N)");
    }
    int bits = n.v6 ? 128 : 32;
    n.prefix = bits;
    if (slash != std::string_view::npos) {
      std::string_view p = text.substr(slash + 1);
      auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n.prefix);
      if (p.empty() || ec != std::errc() || end != p.data() + p.size() || n.prefix < 0 ||
          n.prefix > bits) {
        return core::Error::invalid("'" + entry + "' has a bad prefix length (0.." +
                                    std::to_string(bits) + ")");
      }
    }
    list.networks_.push_back(n);
  }
  return list;
}

bool NetworkList::contains(std::string_view address) const {
  bool v6 = false;
  unsigned char bytes[16];
  if (!parseAddress(address, &v6, bytes)) return false;
  return std::any_of(networks_.begin(), networks_.end(), [&](const Network& n) {
    if (n.v6 != v6) return false;
    int full = n.prefix / 8, rest = n.prefix % 8;
    if (std::memcmp(n.bytes, bytes, static_cast<std::size_t>(full)) != 0) return false;
    if (rest == 0) return true;
    auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (n.bytes[full] & mask) == (bytes[full] & mask);
  });
}

RateLimiter::RateLimiter(double per_minute, double burst, std::size_t max_keys)
    : per_second_(per_minute / 60.0), burst_(std::max(1.0, burst)), max_keys_(max_keys) {}

double RateLimiter::refill(Bucket& b, double now_s) const {
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, now_s - b.updated_s) * per_second_);
  b.updated_s = now_s;
  return b.tokens;
}

void RateLimiter::prune(double now_s) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (refill(it->second, now_s) >= burst_) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

bool RateLimiter::allow(const std::string& key, double now_s, double* retry_after_s) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) prune(now_s);
    if (buckets_.size() >= max_keys_) {
      if (retry_after_s) *retry_after_s = per_second_ > 0 ? 1.0 / per_second_ : 60.0;
      return false;
    }
    it = buckets_.emplace(key, Bucket{burst_, now_s}).first;
  }
  if (refill(it->second, now_s) >= 1.0) {
    it->second.tokens -= 1.0;
    return true;
  }
  if (retry_after_s) {
    *retry_after_s = per_second_ > 0 ? (1.0 - it->second.tokens) / per_second_ : 60.0;
  }
  return false;
}

}  // namespace parley::server
