#include "obs/monitor.h"

#include <algorithm>
#include <cmath>

namespace parley::obs {

Monitor::Monitor(const core::Clock& clock, double horizon_s) : clock_(clock), windows_(horizon_s) {}

void Monitor::sessionStarted(engine::Mode d, const std::string& session_id) {
  metrics_.sessionStarted(d);
  std::lock_guard lock(mu_);
  double now = clock_.now();
  windows_.prune(now);
  windows_.sessionStarted(d, session_id, now);
}

void Monitor::sessionEnded(engine::Mode d, const std::string& session_id) {
  metrics_.sessionEnded(d);
  std::lock_guard lock(mu_);
  windows_.sessionEnded(session_id, clock_.now());
}

void Monitor::observeEngineStats(engine::Mode d, const engine::EngineStats& delta) {
  metrics_.observeEngineStats(d, delta);
  std::lock_guard lock(mu_);
  double now = clock_.now();
  auto v = [](long long x) { return static_cast<double>(std::max(0LL, x)); };
  windows_.add(Signal::kDropped, d, now, v(delta.partial_results_dropped));
  windows_.add(Signal::kOrphaned, d, now, v(delta.orphaned_results_flushed));
  windows_.add(Signal::kFallback, d, now, v(delta.transcribe_fallback_triggered));
  windows_.add(Signal::kErrors, d, now, v(delta.invalid_events));
  windows_.add(Signal::kEvents, d, now, v(delta.partial_events + delta.final_events));
}

void Monitor::observeWordLatency(engine::Mode d, double seconds) {
  metrics_.observeWordLatency(d, seconds);
  std::lock_guard lock(mu_);
  windows_.observeWordLatency(d, clock_.now(), seconds);
}

void Monitor::observeProcessingLatency(engine::Mode d, double seconds) {
  metrics_.observeProcessingLatency(d, seconds);
}

void Monitor::listenerJoined(engine::Mode d) { metrics_.listenerJoined(d); }
void Monitor::listenerLeft(engine::Mode d) { metrics_.listenerLeft(d); }

void Monitor::captionsCoalesced(engine::Mode d, long long segments) {
  metrics_.captionsCoalesced(d, segments);
}

void Monitor::lineRevision(engine::Mode d, const LineRevisionFigures& figures) {
  metrics_.lineRevision(d, figures);
  if (figures.erased_tokens <= 0 && figures.final_tokens <= 0) return;
  std::lock_guard lock(mu_);
  const double now = clock_.now();
  windows_.add(Signal::kErasedTokens, d, now, figures.erased_tokens);
  windows_.add(Signal::kFinalTokens, d, now, static_cast<double>(figures.final_tokens));
}

void Monitor::complaint(engine::Mode d, const std::string& listener) {
  metrics_.complaint(d);
  std::lock_guard lock(mu_);
  double now = clock_.now();
  windows_.add(Signal::kComplaints, d, now, 1);
  windows_.complaintFrom(d, listener, now);
}

void Monitor::complaintRejected(engine::Mode d, std::string_view reason) {
  metrics_.complaintRejected(d, reason);
}

void Monitor::error(engine::Mode d, std::string_view kind) {
  metrics_.error(d, kind);
  std::lock_guard lock(mu_);
  windows_.add(Signal::kErrors, d, clock_.now(), 1);
}

void Monitor::error(std::string_view kind) {
  metrics_.error(kind);
  std::lock_guard lock(mu_);
  windows_.addUnattributedError(clock_.now(), 1);
}

void Monitor::connectionOpened() { metrics_.connectionOpened(); }
void Monitor::connectionClosed() { metrics_.connectionClosed(); }
void Monitor::connectionRejected(std::string_view reason) { metrics_.connectionRejected(reason); }

std::string Monitor::metricsText() const { return metrics_.exposition(); }

std::string Monitor::emfLines(long long unix_ms) { return metrics_.emfLines(unix_ms); }

std::vector<AlarmState> Monitor::alarms() {
  std::lock_guard lock(mu_);
  double now = clock_.now();
  windows_.prune(now);
  return evaluator_.evaluate(windows_, now);
}

std::string Monitor::alarmsJson() {
  std::lock_guard lock(mu_);
  double now = clock_.now();
  windows_.prune(now);
  return obs::alarmsJson(evaluator_.evaluate(windows_, now), now);
}

SideMetrics Monitor::side(engine::Mode d, double now, const ControllerConfig& config) const {
  SideMetrics s;
  double from = now - config.window_s;
  s.samples = windows_.sessionsActive(d, from, now);
  s.latency_p95_s = windows_.wordLatency(d).quantile(0.95, from, now);
  double errors = windows_.sum(Signal::kErrors, d, from, now);
  double events = windows_.sum(Signal::kEvents, d, from, now);
  s.error_rate = errors + events > 0 ? errors / (errors + events) : 0.0;
  s.dropped_per_min = windows_.sum(Signal::kDropped, d, from, now) / (config.window_s / 60.0);
  s.orphaned_per_session =
      s.samples > 0 ? windows_.sum(Signal::kOrphaned, d, from, now) / s.samples : 0.0;
  // Distinct listeners, not complaints: one listener repeating itself (or a script posting in
  // a loop) is one voice.
  s.complaining_listeners = windows_.complainingListeners(d, now - config.complaints_window_s, now);
  s.complaints_per_hour =
      static_cast<double>(s.complaining_listeners) * 3600.0 / config.complaints_window_s;
  return s;
}

ControllerInput Monitor::controllerInput(int percentage, bool enabled,
                                         const ControllerConfig& config) {
  std::lock_guard lock(mu_);
  ControllerInput in;
  in.t = clock_.now();
  windows_.prune(in.t);
  in.percentage = percentage;
  in.enabled = enabled;
  in.canary = side(engine::Mode::kPartial, in.t, config);
  in.baseline = side(engine::Mode::kFinalOnly, in.t, config);
  return in;
}

}  // namespace parley::obs
