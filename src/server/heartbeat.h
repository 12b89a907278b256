// A WebSocket connection's liveness (docs/server.md, "heartbeat"): every frame or pong from the
// peer touches it; at each heartbeat (heartbeat_seconds) a connection silent for longer than
// heartbeat_timeout_seconds is dropped, otherwise pinged. Time comes from an injected Clock, so
// tests drive expiry with a ManualClock. touch() and the reads are thread-safe.
#pragma once

#include <atomic>

#include "core/clock.h"

namespace parley::server {

class Heartbeat {
 public:
  Heartbeat(const core::Clock& clock, double timeout_s)
      : clock_(clock), timeout_s_(timeout_s), last_seen_(clock.now()) {}

  // The peer sent something (a frame, a pong, the handshake).
  void touch() { last_seen_.store(clock_.now()); }
  double silentFor() const { return clock_.now() - last_seen_.load(); }
  // Silent for longer than the timeout: the connection is dropped.
  bool expired() const { return silentFor() > timeout_s_; }

 private:
  const core::Clock& clock_;
  double timeout_s_;
  std::atomic<double> last_seen_;
};

}  // namespace parley::server
