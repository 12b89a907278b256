#include "obs/metric_table.h"

#include <cassert>

namespace parley::obs {
namespace {

// Word latency spans partial mode (sub-second) to final-only mode (several seconds); 5 and 7
// are the runbook's thresholds and must stay bounds (see kLatencyAlarmThreshold).
const std::vector<double> kWordLatencyBuckets = {0.1, 0.25, 0.5, 0.75, 1.0,  1.5,  2.0, 3.0,
                                                 4.0, 5.0,  6.0, 7.0,  10.0, 15.0, 30.0};
// Processing of one recognizer result: milliseconds normally, seconds when something stalls.
const std::vector<double> kProcessingBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.0, 10.0};

// Token time to stable: under a second when the display policy holds, seconds when a final
// rewrites settled words (the bench's p95 on real speech: 3.1 s), tens of seconds for results
// that run on without a final.
const std::vector<double> kTimeToStableBuckets = {0.25, 0.5, 0.75, 1.0,  1.5,  2.0,
                                                  3.0,  5.0, 10.0, 20.0, 30.0, 60.0};

const std::vector<MetricSpec>& table() {
  static const std::vector<MetricSpec> t = {
      {MetricId::kProcessingLatency,
       "parley_partial_result_processing_latency_seconds",
       MetricType::kHistogram,
       "seconds",
       "Time from a recognizer result's arrival to the hand-off of the segments it produced "
       "(engine, translation and synthesis included).",
       "PartialResultProcessingLatency",
       "Seconds",
       {},
       {},
       kProcessingBuckets},
      {MetricId::kWordLatency,
       "parley_word_latency_seconds",
       MetricType::kHistogram,
       "seconds",
       "End-to-end word latency: audio time of a word's end to the caption carrying it being "
       "delivered to listeners.",
       "EndToEndWordLatency",
       "Seconds",
       {},
       {},
       kWordLatencyBuckets},
      {MetricId::kPartialResultsDropped,
       "parley_partial_results_dropped_total",
       MetricType::kCounter,
       "updates",
       "Partial updates held back by the per-session rate limit (coalesced into the next "
       "segment, never lost as text).",
       "PartialResultsDropped",
       "Count",
       {},
       {},
       {}},
      {MetricId::kDuplicatesDetected,
       "parley_duplicates_detected_total",
       MetricType::kCounter,
       "segments",
       "Segments suppressed because their normalized text was forwarded recently.",
       "DuplicatesDetected",
       "Count",
       {},
       {},
       {}},
      {MetricId::kOrphanedResultsFlushed,
       "parley_orphaned_results_flushed_total",
       MetricType::kCounter,
       "results",
       "Results flushed because no update or final arrived within orphan_timeout.",
       "OrphanedResultsFlushed",
       "Count",
       {},
       {},
       {}},
      {MetricId::kTranscribeFallbackTriggered,
       "parley_transcribe_fallback_triggered_total",
       MetricType::kCounter,
       "fallbacks",
       "Sessions switched to final-only because the recognizer went silent while audio kept "
       "arriving.",
       "TranscribeFallbackTriggered",
       "Count",
       {},
       {},
       {}},
      {MetricId::kPartialToFinalRatio,
       "parley_partial_to_final_ratio",
       MetricType::kGauge,
       "ratio",
       "Partial recognizer events per final event since the server started.",
       "PartialToFinalRatio",
       "None",
       {},
       {},
       {}},
      {MetricId::kRecognizerEvents,
       "parley_recognizer_events_total",
       MetricType::kCounter,
       "events",
       "Recognizer events processed by the engine, by kind (partial or final).",
       "",
       "Count",
       {"kind"},
       {"partial", "final"},
       {}},
      {MetricId::kSegments,
       "parley_segments_total",
       MetricType::kCounter,
       "segments",
       "Segments forwarded by the engine, by kind.",
       "",
       "Count",
       {"kind"},
       {"partial", "final", "orphan", "timeout", "overflow"},
       {}},
      {MetricId::kDiscrepancies,
       "parley_discrepancies_total",
       MetricType::kCounter,
       "finals",
       "Finals that contradicted words already forwarded (logged as discrepancy).",
       "Discrepancies",
       "Count",
       {},
       {},
       {}},
      {MetricId::kDiscrepancyWarnings,
       "parley_discrepancy_warnings_total",
       MetricType::kCounter,
       "finals",
       "Discrepancies whose Levenshtein distance exceeded 20% (logged at WARN).",
       "",
       "Count",
       {},
       {},
       {}},
      {MetricId::kErrors,
       "parley_errors_total",
       MetricType::kCounter,
       "errors",
       "Errors, by kind; decision is \"none\" for errors not tied to a session.",
       "Errors",
       "Count",
       {"kind"},
       {"invalid_event", "asr", "translate", "tts", "storage", "flags", "transport", "internal"},
       {}},
      {MetricId::kSessionsStarted,
       "parley_sessions_started_total",
       MetricType::kCounter,
       "sessions",
       "Sessions started.",
       "SessionsStarted",
       "Count",
       {},
       {},
       {}},
      {MetricId::kSessionsActive,
       "parley_sessions_active",
       MetricType::kGauge,
       "sessions",
       "Sessions running now.",
       "ActiveSessions",
       "Count",
       {},
       {},
       {}},
      {MetricId::kListeners,
       "parley_listeners",
       MetricType::kGauge,
       "listeners",
       "Listeners connected now.",
       "Listeners",
       "Count",
       {},
       {},
       {}},
      {MetricId::kListenerComplaints,
       "parley_listener_complaints_total",
       MetricType::kCounter,
       "complaints",
       "Listener complaints counted: from a listener connected to the session, at most one per "
       "listener per complaint window (the rollback controller's input).",
       "UserComplaints",
       "Count",
       {},
       {},
       {}},
      {MetricId::kCaptionsCoalesced,
       "parley_captions_coalesced_total",
       MetricType::kCounter,
       "segments",
       "Segments merged into a later caption because translation or synthesis was behind.",
       "",
       "Count",
       {},
       {},
       {}},
      {MetricId::kListenerComplaintsRejected,
       "parley_listener_complaints_rejected_total",
       MetricType::kCounter,
       "complaints",
       "Complaints answered but not counted, by reason: malformed, without or with an unknown "
       "listener key, repeated within the listener's complaint window, or on an ended session.",
       "",
       "Count",
       {"reason"},
       {"invalid_input", "no_listener_key", "not_a_listener", "repeated", "session_ended"},
       {}},
      {MetricId::kConnectionsOpen,
       "parley_connections_open",
       MetricType::kGauge,
       "connections",
       "Open HTTP and WebSocket connections (counted against max_connections).",
       "",
       "Count",
       {},
       {},
       {},
       /*process_wide=*/true},
      {MetricId::kConnectionsRejected,
       "parley_connections_rejected_total",
       MetricType::kCounter,
       "connections",
       "Connections accepted and closed without being served, by reason: max_connections "
       "reached (total), the client address at max_connections_per_client (per_client), no "
       "descriptor left (descriptors), or a TLS handshake failed or not completed in time "
       "(tls_handshake).",
       "",
       "Count",
       {"reason"},
       {"total", "per_client", "descriptors", "tls_handshake"},
       {},
       /*process_wide=*/true},
      {MetricId::kCaptionRevisions,
       "parley_caption_revisions_total",
       MetricType::kCounter,
       "revisions",
       "Caption line revisions sent (every language; the final revision of a line included).",
       "",
       "Count",
       {},
       {},
       {}},
      {MetricId::kCaptionErasedTokens,
       "parley_caption_erased_tokens_total",
       MetricType::kCounter,
       "tokens",
       "Tokens of a line's displayed text taken back by its next revision (flicker).",
       "",
       "Count",
       {},
       {},
       {}},
      {MetricId::kStablePrefixChanges,
       "parley_stable_prefix_changes_total",
       MetricType::kCounter,
       "lines",
       "Final line revisions that changed text already marked stable (stable_chars).",
       "",
       "Count",
       {},
       {},
       {}},
      {MetricId::kSpokenMismatches,
       "parley_spoken_mismatches_total",
       MetricType::kCounter,
       "lines",
       "Lines whose final translation differs from speech already spoken (never re-spoken).",
       "",
       "Count",
       {},
       {},
       {}},
      {MetricId::kCaptionFinalTokens,
       "parley_caption_final_tokens_total",
       MetricType::kCounter,
       "tokens",
       "Tokens of final line revisions (every language): the denominator of the normalized "
       "erasure (erased tokens / final tokens).",
       "",
       "Count",
       {},
       {},
       {}},
      {MetricId::kCaptionTimeToStable,
       "parley_caption_token_time_to_stable_seconds",
       MetricType::kHistogram,
       "seconds",
       "Per token of a final line revision: from its reference time (the end of its source "
       "word) to the moment it settled on screen (docs/lines.md).",
       "",
       "Seconds",
       {},
       {},
       kTimeToStableBuckets},
  };
  return t;
}

}  // namespace

const char* modeLabel(engine::Mode d) {
  return d == engine::Mode::kPartial ? "partial" : "final_only";
}

bool parseModeLabel(std::string_view text, engine::Mode* out) {
  if (text == "partial")
    *out = engine::Mode::kPartial;
  else if (text == "final_only")
    *out = engine::Mode::kFinalOnly;
  else
    return false;
  return true;
}

const char* metricTypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "counter";
}

std::span<const MetricSpec> metricTable() { return table(); }

const MetricSpec& metricSpec(MetricId id) {
  const auto& t = table();
  auto i = static_cast<std::size_t>(id);
  assert(i < t.size() && t[i].id == id);
  return t[i];
}

}  // namespace parley::obs
