// Monitor: the one object the server and pipeline talk to. Each observation goes to the
// Prometheus metrics (for /metrics) and to the time-windowed signals (for alarms and the
// rollback controller), stamped with the injected clock. It answers GET /metrics
// (metricsText), GET /api/alarms (alarmsJson) and builds the rollback controller's input
// window. Thread-safe: sessions, listeners and the HTTP handlers may call it concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "engine/engine.h"
#include "obs/alarms.h"
#include "obs/metrics.h"
#include "obs/rollout_controller.h"
#include "obs/windows.h"

namespace parley::obs {

class Monitor {
 public:
  // `clock` must outlive the Monitor. horizon_s bounds how far back windows reach.
  explicit Monitor(const core::Clock& clock, double horizon_s = 3660.0);

  void sessionStarted(engine::Mode d, const std::string& session_id);
  void sessionEnded(engine::Mode d, const std::string& session_id);
  // A session's engine progress since its previous report (use statsDelta()).
  void observeEngineStats(engine::Mode d, const engine::EngineStats& delta);
  void observeWordLatency(engine::Mode d, double seconds);
  void observeProcessingLatency(engine::Mode d, double seconds);
  void listenerJoined(engine::Mode d);
  void listenerLeft(engine::Mode d);
  // A counted listener complaint from `listener` (an ID unique per listener connection, e.g.
  // "<session>/<connection>"): parley_listener_complaints_total and the complaining listeners
  // of the controller's complaints row. Only the caller knows whether a complaint counts
  // (SessionRegistry: a connected listener, once per complaint window).
  void complaint(engine::Mode d, const std::string& listener);
  // A complaint answered but not counted: parley_listener_complaints_rejected_total{reason}.
  void complaintRejected(engine::Mode d, std::string_view reason);
  void captionsCoalesced(engine::Mode d, long long segments);
  // A caption line revision: the caption metrics, and the erasure alarm's windows.
  void lineRevision(engine::Mode d, const LineRevisionFigures& figures);
  void error(engine::Mode d, std::string_view kind);
  void error(std::string_view kind);  // not tied to a session
  // The server's connections (parley_connections_open, parley_connections_rejected_total).
  void connectionOpened();
  void connectionClosed();
  // total | per_client | descriptors | tls_handshake
  void connectionRejected(std::string_view reason);

  // Prometheus text exposition for GET /metrics.
  std::string metricsText() const;
  // CloudWatch EMF lines (counters' growth since the previous call).
  std::string emfLines(long long unix_ms);
  // Current alarm states, and the JSON body of GET /api/alarms.
  std::vector<AlarmState> alarms();
  std::string alarmsJson();
  // The controller's view of the last window: per side, sessions seen, word-latency p95,
  // error rate (errors / (recognizer events + errors)), dropped per minute, orphaned per session
  // over config.window_s, and over config.complaints_window_s the distinct listeners with a
  // counted complaint (complaining_listeners) and the same scaled to an hour
  // (complaints_per_hour).
  ControllerInput controllerInput(int percentage, bool enabled, const ControllerConfig& config);
  // The injected clock's reading: the time the windows are kept in.
  double now() const { return clock_.now(); }

 private:
  SideMetrics side(engine::Mode d, double now, const ControllerConfig& config) const;

  const core::Clock& clock_;
  Metrics metrics_;
  mutable std::mutex mu_;
  SignalWindows windows_;
  AlarmEvaluator evaluator_;
};

}  // namespace parley::obs
