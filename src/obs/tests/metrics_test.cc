#include "obs/metrics.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "obs/metric_table.h"

namespace parley::obs {
namespace {

engine::EngineStats sampleDelta() {
  engine::EngineStats d;
  d.partial_events = 30;
  d.final_events = 6;
  d.segments_by_kind[0] = 9;
  d.segments_by_kind[1] = 6;
  d.partial_results_dropped = 4;
  d.duplicates_detected = 2;
  d.orphaned_results_flushed = 1;
  d.transcribe_fallback_triggered = 1;
  d.discrepancies = 3;
  d.discrepancy_warnings = 1;
  d.invalid_events = 2;
  return d;
}

void observeEverything(Metrics& m, engine::Mode d) {
  m.observeEngineStats(d, sampleDelta());
  m.observeWordLatency(d, 0.4);
  m.observeWordLatency(d, 6.5);
  m.observeProcessingLatency(d, 0.003);
  m.sessionStarted(d);
  m.listenerJoined(d);
  m.complaint(d);
  m.complaintRejected(d, "no_listener_key");
  m.captionsCoalesced(d, 2);
  m.error(d, "tts");
}

// The sample line of a series, e.g. value of `name{decision="partial"}`; -1 when absent.
double sampleValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(MetricTable, NamesAreUniqueAndFollowPrometheusConventions) {
  std::set<std::string> names;
  int i = 0;
  for (const MetricSpec& spec : metricTable()) {
    EXPECT_EQ(static_cast<int>(spec.id), i++) << spec.name;
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
    std::string name = spec.name;
    EXPECT_EQ(name.rfind("parley_", 0), 0u) << name;
    bool total = name.size() > 6 && name.substr(name.size() - 6) == "_total";
    EXPECT_EQ(total, spec.type == MetricType::kCounter) << name;
    EXPECT_STRNE(spec.help, "");
    EXPECT_STRNE(spec.unit, "");
    if (spec.type == MetricType::kHistogram) {
      EXPECT_NE(name.find("_seconds"), std::string::npos) << name;
      for (std::size_t b = 1; b < spec.buckets.size(); ++b) {
        EXPECT_LT(spec.buckets[b - 1], spec.buckets[b]) << name;
      }
    }
  }
  EXPECT_EQ(static_cast<int>(names.size()), kMetricCount);
}

TEST(MetricTable, LatencyThresholdsAreBucketBounds) {
  const auto& buckets = metricSpec(MetricId::kWordLatency).buckets;
  for (double threshold : {5.0, 7.0}) {
    EXPECT_NE(std::find(buckets.begin(), buckets.end(), threshold), buckets.end()) << threshold;
  }
}

TEST(Metrics, ExpositionHasEveryMetricWithBothDecisions) {
  Metrics m;
  observeEverything(m, engine::Mode::kPartial);
  observeEverything(m, engine::Mode::kFinalOnly);
  const std::string text = m.exposition();
  for (const MetricSpec& spec : metricTable()) {
    EXPECT_NE(text.find(std::string("# TYPE ") + spec.name + " " + metricTypeName(spec.type)),
              std::string::npos)
        << spec.name;
    EXPECT_NE(text.find(std::string("# HELP ") + spec.name), std::string::npos) << spec.name;
    std::vector<const char*> decisions = {"partial", "final_only"};
    if (spec.process_wide) decisions = {"none"};
    for (const char* decision : decisions) {
      std::string series = std::string(spec.name) +
                           (spec.type == MetricType::kHistogram ? "_count" : "") + "{decision=\"" +
                           decision + "\"";
      EXPECT_NE(text.find(series), std::string::npos) << series;
    }
    if (spec.process_wide) {
      EXPECT_EQ(text.find(std::string(spec.name) + "{decision=\"partial\""), std::string::npos)
          << spec.name;
    }
  }
}

TEST(Metrics, ConnectionsAreProcessWide) {
  Metrics m;
  m.connectionOpened();
  m.connectionOpened();
  m.connectionClosed();
  m.connectionRejected("per_client");
  m.connectionRejected("per_client");
  m.connectionRejected("descriptors");
  m.connectionRejected("tls_handshake");
  m.connectionRejected("no-such-reason");
  const std::string text = m.exposition();
  EXPECT_EQ(sampleValue(text, "parley_connections_open{decision=\"none\"}"), 1);
  EXPECT_EQ(sampleValue(
                text, "parley_connections_rejected_total{decision=\"none\",reason=\"per_client\"}"),
            2);
  EXPECT_EQ(
      sampleValue(text,
                  "parley_connections_rejected_total{decision=\"none\",reason=\"descriptors\"}"),
      1);
  EXPECT_EQ(
      sampleValue(text,
                  "parley_connections_rejected_total{decision=\"none\",reason=\"tls_handshake\"}"),
      1);
  EXPECT_EQ(
      sampleValue(text, "parley_connections_rejected_total{decision=\"none\",reason=\"total\"}"),
      0);
}

TEST(Metrics, CountersAddEngineDeltas) {
  Metrics m;
  m.observeEngineStats(engine::Mode::kPartial, sampleDelta());
  m.observeEngineStats(engine::Mode::kPartial, sampleDelta());
  const std::string text = m.exposition();
  EXPECT_EQ(sampleValue(text, "parley_partial_results_dropped_total{decision=\"partial\"}"), 8);
  EXPECT_EQ(sampleValue(text, "parley_partial_results_dropped_total{decision=\"final_only\"}"), 0);
  EXPECT_EQ(sampleValue(text, "parley_duplicates_detected_total{decision=\"partial\"}"), 4);
  EXPECT_EQ(sampleValue(text, "parley_orphaned_results_flushed_total{decision=\"partial\"}"), 2);
  EXPECT_EQ(sampleValue(text, "parley_transcribe_fallback_triggered_total{decision=\"partial\"}"),
            2);
  EXPECT_EQ(sampleValue(text, "parley_discrepancies_total{decision=\"partial\"}"), 6);
  EXPECT_EQ(
      sampleValue(text, "parley_recognizer_events_total{decision=\"partial\",kind=\"partial\"}"),
      60);
  EXPECT_EQ(sampleValue(text, "parley_segments_total{decision=\"partial\",kind=\"final\"}"), 12);
  EXPECT_EQ(sampleValue(text, "parley_errors_total{decision=\"partial\",kind=\"invalid_event\"}"),
            4);
  EXPECT_EQ(sampleValue(text, "parley_partial_to_final_ratio{decision=\"partial\"}"), 5);
}

TEST(Metrics, GaugesAndErrorKinds) {
  Metrics m;
  m.sessionStarted(engine::Mode::kFinalOnly);
  m.sessionStarted(engine::Mode::kFinalOnly);
  m.sessionEnded(engine::Mode::kFinalOnly);
  m.listenerJoined(engine::Mode::kPartial);
  m.listenerJoined(engine::Mode::kPartial);
  m.listenerLeft(engine::Mode::kPartial);
  m.error(engine::Mode::kPartial, "no-such-kind");
  m.error("storage");
  const std::string text = m.exposition();
  EXPECT_EQ(sampleValue(text, "parley_sessions_active{decision=\"final_only\"}"), 1);
  EXPECT_EQ(sampleValue(text, "parley_sessions_started_total{decision=\"final_only\"}"), 2);
  EXPECT_EQ(sampleValue(text, "parley_listeners{decision=\"partial\"}"), 1);
  EXPECT_EQ(sampleValue(text, "parley_errors_total{decision=\"partial\",kind=\"internal\"}"), 1);
  EXPECT_EQ(sampleValue(text, "parley_errors_total{decision=\"none\",kind=\"storage\"}"), 1);
}

TEST(Metrics, RejectedComplaintsByReason) {
  Metrics m;
  m.complaintRejected(engine::Mode::kPartial, "no_listener_key");
  m.complaintRejected(engine::Mode::kPartial, "no_listener_key");
  m.complaintRejected(engine::Mode::kPartial, "repeated");
  m.complaintRejected(engine::Mode::kFinalOnly, "who-knows");  // unknown reason: invalid_input
  const std::string text = m.exposition();
  const std::string name = "parley_listener_complaints_rejected_total";
  EXPECT_EQ(sampleValue(text, name + "{decision=\"partial\",reason=\"no_listener_key\"}"), 2);
  EXPECT_EQ(sampleValue(text, name + "{decision=\"partial\",reason=\"repeated\"}"), 1);
  EXPECT_EQ(sampleValue(text, name + "{decision=\"partial\",reason=\"not_a_listener\"}"), 0);
  EXPECT_EQ(sampleValue(text, name + "{decision=\"final_only\",reason=\"invalid_input\"}"), 1);
  // Rejected complaints are not complaints.
  EXPECT_EQ(sampleValue(text, "parley_listener_complaints_total{decision=\"partial\"}"), 0);
}

TEST(Metrics, CoalescedCaptionsCountSegmentsPerDecision) {
  Metrics m;
  m.captionsCoalesced(engine::Mode::kPartial, 3);
  m.captionsCoalesced(engine::Mode::kPartial, 0);  // nothing merged: no change
  m.captionsCoalesced(engine::Mode::kFinalOnly, 1);
  const std::string text = m.exposition();
  EXPECT_EQ(sampleValue(text, "parley_captions_coalesced_total{decision=\"partial\"}"), 3);
  EXPECT_EQ(sampleValue(text, "parley_captions_coalesced_total{decision=\"final_only\"}"), 1);
}

TEST(Metrics, WordLatencyHistogramBuckets) {
  Metrics m;
  for (double s : {0.3, 4.0, 5.0, 6.0, 8.0}) m.observeWordLatency(engine::Mode::kPartial, s);
  const std::string text = m.exposition();
  const std::string base = "parley_word_latency_seconds_bucket{decision=\"partial\",le=\"";
  EXPECT_EQ(sampleValue(text, base + "0.5\"}"), 1);
  EXPECT_EQ(sampleValue(text, base + "5\"}"), 3);  // le is inclusive
  EXPECT_EQ(sampleValue(text, base + "7\"}"), 4);
  EXPECT_EQ(sampleValue(text, base + "+Inf\"}"), 5);
  EXPECT_EQ(sampleValue(text, "parley_word_latency_seconds_count{decision=\"partial\"}"), 5);
  EXPECT_DOUBLE_EQ(sampleValue(text, "parley_word_latency_seconds_sum{decision=\"partial\"}"),
                   23.3);
}

TEST(Metrics, StatsDeltaSubtractsEveryCounter) {
  engine::EngineStats before = sampleDelta();
  engine::EngineStats after = sampleDelta();
  after.partial_results_dropped += 7;
  after.segments_by_kind[2] += 1;
  after.invalid_events += 3;
  engine::EngineStats d = statsDelta(after, before);
  EXPECT_EQ(d.partial_results_dropped, 7);
  EXPECT_EQ(d.segments_by_kind[2], 1);
  EXPECT_EQ(d.invalid_events, 3);
  EXPECT_EQ(d.partial_events, 0);
}

TEST(Metrics, EmfLinesCarryCounterGrowth) {
  Metrics m;
  m.observeEngineStats(engine::Mode::kPartial, sampleDelta());
  std::istringstream first(m.emfLines(1700000000000));
  std::string line;
  int lines = 0;
  while (std::getline(first, line)) {
    ++lines;
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["_aws"]["Timestamp"], 1700000000000LL);
    EXPECT_EQ(j["_aws"]["CloudWatchMetrics"][0]["Namespace"], "AudioTranscription/PartialResults");
    double dropped = j["PartialResultsDropped"];
    EXPECT_EQ(dropped, j["decision"] == "partial" ? 4 : 0);
  }
  EXPECT_EQ(lines, 2);
  std::istringstream second(m.emfLines(1700000060000));
  std::getline(second, line);
  EXPECT_EQ(nlohmann::json::parse(line)["PartialResultsDropped"], 0);  // growth, not totals
}

}  // namespace
}  // namespace parley::obs
