#include "obs/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>

#include "core/log.h"

namespace parley::obs {
namespace {

constexpr const char* kEmfNamespace = "AudioTranscription/PartialResults";
// The decision value of errors not tied to a session.
constexpr int kNoDecision = kModeCount;
const char* decisionLabel(int i) {
  return i == kNoDecision ? "none" : modeLabel(static_cast<engine::Mode>(i));
}

std::string formatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

engine::EngineStats statsDelta(const engine::EngineStats& after,
                               const engine::EngineStats& before) {
  engine::EngineStats d;
  d.events = after.events - before.events;
  d.partial_events = after.partial_events - before.partial_events;
  d.final_events = after.final_events - before.final_events;
  d.audio_updates = after.audio_updates - before.audio_updates;
  d.segments = after.segments - before.segments;
  for (int i = 0; i < 5; ++i)
    d.segments_by_kind[i] = after.segments_by_kind[i] - before.segments_by_kind[i];
  d.words_forwarded = after.words_forwarded - before.words_forwarded;
  d.partial_results_dropped = after.partial_results_dropped - before.partial_results_dropped;
  d.duplicates_detected = after.duplicates_detected - before.duplicates_detected;
  d.orphaned_results_flushed = after.orphaned_results_flushed - before.orphaned_results_flushed;
  d.transcribe_fallback_triggered =
      after.transcribe_fallback_triggered - before.transcribe_fallback_triggered;
  d.discrepancies = after.discrepancies - before.discrepancies;
  d.discrepancy_warnings = after.discrepancy_warnings - before.discrepancy_warnings;
  d.late_events = after.late_events - before.late_events;
  d.overflow_words = after.overflow_words - before.overflow_words;
  d.invalid_events = after.invalid_events - before.invalid_events;
  d.stability_unavailable = after.stability_unavailable - before.stability_unavailable;
  d.mode_switches = after.mode_switches - before.mode_switches;
  return d;
}

struct Metrics::Impl {
  prometheus::Registry registry;
  // Children by metric and decision; metrics with an extra label keep one child per value.
  std::array<std::array<std::vector<prometheus::Counter*>, kModeCount + 1>, kMetricCount>
      counters{};
  std::array<std::array<prometheus::Gauge*, kModeCount + 1>, kMetricCount> gauges{};
  std::array<std::array<prometheus::Histogram*, kModeCount>, kMetricCount> histograms{};
  std::array<std::atomic<long long>, kModeCount> partial_events{};
  std::array<std::atomic<long long>, kModeCount> final_events{};
  std::mutex emf_mu;
  std::map<std::string, double> emf_last;  // counter key -> value at the previous emfLines()

  Impl() {
    for (const MetricSpec& spec : metricTable()) {
      auto m = static_cast<std::size_t>(spec.id);
      switch (spec.type) {
        case MetricType::kCounter: {
          auto& family =
              prometheus::BuildCounter().Name(spec.name).Help(spec.help).Register(registry);
          int decisions =
              spec.id == MetricId::kErrors || spec.process_wide ? kModeCount + 1 : kModeCount;
          for (int d = spec.process_wide ? kNoDecision : 0; d < decisions; ++d) {
            if (spec.labels.empty()) {
              counters[m][d].push_back(&family.Add({{"decision", decisionLabel(d)}}));
            } else {
              for (const char* v : spec.label_values) {
                counters[m][d].push_back(
                    &family.Add({{"decision", decisionLabel(d)}, {spec.labels[0], v}}));
              }
            }
          }
          break;
        }
        case MetricType::kGauge: {
          auto& family =
              prometheus::BuildGauge().Name(spec.name).Help(spec.help).Register(registry);
          if (spec.process_wide) {
            gauges[m][kNoDecision] = &family.Add({{"decision", decisionLabel(kNoDecision)}});
            break;
          }
          for (int d = 0; d < kModeCount; ++d) {
            gauges[m][d] = &family.Add({{"decision", decisionLabel(d)}});
          }
          break;
        }
        case MetricType::kHistogram: {
          auto& family =
              prometheus::BuildHistogram().Name(spec.name).Help(spec.help).Register(registry);
          for (int d = 0; d < kModeCount; ++d) {
            histograms[m][d] = &family.Add({{"decision", decisionLabel(d)}},
                                           prometheus::Histogram::BucketBoundaries(spec.buckets));
          }
          break;
        }
      }
    }
  }

