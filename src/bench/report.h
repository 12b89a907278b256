// The reports of `parley bench`: report.json (schema "parley-bench/1", documented in
// docs/bench.md), report.md (tables) and report.html (the same tables plus SVG charts: the word
// latency distribution per mode and a timeline of one utterance showing partial hypotheses,
// forwarded segments and finals). Also the schema check used by the tests and `make test`.
#pragma once

#include <string>
#include <vector>

#include "bench/runner.h"
#include "core/result.h"

namespace parley::bench {

inline constexpr const char* kReportSchema = "parley-bench/1";

// What the run was, for the report header.
struct ReportMeta {
  std::string corpus;  // "recorded now" or the committed corpus directory
  bool quick = false;
  std::string generated_by = "parley bench";
  int aws_stable_k = 0;
  double wall_seconds = 0;  // how long the run took (informational)
};

std::string reportJson(const BenchResult& result, const ReportMeta& meta);
std::string reportMarkdown(const BenchResult& result, const ReportMeta& meta);
std::string reportHtml(const BenchResult& result, const ReportMeta& meta);
// A short plain-text summary for the terminal: parley's targets on real speech and the modes'
// p50/p95/disagreement per group.
std::string summaryText(const BenchResult& result);
// Writes report.json, report.md and report.html into `dir` (created if needed).
core::Status writeReports(const std::string& dir, const BenchResult& result,
                          const ReportMeta& meta);

// Checks report.json text against the documented schema: every required key present with the
// right type, every group and mode of `figures` known. Returns every problem found.
std::vector<std::string> checkReportSchema(const std::string& json_text);

}  // namespace parley::bench
