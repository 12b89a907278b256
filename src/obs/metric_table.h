// The one table of parley's metrics: every metric is declared here once, with its Prometheus
// name, type, unit, help text, the runbook's CloudWatch name where it has one, its labels and
// (for histograms) its bucket boundaries. Metrics, the CloudWatch EMF lines, docs/metrics.md and
// the exported alerting rules all use these names. Also the `decision` label's values.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engine/config.h"

namespace parley::obs {

// Which side of the rollout a session is on is the engine mode its flag decision gave it:
// partial results (canary) or final-only (baseline). Metrics label it `decision` (docs/metrics.md)
// and index arrays with it.
static_assert(static_cast<int>(engine::Mode::kPartial) == 0 &&
              static_cast<int>(engine::Mode::kFinalOnly) == 1);
inline constexpr int kModeCount = 2;
const char* modeLabel(engine::Mode m);  // the `decision` label: "partial" | "final_only"
bool parseModeLabel(std::string_view text, engine::Mode* out);

enum class MetricType { kCounter, kGauge, kHistogram };
const char* metricTypeName(MetricType t);  // "counter" | "gauge" | "histogram"

// Stable identifiers of the metrics, in table order.
enum class MetricId {
  kProcessingLatency = 0,
  kWordLatency,
  kPartialResultsDropped,
  kDuplicatesDetected,
  kOrphanedResultsFlushed,
  kTranscribeFallbackTriggered,
  kPartialToFinalRatio,
  kRecognizerEvents,
  kSegments,
  kDiscrepancies,
  kDiscrepancyWarnings,
  kErrors,
  kSessionsStarted,
  kSessionsActive,
  kListeners,
  kListenerComplaints,
  kCaptionsCoalesced,
  kListenerComplaintsRejected,
  kConnectionsOpen,
  kConnectionsRejected,
  kCaptionRevisions,
  kCaptionErasedTokens,
  kStablePrefixChanges,
  kSpokenMismatches,
  kCaptionFinalTokens,
  kCaptionTimeToStable,
};
inline constexpr int kMetricCount = 26;

struct MetricSpec {
  MetricId id;
  const char* name;  // Prometheus name (counters end in _total)
  MetricType type;
  const char* unit;                       // "seconds", "results", "ratio", ...
  const char* help;                       // one line, also the # HELP text
  const char* runbook_name;               // the old system's CloudWatch metric name, or "" if none
  const char* cloudwatch_unit;            // EMF unit: "Seconds", "Count", "None"
  std::vector<const char*> labels;        // label names besides `decision`
  std::vector<const char*> label_values;  // for a single extra label: its allowed values
  std::vector<double> buckets;            // histogram upper bounds (seconds), ascending
  // About the process rather than sessions (connections): its series carry decision="none"
  // only.
  bool process_wide = false;
};

std::span<const MetricSpec> metricTable();
const MetricSpec& metricSpec(MetricId id);

// Bucket bounds of the word-latency histogram. The runbook thresholds (5 s alarm, 5-7 s and
// > 7 s rollback rows) are bucket bounds, so p95-versus-threshold decisions computed from
// buckets (here and by Prometheus' histogram_quantile) are exact, not interpolation artefacts.
inline constexpr double kLatencyAlarmThreshold = 5.0;

}  // namespace parley::obs
