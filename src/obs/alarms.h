// The runbook's five alarms (docs/alarms.md, "Alarms"), declared once in alarmTable() and used
// three ways: evaluated in-process over SignalWindows (AlarmEvaluator, pure, time passed in),
// rendered as the JSON the server serves at GET /api/alarms (alarmsJson), and exported as
// Prometheus alerting rules over the metric names of metric_table.h (prometheusRulesYaml), so
// a Prometheus server alerts on the same conditions. Missing data (no observation in a period)
// never breaches, as in CloudWatch's "treat missing data as not breaching" and Prometheus'
// empty vectors.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "obs/windows.h"

namespace parley::obs {

enum class AlarmSignal {
  kLatencyP95,  // p95 of parley_word_latency_seconds over the period, per decision
  kDropped,     // parley_partial_results_dropped_total growth, per decision
  kOrphaned,    // parley_orphaned_results_flushed_total growth, per decision
  kFallback,    // parley_transcribe_fallback_triggered_total growth, per decision
  kErrors,      // parley_errors_total growth, all decisions together
  kErasure,     // caption lines: erased tokens / final tokens over the period, per decision
};

enum class Comparison { kGreater, kGreaterOrEqual };
const char* comparisonSymbol(Comparison c);  // ">" | ">="

struct AlarmSpec {
  const char* name;          // parley's alarm name, e.g. "latency-high"
  const char* alert;         // Prometheus alert name, e.g. "ParleyLatencyHigh"
  const char* runbook_name;  // the old system's CloudWatch alarm name
  AlarmSignal signal;
  Comparison op;
  double threshold;
  double period_s;  // length of one evaluation period
  int periods;      // consecutive periods that must all breach ("2 of 2")
  bool per_decision;
  const char* severity;  // "critical" | "warning"
  const char* summary;   // one line, static (also the Prometheus annotation)
};

std::span<const AlarmSpec> alarmTable();
const AlarmSpec* findAlarm(std::string_view name);

struct AlarmState {
  const AlarmSpec* spec = nullptr;
  std::string decision;  // "partial" | "final_only" | "all"
  bool firing = false;
  // One value per period, newest first: period i covers (now-(i+1)*P, now-i*P]. NaN when the
  // period holds no observation (latency) - never breaching.
  std::vector<double> values;
  std::optional<double> since;  // when the alarm started firing (evaluator clock)
};

// Evaluates alarmTable() over SignalWindows. Remembers when each alarm started firing; that
// memory is its only state. Not thread-safe.
class AlarmEvaluator {
 public:
  std::vector<AlarmState> evaluate(const SignalWindows& windows, double now);

 private:
  std::vector<std::optional<double>> since_;
};

// {"evaluated_at": now, "firing": N, "alarms": [{name, alert, runbook_name, decision, state
// ("ALARM"|"OK"), metric, op, threshold, period_s, periods, values, since, severity,
// summary}, ...]}. Values that are NaN are written as null.
std::string alarmsJson(const std::vector<AlarmState>& states, double now);

// A Prometheus rule file (one group, one alerting rule per alarm and no `for:`; "N of N
// periods" is spelled with `offset`), accepted by `promtool check rules`.
std::string prometheusRulesYaml();

// The PromQL expression of one alarm (used by prometheusRulesYaml and docs).
std::string prometheusExpr(const AlarmSpec& spec);

}  // namespace parley::obs
