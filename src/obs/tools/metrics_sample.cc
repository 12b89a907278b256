// Prints the /metrics exposition after a few observations of every kind, for both decisions,
// so `promtool check metrics` can lint what the server will serve (tests/e2e/obs_promtool.sh).
#include <cstdio>
#include <string>

#include "obs/metrics.h"

int main() {
  using parley::engine::Mode;
  parley::obs::Metrics metrics;
  for (Mode d : {Mode::kPartial, Mode::kFinalOnly}) {
    parley::engine::EngineStats delta;
    delta.partial_events = 40;
    delta.final_events = 8;
    delta.segments_by_kind[0] = 12;
    delta.segments_by_kind[1] = 8;
    delta.partial_results_dropped = 3;
    delta.duplicates_detected = 1;
    delta.orphaned_results_flushed = 1;
    delta.transcribe_fallback_triggered = 1;
    delta.discrepancies = 2;
    delta.discrepancy_warnings = 1;
    delta.invalid_events = 1;
    metrics.observeEngineStats(d, delta);
    for (double s : {0.2, 0.6, 1.4, 5.5}) metrics.observeWordLatency(d, s);
    for (double s : {0.002, 0.03}) metrics.observeProcessingLatency(d, s);
    metrics.sessionStarted(d);
    metrics.listenerJoined(d);
    metrics.complaint(d);
    metrics.complaintRejected(d, "no_listener_key");
    metrics.error(d, "translate");
  }
  metrics.error("storage");
  metrics.connectionOpened();
  metrics.connectionRejected("per_client");
  std::string text = metrics.exposition();
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
