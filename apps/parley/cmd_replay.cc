// parley replay: runs the partial-results engine over a recorded trace in virtual time and
// prints the forwarded segments as JSON lines (docs/trace-format.md). The loop itself lives in
// replay::replayTrace, shared with the golden tests and the bench.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "command.h"
#include "core/log.h"
#include "engine/config.h"
#include "engine_settings.h"
#include "ingest/trace.h"
#include "replay/replay.h"

namespace parley::app {
namespace {

constexpr const char* kName = "replay";

void printHelp() {
  std::printf(
      "Usage: parley replay TRACE|- [options]\n"
      "\n"
      "Replays a recorded recognizer trace through the partial-results engine, in the trace's\n"
      "virtual time, and prints every forwarded segment as one JSON object a line on stdout:\n"
      "  {\"session_id\",\"seq\",\"result_id\",\"text\",\"kind\",\"audio_start\",\"audio_end\",\n"
      "   \"emitted_at\",\"reason\"}\n"
      "Engine notices go to stderr as log records, then one summary line:\n"
      "  replay: events=N segments=N words=N latency_mean=S p50=S p95=S (session ID, mode M)\n"
      "where word latency = segment emitted_at - the word's audio end time (words, not "
      "punctuation).\n"
      "The same trace and options give byte-identical stdout.\n"
      "\n"
      "Options:\n"
      "  --mode partial|final-only  starting mode (default partial)\n"
      "  --config FILE.toml         engine settings: flat `key = value` lines or an [engine] "
      "table\n"
      "  --set KEY=VALUE            one engine setting; repeatable; wins over --config\n"
      "  --session-id ID            session id (default: the trace header's, else \"replay\")\n"
      "  --help                     this text\n"
      "Settings precedence: defaults < environment variables < --config < --set.\n"
      "\n"
      "Trace format (JSON lines; docs/trace-format.md has the details):\n"
      "  {\"parley_trace\":1,\"session_id\":\"...\",\"source\":\"...\",\"audio\":\"...\"}  "
      "optional "
      "header, first line\n"
      "  {\"t\":1.2,\"event\":{\"result_id\":\"r1\",\"is_partial\":true,\"start\":0,\"end\":1.1,\n"
      "     \"stability\":0.9,\"words\":[{\"text\":\"hi\",\"start\":0.1,\"end\":0.4,"
      "\"kind\":\"word\",\"stable\":true}]}}\n"
      "  {\"t\":1.2,\"event\":{\"Transcript\":{\"Results\":[...]}}}  AWS Transcribe "
      "TranscriptEvent (also wrapped\n"
      "     as {\"TranscriptEvent\":{...}}); every entry of Results[] is one event\n"
      "  {\"Transcript\":{\"Results\":[...]}}   a bare TranscriptEvent: arrives at each result's "
      "EndTime\n"
      "  {\"t\":1.5,\"audio\":1.5}               audio received up to 1.5 s of stream\n"
      "  {\"t\":5,\"mode\":\"final-only\"}         switch the session's mode (kill switch)\n"
      "  {\"t\":5,\"flag\":{\"enabled\":false}}    flag change, merged into "
      "{\"enabled\":true,\"rollout_percentage\":100};\n"
      "     the session stays partial while enabled && bucket(session) < rollout_percentage;\n"
      "     once out it stays out (sticky)\n"
      "  `t` is the arrival time in seconds; lines are processed in file order and a `t` that "
      "goes\n"
      "  backwards is clamped to the previous one. Bad lines are reported with their line number\n"
      "  on stderr and skipped.\n"
      "\n"
      "Environment:\n"
      "  PARTIAL_RESULTS_ENABLED=true|1|yes|on|false|0|no|off  kill switch: false, 0, no or off\n"
      "                             (any case) forces final-only for the whole replay\n");
  for (const auto& k : engine::configKeys()) {
    if (k.env) std::printf("  %-26s %s\n", k.env, k.name);
  }
  std::printf(
      "  LOG_LEVEL=DEBUG|INFO|WARN|ERROR, STRUCTURED_LOGGING=true|false  stderr log records\n"
      "\n"
      "Engine settings (--set / --config keys):\n");
  for (const auto& k : engine::configKeys()) {
    engine::EngineConfig defaults;
    std::printf("  %-24s default %-16s %s\n", k.name, getConfigValue(defaults, k.name).c_str(),
                k.meaning);
  }
  std::printf(
      "\n"
      "Exit status: 0 ok; 1 some trace lines were rejected (everything else is still printed)\n"
      "or the input could not be read to the end; 2 usage error, unknown or out-of-range\n"
      "setting, bad --mode, bad environment value, missing trace file.\n"
      "\n"
      "Examples:\n"
      "  parley replay tests/golden/pause/input.jsonl\n"
      "  parley replay trace.jsonl --mode final-only\n"
      "  cat aws_events.jsonl | parley replay - --set forward_policy=sentence\n");
}

void printLineError(const ingest::LineError& e) {
  std::fprintf(stderr, "parley replay: line %d: %s\n", e.line, e.reason.c_str());
}

int runReplay(int argc, char** argv) {
  std::string error;
  auto args = Args::parse(argc, argv,
                          {{"--mode"},
                           {"--config"},
                           {"--set", true, true},
                           {"--session-id"},
                           {"--help", false},
                           {"-h", false}},
                          &error);
  if (!args) return usageError(kName, error);
  if (args->wantsHelp()) {
    printHelp();
    return 0;
  }
  if (!args->requirePositionals(
          1, &error, "missing TRACE (a file, or - for stdin)",
          "expected one TRACE, got " + std::to_string(args->positionals().size()))) {
    return usageError(kName, error);
  }
  const std::string path = args->positionals()[0];

  replay::ReplayOptions options;
  auto settings = loadEngineSettings(*args);
  if (!settings.ok()) return usageError(kName, settings.error().message);
  options.config = settings->config;
  options.kill_switch = settings->kill_switch;
  if (auto mode = args->get("--mode")) {
    auto parsed = engine::parseMode(*mode);
    if (!parsed) return usageError(kName, "--" + parsed.error().message);
    options.mode = *parsed;
  }
  if (auto sid = args->get("--session-id")) {
    if (sid->empty()) return usageError(kName, "--session-id must not be empty");
    options.session_id = *sid;
  }
  options.collect_segments = false;

  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      return usageError(kName, "cannot read trace " + path + ": is a directory");
    }
    file.open(path, std::ios::binary);
    if (!file) {
      return usageError(kName, "cannot read trace " + path + ": " + std::strerror(errno));
    }
    in = &file;
  }

  const bool streaming = path == "-";
  replay::ReplayCallbacks callbacks;
  callbacks.on_segment = [&](const engine::Segment& s) {
    std::string line = ingest::formatSegmentJson(s);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    if (streaming) std::fflush(stdout);
  };
  callbacks.on_notice = [](const core::log::Record& r) { core::log::writeRecord(r); };
  callbacks.on_error = printLineError;

  replay::ReplayResult result = replay::replayTrace(*in, options, callbacks);
  std::fflush(stdout);
  const bool read_failed = in->bad();
  std::fprintf(stderr, "%s\n", replay::formatReplaySummary(result).c_str());
  if (read_failed) {
    std::fprintf(stderr, "parley replay: reading %s failed before its end\n", path.c_str());
    return 1;
  }
  return result.errors.empty() ? 0 : 1;
}

}  // namespace

PARLEY_COMMAND("replay", "replay a recognizer trace through the engine (virtual time)", runReplay);

}  // namespace parley::app
