// WebSocket connections (internal to the server): the speaker's and the listeners', each with a
// bounded send queue, heartbeats (server/heartbeat.h) and the close handshake (docs/server.md,
// docs/protocol.md). A connection holds a shared ConnectionContext, never the server itself.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "server/connection_limits.h"
#include "server/http_internal.h"
#include "server/server_config.h"
#include "server/session_registry.h"
#include "server/transport.h"

namespace boost::asio {
class thread_pool;
}  // namespace boost::asio

namespace parley::server {

class WsConnection;

enum class Role { kSpeaker, kListener };

// What a WebSocket connection uses of the server, shared with it (each connection holds a
// shared_ptr): a connection can outlive shutdown()'s wait (a peer that never answers the close
// handshake) and its last handler can be destroyed with the io_context while ~Impl runs, so it
// must never reach into Impl. The registry outlives the server (ServerDeps); blocking work is
// refused once shutdown() has joined the pool.
class ConnectionContext {
  core::SystemClock system_clock_;  // when ServerDeps has no clock (declared first: `clock`)

 public:
  ConnectionContext(ServerConfig c, SessionRegistry* r, const core::Clock* clk,
                    boost::asio::thread_pool* pool)
      : config(std::move(c)), registry(r), clock(clk ? *clk : system_clock_), blocking_(pool) {}

  const ServerConfig config;
  SessionRegistry* const registry;
  const core::Clock& clock;  // heartbeats
  std::atomic<bool> stopping{false};
  std::atomic<int> open_connections{0};

  // Runs `work` on the blocking pool; false (not run) once the pool is closed.
  bool postBlocking(std::function<void()> work);
  void closeBlocking();
  void track(const std::shared_ptr<WsConnection>& c);
  // Shutdown, after its wait: cuts off every WebSocket connection still alive, on its strand
  // (timers cancelled, socket closed), so that its pending operations end and it is destroyed.
  void abortAll();

 private:
  std::mutex mu_;
  boost::asio::thread_pool* blocking_;             // nullptr once closed
  std::vector<std::weak_ptr<WsConnection>> live_;  // WebSocket connections, for shutdown
};

// Hands an upgraded HTTP stream to a new WebSocket connection: the handshake answers `req`, then
// the connection attaches to its session as `role` (counted against the limits by `slot`).
void startWebSocket(Transport&& stream, std::shared_ptr<ConnectionContext> context, Role role,
                    std::string session_id, std::string lang, std::string token,
                    ConnectionLimiter::Slot slot, HttpRequest req);

}  // namespace parley::server
