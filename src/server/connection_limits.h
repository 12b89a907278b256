// Connection limits of `parley serve` (docs/server.md, "Connection limits"): the count of open
// HTTP and WebSocket connections, in total and per client address, with the RAII slot each
// connection holds for its whole life (an HTTP connection upgraded to a WebSocket hands its slot
// on); the accept loop's back-off after the process ran out of descriptors; the descriptor limit
// and the defaults derived from it. No Asio here: the logic is unit-tested on its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/server_config.h"

namespace parley::server {

// Why a connection was refused; the `reason` label of parley_connections_rejected_total.
enum class Refusal { kNone, kTotal, kPerClient, kDescriptors };
const char* refusalName(Refusal r);  // "none" | "total" | "per_client" | "descriptors"

class ConnectionLimiter {
 public:
  // One open connection, counted until the slot is destroyed or released. Move-only: a
  // connection that changes hands (HTTP upgraded to WebSocket) moves its slot along, so it is
  // counted once and released once.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }

    explicit operator bool() const { return owner_ != nullptr; }
    void release();

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* owner, std::string client)
        : owner_(owner), client_(std::move(client)) {}
    ConnectionLimiter* owner_ = nullptr;
    std::string client_;
  };

  // `on_change` (optional) is called with +1 / -1 as connections open and close (the open
  // connections gauge); it must not call back into the limiter. Thread-safe.
  ConnectionLimiter(std::size_t max_total, std::size_t max_per_client,
                    std::function<void(int)> on_change = {});
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  // A slot for a new connection from `client` (a clientKey()), or an empty slot with the reason
  // in *why: the per-client cap is checked first, so one address hitting its cap is told so
  // even when the server is also full.
  Slot acquire(const std::string& client, Refusal* why);

  std::size_t open() const;
  std::size_t openFrom(const std::string& client) const;
  // Addresses with at least one open connection (the map never keeps zero counts).
  std::size_t clients() const;
  std::size_t maxTotal() const { return max_total_; }
  std::size_t maxPerClient() const { return max_per_client_; }

 private:
  void release(const std::string& client);

  const std::size_t max_total_;
  const std::size_t max_per_client_;
  std::function<void(int)> on_change_;
  mutable std::mutex mu_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_client_;
};

// The address a connection is counted under: an IPv4 address as is (also when it arrives as an
// IPv4-mapped IPv6 address), an IPv6 address by its /64 prefix ("2001:db8:1:2::/64"), since
// one host is usually given a whole /64. Text that is not an address is returned unchanged.
std::string clientKey(std::string_view address);

// The accept loop's pause after accept() failed for want of descriptors: 50 ms, doubling up to
// 1 s while failures continue; a successful accept resets it.
class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{50};
  static constexpr std::chrono::milliseconds kMax{1000};
  // The pause before the next attempt; each call doubles the following one.
  std::chrono::milliseconds next();
  void reset() { current_ = std::chrono::milliseconds(0); }
  bool active() const { return current_.count() > 0; }

 private:
  std::chrono::milliseconds current_{0};
};

// RLIMIT_NOFILE before and after raising the soft limit to the hard one.
struct DescriptorLimit {
  long long soft_before = 0;
  long long hard = 0;  // -1: unlimited
  long long soft = 0;  // now in force
  std::string error;   // why raising failed (the soft limit is then unchanged)
};
// Raises the soft descriptor limit to the hard limit (an unlimited hard limit: 1,048,576, the
// kernel's usual fs.nr_open). Call once at start, before threads and children are started.
DescriptorLimit raiseDescriptorLimit();
// The soft limit in force now.
long long currentDescriptorLimit();

// Descriptors kept back from connections for everything else the process opens (measured: 14
// with no session: standard streams, the log, the listening socket and the reserve, epoll and
// timers, sessions.db with -wal and -shm, the apertium pipes; sessions add none besides their
// connections), with room for the flag store's reads, model files while a pipeline loads and
// apertium children: 64, or an eighth of the limit when that is more.
std::size_t descriptorMargin(long long soft_limit);
// max_connections = soft limit - descriptorMargin, at least 16, at most 16384 (beyond which
// memory rather than descriptors is what runs out on a venue laptop).
std::size_t defaultMaxConnections(long long soft_limit);
// max_connections_per_client = max_connections / 4, at most 256: one address never takes more
// than a quarter of the server, while many phones behind one NAT address still fit.
std::size_t defaultMaxConnectionsPerClient(std::size_t max_connections);
// Fills config.max_connections and config.max_connections_per_client when they are 0 (derive).
void applyConnectionDefaults(ServerConfig& config, long long soft_limit);

}  // namespace parley::server