  void add(MetricId id, int d, double v, std::size_t label_index = 0) {
    if (v <= 0) return;  // counters only grow; a negative delta is a caller bug, ignored
    counters[static_cast<std::size_t>(id)][d][label_index]->Increment(v);
  }
  prometheus::Gauge& gauge(MetricId id, engine::Mode d) {
    return *gauges[static_cast<std::size_t>(id)][static_cast<int>(d)];
  }
  void error(int d, std::string_view kind) {
    const auto& values = metricSpec(MetricId::kErrors).label_values;
    std::size_t index = values.size() - 1;  // "internal"
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (kind == values[i]) index = i;
    }
    add(MetricId::kErrors, d, 1, index);
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::observeEngineStats(engine::Mode decision, const engine::EngineStats& delta) {
  int d = static_cast<int>(decision);
  auto v = [](long long x) { return static_cast<double>(x); };
  impl_->add(MetricId::kPartialResultsDropped, d, v(delta.partial_results_dropped));
  impl_->add(MetricId::kDuplicatesDetected, d, v(delta.duplicates_detected));
  impl_->add(MetricId::kOrphanedResultsFlushed, d, v(delta.orphaned_results_flushed));
  impl_->add(MetricId::kTranscribeFallbackTriggered, d, v(delta.transcribe_fallback_triggered));
  impl_->add(MetricId::kDiscrepancies, d, v(delta.discrepancies));
  impl_->add(MetricId::kDiscrepancyWarnings, d, v(delta.discrepancy_warnings));
  impl_->add(MetricId::kRecognizerEvents, d, v(delta.partial_events), 0);
  impl_->add(MetricId::kRecognizerEvents, d, v(delta.final_events), 1);
  for (std::size_t k = 0; k < 5; ++k) {
    impl_->add(MetricId::kSegments, d, v(delta.segments_by_kind[k]), k);
  }
  for (long long i = 0; i < delta.invalid_events; ++i) impl_->error(d, "invalid_event");
  long long p = impl_->partial_events[d] += std::max(0LL, delta.partial_events);
  long long f = impl_->final_events[d] += std::max(0LL, delta.final_events);
  if (f > 0) {
    impl_->gauge(MetricId::kPartialToFinalRatio, decision)
        .Set(static_cast<double>(p) / static_cast<double>(f));
  }
}

void Metrics::observeWordLatency(engine::Mode d, double seconds) {
  if (!std::isfinite(seconds)) return;
  impl_->histograms[static_cast<std::size_t>(MetricId::kWordLatency)][static_cast<int>(d)]->Observe(
      seconds);
}

void Metrics::observeProcessingLatency(engine::Mode d, double seconds) {
  if (!std::isfinite(seconds)) return;
  impl_->histograms[static_cast<std::size_t>(MetricId::kProcessingLatency)][static_cast<int>(d)]
      ->Observe(seconds);
}

void Metrics::sessionStarted(engine::Mode d) {
  impl_->add(MetricId::kSessionsStarted, static_cast<int>(d), 1);
  impl_->gauge(MetricId::kSessionsActive, d).Increment();
}

void Metrics::sessionEnded(engine::Mode d) {
  impl_->gauge(MetricId::kSessionsActive, d).Decrement();
}
void Metrics::listenerJoined(engine::Mode d) { impl_->gauge(MetricId::kListeners, d).Increment(); }
void Metrics::listenerLeft(engine::Mode d) { impl_->gauge(MetricId::kListeners, d).Decrement(); }
void Metrics::complaint(engine::Mode d) {
  impl_->add(MetricId::kListenerComplaints, static_cast<int>(d), 1);
}
void Metrics::complaintRejected(engine::Mode d, std::string_view reason) {
  const auto& values = metricSpec(MetricId::kListenerComplaintsRejected).label_values;
  std::size_t index = 0;  // "invalid_input"
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (reason == values[i]) index = i;
  }
  impl_->add(MetricId::kListenerComplaintsRejected, static_cast<int>(d), 1, index);
}
void Metrics::captionsCoalesced(engine::Mode d, long long segments) {
  if (segments > 0) {
    impl_->add(MetricId::kCaptionsCoalesced, static_cast<int>(d), static_cast<double>(segments));
  }
}
void Metrics::lineRevision(engine::Mode d, const LineRevisionFigures& f) {
  const int side = static_cast<int>(d);
  impl_->add(MetricId::kCaptionRevisions, side, 1);
  if (f.erased_tokens > 0) {
    impl_->add(MetricId::kCaptionErasedTokens, side, static_cast<double>(f.erased_tokens));
  }
  if (f.settled_changed) impl_->add(MetricId::kStablePrefixChanges, side, 1);
  if (f.spoken_mismatch) impl_->add(MetricId::kSpokenMismatches, side, 1);
  if (f.final_tokens > 0) {
    impl_->add(MetricId::kCaptionFinalTokens, side, static_cast<double>(f.final_tokens));
  }
  auto* h = impl_->histograms[static_cast<std::size_t>(MetricId::kCaptionTimeToStable)][side];
  for (double v : f.time_to_stable) h->Observe(v);
}
void Metrics::error(engine::Mode d, std::string_view kind) {
  impl_->error(static_cast<int>(d), kind);
}
void Metrics::error(std::string_view kind) { impl_->error(kNoDecision, kind); }

void Metrics::connectionOpened() {
  impl_->gauges[static_cast<std::size_t>(MetricId::kConnectionsOpen)][kNoDecision]->Increment();
}
void Metrics::connectionClosed() {
  impl_->gauges[static_cast<std::size_t>(MetricId::kConnectionsOpen)][kNoDecision]->Decrement();
}
void Metrics::connectionRejected(std::string_view reason) {
  const auto& values = metricSpec(MetricId::kConnectionsRejected).label_values;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (reason == values[i]) impl_->add(MetricId::kConnectionsRejected, kNoDecision, 1, i);
  }
}

std::string Metrics::exposition() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry.Collect());
  return out.str();
}

