// HttpServer: parley's one port. HTTP (pages from web/, the JSON API, /metrics, /healthz,
// /readyz) and the speaker and listener WebSockets, on Boost.Beast/Asio; over TLS (OpenSSL)
// when tls_cert and tls_key are configured (server/tls.h). The routes, messages and close codes
// are specified in docs/protocol.md; threads, limits and durability in docs/server.md.
//
// Threads: `threads` network threads run the io_context (every connection on its own strand);
// a separate pool of `blocking_threads` runs what may take seconds (starting a session's
// pipeline, draining it at the end) so the network threads never wait. Beast and Asio stay
// inside http_server.cc.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "flags/flag_source.h"
#include "flags/flag_value.h"
#include "flags/param_store.h"
#include "obs/monitor.h"
#include "server/server_config.h"
#include "server/session_registry.h"
#include "storage/store.h"

namespace parley::server {

class RollbackDriver;

struct ServerDeps {
  storage::Store* store = nullptr;
  flags::FlagSource* flags = nullptr;
  flags::ParamStore* param_store = nullptr;  // admin writes; nullptr: flag writes unavailable
  flags::FlagEnvironment flag_env;
  obs::Monitor* monitor = nullptr;
  SessionRegistry* registry = nullptr;
  // Recognizer/translator/synthesizer readiness for /readyz (why: what is missing).
  std::function<bool(std::string* why)> backends_ready;
  // The automatic rollback's status for GET /api/rollout/controller; nullptr: it is off.
  const RollbackDriver* rollback_driver = nullptr;
  // Heartbeat expiry reads this clock; nullptr: a SystemClock.
  const core::Clock* clock = nullptr;
  // Called about once a minute off the network threads (unloading idle translators).
  std::function<void()> maintenance;
};

class HttpServer {
 public:
  HttpServer(ServerConfig config, ServerDeps deps);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port and starts the threads. kUnavailable when the port cannot be bound.
  core::Status start();
  // The bound port (useful with port 0).
  int port() const;
  // WebSocket connections that exist (0 once shutdown() has returned).
  int openWebSockets() const;
  // Graceful shutdown: stops accepting, drains every session (their last captions are appended
  // and sent), closes connections with 1001, cuts off those that did not close within the drain
  // budget (at most 5 s) and joins the threads. Idempotent.
  void shutdown();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::server
