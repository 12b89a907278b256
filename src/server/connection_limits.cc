#include "server/connection_limits.h"

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace parley::server {

const char* refusalName(Refusal r) {
  switch (r) {
    case Refusal::kNone:
      return "none";
    case Refusal::kTotal:
      return "total";
    case Refusal::kPerClient:
      return "per_client";
    case Refusal::kDescriptors:
      return "descriptors";
  }
  return "none";
}

// --- ConnectionLimiter ---------------------------------------------------------------------------

ConnectionLimiter::Slot::Slot(Slot&& other) noexcept
    : owner_(other.owner_), client_(std::move(other.client_)) {
  other.owner_ = nullptr;
}

ConnectionLimiter::Slot& ConnectionLimiter::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    client_ = std::move(other.client_);
    other.owner_ = nullptr;
  }
  return *this;
}

void ConnectionLimiter::Slot::release() {
  if (owner_ == nullptr) return;
  ConnectionLimiter* owner = owner_;
  owner_ = nullptr;
  owner->release(client_);
}

ConnectionLimiter::ConnectionLimiter(std::size_t max_total, std::size_t max_per_client,
                                     std::function<void(int)> on_change)
    : max_total_(max_total), max_per_client_(max_per_client), on_change_(std::move(on_change)) {}

ConnectionLimiter::Slot ConnectionLimiter::acquire(const std::string& client, Refusal* why) {
  {
    std::lock_guard lock(mu_);
    auto it = per_client_.find(client);
    std::size_t from_client = it == per_client_.end() ? 0 : it->second;
    if (from_client >= max_per_client_) {
      *why = Refusal::kPerClient;
      return {};
    }
    if (open_ >= max_total_) {
      *why = Refusal::kTotal;
      return {};
    }
    ++open_;
    if (it == per_client_.end()) {
      per_client_.emplace(client, 1);
    } else {
      ++it->second;
    }
  }
  *why = Refusal::kNone;
  if (on_change_) on_change_(+1);
  return Slot(this, client);
}

void ConnectionLimiter::release(const std::string& client) {
  {
    std::lock_guard lock(mu_);
    --open_;
    auto it = per_client_.find(client);
    if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
  }
  if (on_change_) on_change_(-1);
}

std::size_t ConnectionLimiter::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

std::size_t ConnectionLimiter::openFrom(const std::string& client) const {
  std::lock_guard lock(mu_);
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

std::size_t ConnectionLimiter::clients() const {
  std::lock_guard lock(mu_);
  return per_client_.size();
}

std::string clientKey(std::string_view address) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(address), ec);
  if (ec) return std::string(address);
  if (a.is_v4()) return a.to_v4().to_string();
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  }
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

// --- AcceptBackoff -------------------------------------------------------------------------------

std::chrono::milliseconds AcceptBackoff::next() {
  current_ = current_.count() == 0 ? kFirst : std::min(current_ * 2, kMax);
  return current_;
}

// --- descriptor limit ----------------------------------------------------------------------------

namespace {

long long asLimit(rlim_t v) { return v == RLIM_INFINITY ? -1 : static_cast<long long>(v); }

// The kernel's ceiling for RLIMIT_NOFILE (fs.nr_open), used when the hard limit is unlimited.
rlim_t kernelDescriptorCeiling() {
  long long v = 0;
  std::ifstream in("/proc/sys/fs/nr_open");
  if (in >> v && v > 0) return static_cast<rlim_t>(v);
  return 1 << 20;
}

}  // namespace

DescriptorLimit raiseDescriptorLimit() {
  DescriptorLimit d;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    d.error = std::string("getrlimit: ") + std::strerror(errno);
    return d;
  }
  d.soft_before = asLimit(rl.rlim_cur);
  d.hard = asLimit(rl.rlim_max);
  d.soft = d.soft_before;
  rlim_t target = rl.rlim_max == RLIM_INFINITY ? kernelDescriptorCeiling() : rl.rlim_max;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= target) return d;
  rlimit raised = rl;
  raised.rlim_cur = target;
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    d.error = std::string("setrlimit: ") + std::strerror(errno);
    return d;
  }
  d.soft = asLimit(target);
  return d;
}

long long currentDescriptorLimit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  return rl.rlim_cur == RLIM_INFINITY ? static_cast<long long>(kernelDescriptorCeiling())
                                      : static_cast<long long>(rl.rlim_cur);
}

std::size_t descriptorMargin(long long soft_limit) {
  return static_cast<std::size_t>(std::max(64LL, std::max(0LL, soft_limit) / 8));
}

std::size_t defaultMaxConnections(long long soft_limit) {
  if (soft_limit < 0) soft_limit = static_cast<long long>(kernelDescriptorCeiling());
  long long available = soft_limit - static_cast<long long>(descriptorMargin(soft_limit));
  return static_cast<std::size_t>(std::clamp(available, 16LL, 16384LL));
}

std::size_t defaultMaxConnectionsPerClient(std::size_t max_connections) {
  return std::clamp<std::size_t>(max_connections / 4, 1, 256);
}

void applyConnectionDefaults(ServerConfig& config, long long soft_limit) {
  if (config.max_connections == 0) config.max_connections = defaultMaxConnections(soft_limit);
  if (config.max_connections_per_client == 0) {
    config.max_connections_per_client = defaultMaxConnectionsPerClient(config.max_connections);
  }
}

}  // namespace parley::server
