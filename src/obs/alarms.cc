#include "obs/alarms.h"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "core/log.h"

namespace parley::obs {
namespace {

const AlarmSpec kAlarms[] = {
    {"latency-high", "ParleyLatencyHigh", "audio-transcription-latency-high",
     AlarmSignal::kLatencyP95, Comparison::kGreater, kLatencyAlarmThreshold, 300, 2, true,
     "warning", "End-to-end word latency p95 above 5 s in 2 consecutive 5-minute periods"},
    {"rate-limit-high", "ParleyRateLimitHigh", "audio-transcription-rate-limit-high",
     AlarmSignal::kDropped, Comparison::kGreater, 100, 60, 2, true, "warning",
     "More than 100 partial results dropped per minute in 2 consecutive minutes"},
    {"orphaned-results-high", "ParleyOrphanedResultsHigh",
     "audio-transcription-orphaned-results-high", AlarmSignal::kOrphaned, Comparison::kGreater, 10,
     300, 2, true, "warning",
     "More than 10 orphaned results flushed per 5 minutes in 2 consecutive periods"},
    {"transcribe-fallback", "ParleyTranscribeFallback", "audio-transcription-transcribe-fallback",
     AlarmSignal::kFallback, Comparison::kGreaterOrEqual, 1, 300, 1, true, "warning",
     "A session fell back to final-only: the recognizer went silent while audio kept arriving"},
    {"errors-high", "ParleyErrorsHigh", "audio-transcription-lambda-errors", AlarmSignal::kErrors,
     Comparison::kGreater, 5, 300, 1, false, "critical", "More than 5 errors in 5 minutes"},
    // Not in the old runbook (it had no caption lines). The bound is twice the bench's erasure
    // target (0.20, docs/bench.md): flicker well beyond what the display policy was chosen for.
    {"caption-erasure-high", "ParleyCaptionErasureHigh", "none", AlarmSignal::kErasure,
     Comparison::kGreater, 0.4, 300, 2, true, "warning",
     "Caption lines took back more than 0.4 tokens per final token (normalized erasure) in 2 "
     "consecutive 5-minute periods"},
};

const char* metricOf(AlarmSignal s) {
  switch (s) {
    case AlarmSignal::kLatencyP95:
      return "parley_word_latency_seconds";
    case AlarmSignal::kDropped:
      return "parley_partial_results_dropped_total";
    case AlarmSignal::kOrphaned:
      return "parley_orphaned_results_flushed_total";
    case AlarmSignal::kFallback:
      return "parley_transcribe_fallback_triggered_total";
    case AlarmSignal::kErrors:
      return "parley_errors_total";
    case AlarmSignal::kErasure:
      return "parley_caption_erased_tokens_total";
  }
  return "";
}

bool breaches(const AlarmSpec& spec, double v) {
  if (std::isnan(v)) return false;
  return spec.op == Comparison::kGreater ? v > spec.threshold : v >= spec.threshold;
}

double periodValue(const AlarmSpec& spec, const SignalWindows& w, const std::string& decision,
                   double from, double to) {
  engine::Mode d = engine::Mode::kPartial;
  parseModeLabel(decision, &d);
  switch (spec.signal) {
    case AlarmSignal::kLatencyP95:
      return w.wordLatency(d).quantile(0.95, from, to);
    case AlarmSignal::kDropped:
      return w.sum(Signal::kDropped, d, from, to);
    case AlarmSignal::kOrphaned:
      return w.sum(Signal::kOrphaned, d, from, to);
    case AlarmSignal::kFallback:
      return w.sum(Signal::kFallback, d, from, to);
    case AlarmSignal::kErrors:
      return w.errorsAll(from, to);
    case AlarmSignal::kErasure: {
      const double finals = w.sum(Signal::kFinalTokens, d, from, to);
      if (finals <= 0) return std::nan("");  // no final line: no data, never breaching
      return w.sum(Signal::kErasedTokens, d, from, to) / finals;
    }
  }
  return std::nan("");
}

std::string formatNumber(double v) {
  if (std::isnan(v)) return "null";
  if (std::isinf(v)) return v > 0 ? "1e308" : "-1e308";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string duration(double seconds) {
  char buf[32];
  if (std::fmod(seconds, 3600) == 0)
    std::snprintf(buf, sizeof buf, "%gh", seconds / 3600);
  else if (std::fmod(seconds, 60) == 0)
    std::snprintf(buf, sizeof buf, "%gm", seconds / 60);
  else
    std::snprintf(buf, sizeof buf, "%gs", seconds);
  return buf;
}

}  // namespace

const char* comparisonSymbol(Comparison c) { return c == Comparison::kGreater ? ">" : ">="; }

std::span<const AlarmSpec> alarmTable() { return kAlarms; }

const AlarmSpec* findAlarm(std::string_view name) {
  for (const auto& a : kAlarms) {
    if (name == a.name || name == a.alert || name == a.runbook_name) return &a;
  }
  return nullptr;
}

std::vector<AlarmState> AlarmEvaluator::evaluate(const SignalWindows& windows, double now) {
  std::vector<AlarmState> out;
  std::size_t slot = 0;
  for (const auto& spec : kAlarms) {
    std::vector<std::string> decisions;
    if (spec.per_decision) {
      decisions = {modeLabel(engine::Mode::kPartial), modeLabel(engine::Mode::kFinalOnly)};
    } else {
      decisions = {"all"};
    }
    for (const auto& decision : decisions) {
      AlarmState st;
      st.spec = &spec;
      st.decision = decision;
      st.firing = true;
      for (int i = 0; i < spec.periods; ++i) {
        double to = now - i * spec.period_s;
        double v = periodValue(spec, windows, decision, to - spec.period_s, to);
        st.values.push_back(v);
        if (!breaches(spec, v)) st.firing = false;
      }
      if (since_.size() <= slot) since_.resize(slot + 1);
      if (st.firing && !since_[slot]) {
        since_[slot] = now;
        core::log::warn("alarm_firing", "",
                        std::string("Alarm ") + spec.name + " firing: " + spec.summary,
                        {{"alarm", spec.name}, {"decision", decision}});
      } else if (!st.firing && since_[slot]) {
        since_[slot].reset();
        core::log::info("alarm_cleared", "", std::string("Alarm ") + spec.name + " cleared",
                        {{"alarm", spec.name}, {"decision", decision}});
      }
      st.since = since_[slot];
      out.push_back(std::move(st));
      ++slot;
    }
  }
  return out;
}

std::string alarmsJson(const std::vector<AlarmState>& states, double now) {
  int firing = 0;
  std::string alarms;
  for (const auto& st : states) {
    if (st.firing) ++firing;
    const AlarmSpec& s = *st.spec;
    if (!alarms.empty()) alarms += ",";
    std::string values;
    for (double v : st.values) values += (values.empty() ? "" : ",") + formatNumber(v);
    alarms += std::string("{\"name\":\"") + s.name + "\",\"alert\":\"" + s.alert +
              "\",\"runbook_name\":\"" + s.runbook_name + "\",\"decision\":\"" + st.decision +
              "\",\"state\":\"" + (st.firing ? "ALARM" : "OK") + "\",\"metric\":\"" +
              metricOf(s.signal) + "\",\"statistic\":\"" +
              (s.signal == AlarmSignal::kLatencyP95 ? "p95"
               : s.signal == AlarmSignal::kErasure  ? "ratio"
                                                    : "sum") +
              "\",\"op\":\"" + comparisonSymbol(s.op) +
              "\",\"threshold\":" + formatNumber(s.threshold) +
              ",\"period_s\":" + formatNumber(s.period_s) +
              ",\"periods\":" + std::to_string(s.periods) + ",\"values\":[" + values +
              "],\"since\":" + (st.since ? formatNumber(*st.since) : "null") + ",\"severity\":\"" +
              s.severity + "\",\"summary\":\"" + core::log::jsonEscape(s.summary) + "\"}";
  }
  return "{\"evaluated_at\":" + formatNumber(now) + ",\"firing\":" + std::to_string(firing) +
         ",\"alarms\":[" + alarms + "]}";
}

std::string prometheusExpr(const AlarmSpec& spec) {
  const std::string metric = metricOf(spec.signal);
  const std::string window = duration(spec.period_s);
  const std::string by = spec.per_decision ? "sum by (decision) " : "sum ";
  char threshold[32];
  std::snprintf(threshold, sizeof threshold, "%g", spec.threshold);
  auto one = [&](int period) {
    std::string offset = period == 0 ? "" : " offset " + duration(period * spec.period_s);
    std::string value;
    if (spec.signal == AlarmSignal::kLatencyP95) {
      value = "histogram_quantile(0.95, sum by (decision, le) (rate(" + metric + "_bucket[" +
              window + "]" + offset + ")))";
    } else if (spec.signal == AlarmSignal::kErasure) {
      // Periods without a final token have no ratio (the denominator's `> 0` drops them).
      value = by + "(increase(" + metric + "[" + window + "]" + offset + ")) / (" + by +
              "(increase(parley_caption_final_tokens_total[" + window + "]" + offset + ")) > 0)";
    } else {
      value = by + "(increase(" + metric + "[" + window + "]" + offset + "))";
    }
    return value + " " + comparisonSymbol(spec.op) + " " + threshold;
  };
  std::string expr = one(0);
  for (int i = 1; i < spec.periods; ++i) expr += "\n  and\n" + one(i);
  return expr;
}

std::string prometheusRulesYaml() {
  std::string out =
      "# parley alerting rules: the runbook's alarms over parley's metrics.\n"
      "# Generated by `parley alarms --prometheus-rules`; see docs/alarms.md.\n"
      "groups:\n"
      "  - name: parley-alarms\n"
      "    rules:\n";
  for (const auto& spec : kAlarms) {
    std::string expr = prometheusExpr(spec);
    std::string indented;
    for (char c : expr) {
      indented.push_back(c);
      if (c == '\n') indented += "          ";
    }
    out += std::string("      - alert: ") + spec.alert + "\n" + "        expr: |\n          " +
           indented + "\n" + "        labels:\n" + "          severity: " + spec.severity + "\n" +
           "          alarm: " + spec.name + "\n" + "        annotations:\n" +
           "          summary: \"" + spec.summary + "\"\n" +
           "          runbook_alarm: " + spec.runbook_name + "\n";
  }
  return out;
}

}  // namespace parley::obs