std::string Metrics::emfLines(long long unix_ms) {
  std::lock_guard lock(impl_->emf_mu);
  auto families = impl_->registry.Collect();
  std::string out;
  for (int d = 0; d < kModeCount; ++d) {
    const std::string decision = decisionLabel(d);
    std::string declarations;
    std::string values;
    for (const MetricSpec& spec : metricTable()) {
      if (spec.type == MetricType::kHistogram || !*spec.runbook_name) continue;
      double value = 0;
      for (const auto& family : families) {
        if (family.name != spec.name) continue;
        for (const auto& metric : family.metric) {
          bool match = false;
          for (const auto& label : metric.label) {
            if (label.name == "decision" && label.value == decision) match = true;
          }
          if (!match) continue;
          value += spec.type == MetricType::kCounter ? metric.counter.value : metric.gauge.value;
        }
      }
      if (spec.type == MetricType::kCounter) {
        std::string key = std::string(spec.name) + "/" + decision;
        double previous = impl_->emf_last[key];
        impl_->emf_last[key] = value;
        value -= previous;
      }
      if (!declarations.empty()) declarations += ",";
      declarations += std::string("{\"Name\":\"") + spec.runbook_name + "\",\"Unit\":\"" +
                      spec.cloudwatch_unit + "\"}";
      values += std::string(",\"") + spec.runbook_name + "\":" + formatNumber(value);
    }
    out += "{\"_aws\":{\"Timestamp\":" + std::to_string(unix_ms) +
           ",\"CloudWatchMetrics\":[{\"Namespace\":\"" + kEmfNamespace +
           "\",\"Dimensions\":[[\"decision\"]],\"Metrics\":[" + declarations +
           "]}]},\"decision\":\"" + decision + "\"" + values + "}\n";
  }
  return out;
}

}  // namespace parley::obs
