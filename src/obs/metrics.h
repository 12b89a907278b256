// Metrics: the counters, gauges and histograms of metric_table.h, kept in a prometheus-cpp
// registry, with the text exposition the server serves at /metrics and CloudWatch Embedded
// Metric Format lines (namespace AudioTranscription/PartialResults) from the same values.
// Every series carries a `decision` label (partial | final_only) separating canary sessions
// from baseline ones; all series of both decisions exist from construction, so dashboards and
// alert rules never see a missing series. Thread-safe: any thread may observe at any time.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "obs/metric_table.h"

namespace parley::obs {

// The counters that grew between two snapshots of a session's EngineStats (after - before),
// so callers can report a running engine's progress as deltas.
engine::EngineStats statsDelta(const engine::EngineStats& after, const engine::EngineStats& before);

// What one caption line revision did (docs/lines.md), for the caption metrics and the erasure
// alarm.
struct LineRevisionFigures {
  int erased_tokens = 0;                   // tokens of the previous revision taken back
  bool settled_changed = false;            // a final that changed settled text
  bool spoken_mismatch = false;            // a final that differs from what was spoken
  long long final_tokens = 0;              // final revision: its tokens (the erasure's denominator)
  std::span<const double> time_to_stable;  // final revision: per token, seconds
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Adds the counters of an EngineStats delta (see statsDelta): dropped, duplicates, orphaned,
  // fallbacks, discrepancies, recognizer events, segments; invalid events count as errors of
  // kind "invalid_event".
  void observeEngineStats(engine::Mode d, const engine::EngineStats& delta);
  void observeWordLatency(engine::Mode d, double seconds);
  void observeProcessingLatency(engine::Mode d, double seconds);
  void sessionStarted(engine::Mode d);
  void sessionEnded(engine::Mode d);
  void listenerJoined(engine::Mode d);
  void listenerLeft(engine::Mode d);
  // A counted listener complaint (parley_listener_complaints_total).
  void complaint(engine::Mode d);
  // A complaint answered but not counted; `reason` is one of the values declared for
  // parley_listener_complaints_rejected_total (anything else counts as "invalid_input").
  void complaintRejected(engine::Mode d, std::string_view reason);
  // `segments` engine segments were merged into later captions (translation was behind).
  void captionsCoalesced(engine::Mode d, long long segments);
  // A caption line revision was sent (docs/lines.md), with what it took back or changed.
  void lineRevision(engine::Mode d, const LineRevisionFigures& figures);
  // kind is one of the values declared for parley_errors_total; anything else counts as
  // "internal" (label values stay bounded).
  void error(engine::Mode d, std::string_view kind);
  // An error not tied to a session (decision="none").
  void error(std::string_view kind);
  // Connections of the server (decision="none"): opened and closed (the open gauge), and
  // refused (at accept, or a failed TLS handshake); `reason` is total, per_client, descriptors
  // or tls_handshake (anything else is ignored).
  void connectionOpened();
  void connectionClosed();
  void connectionRejected(std::string_view reason);

  // Prometheus text exposition format 0.0.4 (Content-Type: text/plain; version=0.0.4).
  std::string exposition() const;
  // One CloudWatch EMF JSON object per decision, newline-terminated: the counters' growth since
  // the previous call and the gauges' values, under their runbook (CloudWatch) names. Latency
  // histograms are not included (their percentiles come from /metrics). `unix_ms` is the EMF
  // Timestamp.
  std::string emfLines(long long unix_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::obs
