// The catalogue of stable structured-log event names: which module writes each, at what
// level, and which of the runbook's search strings its message carries, so operators can keep
// grepping for "Transcribe service appears unhealthy" and friends. Declared once here and
// listed in docs/metrics.md; modules below obs (engine, flags) cannot include this header, so
// it is the contract their log lines are reviewed and tested against.
#pragma once

#include <span>

namespace parley::obs {

struct LogEventSpec {
  const char* event;          // the `event` field: stable, snake_case
  const char* level;          // DEBUG | INFO | WARN | ERROR
  const char* module;         // who writes it
  const char* search_string;  // runbook search string carried by `message`, or ""
  const char* meaning;
};

std::span<const LogEventSpec> logEventTable();

}  // namespace parley::obs
