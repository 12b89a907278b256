// ServerConfig: everything `parley serve` can be told, parsed at the edge (command line, the
// [server] and [rollback] tables of parley.toml, environment) into one struct whose validate()
// names every problem with its valid range. docs/server.md lists the same keys.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/config.h"
#include "obs/rollout_controller.h"

namespace parley::server {

// Active sessions one node holds by default: 4 per core (each live session costs a recognizer,
// about 0.1-0.3 of a core and ~100 MB).
std::size_t defaultMaxSessions();

struct ServerConfig {
  std::string host = "0.0.0.0";  // all interfaces, so phones on the LAN can reach listeners
  int port = 8080;               // 0: any free port (tests)
  std::string data_dir = "var";  // sessions.db (sessions + transcripts) lives here
  std::string store_url;         // flag store; empty: $PARLEY_STORE or sqlite:<data_dir>/parley.db
  std::string web_root;          // web/ pages; empty: search (see findWebRoot)
  std::string public_url;        // base of speak_url/listen_url; empty: from the Host header
  std::string admin_token;       // $PARLEY_ADMIN_TOKEN; empty: admin API disabled (403)
  // HTTPS and wss:// on the one port (server/tls.h): the certificate chain and private key, PEM;
  // both or neither (neither: plain HTTP).
  std::string tls_cert;
  std::string tls_key;
  // Creating sessions (docs/security.md): with a speaker key, POST /api/sessions needs it (or the
  // admin token) as a bearer token; without one, only clients in trusted_networks may create.
  std::string speaker_key;  // $PARLEY_SPEAKER_KEY or [server] speaker_key
  std::vector<std::string> trusted_networks = {"127.0.0.0/8", "::1/128"};
  std::size_t max_sessions = defaultMaxSessions();  // active sessions; more: 429
  double session_creates_per_minute = 10;           // per client address; more: 429
  double session_create_burst = 10;
  double unused_session_s = 600;   // a session no speaker connected to ends after this
  double translator_idle_s = 300;  // a translator (apertium pipeline) unused this long is unloaded
  double speaker_idle_s = 1800;    // a session whose speaker left ends after this
  std::string sessions_table = "Sessions";  // $SESSIONS_TABLE_NAME
  int threads = 2;                          // network threads
  int blocking_threads = 4;                 // pipeline start/drain threads
  std::size_t max_listeners = 500;          // per session
  double max_session_s = 7200;              // 2 h
  double heartbeat_s = 30;                  // WebSocket ping interval
  double heartbeat_timeout_s = 90;          // silence after which a connection is dropped
  std::size_t max_frame_bytes = 65536;      // larger speaker frames: close 1009
  std::size_t listener_queue = 256;         // messages queued per listener before overflow
  int history = 20;                         // captions replayed to late joiners
  bool synthesize = true;                   // speech for listeners
  double drain_timeout_s = 15;              // graceful shutdown budget
  std::vector<std::string> languages = {"es", "ca", "gl"};  // offered when installed and working
  // A listener's complaints count at most once per this many seconds (the rest are answered,
  // not counted).
  double complaint_window_s = 600;
  std::string apertium_modes;  // apertium's <pair>.mode files; empty: /usr/share/apertium/modes
  // Open HTTP + WebSocket connections, in total and per client address (an IPv6 client by its
  // /64); 0: derived from the descriptor limit at start (connection_limits.h, docs/server.md).
  std::size_t max_connections = 0;
  std::size_t max_connections_per_client = 0;
  // Origins (scheme://host[:port]) whose pages may open the speaker WebSocket besides the
  // server's own (the Host header's, and public_url's).
  std::vector<std::string> allowed_origins;

  // The automatic rollback ([rollback] table): the controller's thresholds, window, minimum
  // samples, cool-downs and promotion schedule (defaults: the runbook's), and how often it runs.
  obs::ControllerConfig rollback;
  double rollback_interval_s = 60;

  std::vector<std::string> validate() const;
};

// Applies a parley.toml: the [server] and [rollback] tables to `config`, the [engine] table (or
// top-level engine keys) to `engine` via ingest's parser. Every problem is reported, naming its
// key (`server.port`, `rollback.window_seconds`); ranges are left to validate().
core::Status applyServerConfigFile(ServerConfig& config, engine::EngineConfig& engine,
                                   const std::string& path);
// The same from TOML text; `path` names it in messages.
core::Status applyServerConfigToml(ServerConfig& config, engine::EngineConfig& engine,
                                   std::string_view toml_text, const std::string& path);

// A promotion schedule as operators write it: "10:3600,50:86400,100" (obs::parsePromotionSchedule),
// or "" / "none" for no schedule (the rollout is never raised).
core::Result<std::vector<obs::PromotionStep>> parsePromotionOption(std::string_view text);

// "https://a.example, http://b.example:8080" -> its items, trimmed; empty items dropped.
std::vector<std::string> splitOriginList(std::string_view text);

// The web root: $PARLEY_WEB_DIR, ./web, <exe>/../web, <exe>/../../web, /usr/share/parley/web.
std::string findWebRoot(const std::string& exe_path);

}  // namespace parley::server
