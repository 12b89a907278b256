// parley replay: runs the partial-results engine over a recorded trace in virtual time and
// prints the forwarded segments as JSON lines (docs/trace-format.md), or with --lines the caption
// lines' revisions (docs/lines.md). The loop itself lives in replay::replayTrace, shared with the
// golden tests and the bench; the lines come from lines::LineFeed.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "command.h"
#include "core/log.h"
#include "engine/config.h"
#include "engine_settings.h"
#include "ingest/trace.h"
#include "lines/feed.h"
#include "lines/lines.h"
#include "replay/replay.h"
#include "translate/apertium/apertium_translator.h"

namespace parley::app {
namespace {

constexpr const char* kName = "replay";
constexpr const char* kSourceLanguage = "en";

// Target language -> apertium pair (source English).
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
      "With --lines, prints the caption lines instead (docs/lines.md): one JSON object per\n"
      "revision of a line,\n"
      "  {\"type\":\"line\",\"lang\",\"line\",\"rev\",\"text\",\"stable_chars\",\"final\","
      "\"confirmed\",\n"
      "   \"source_text\",\"audio_start\",\"audio_end\"}\n"
      "in the source language (en), or translated by apertium with --to es; then a second\n"
      "summary line on stderr:\n"
      "  lines: lines=N revisions=N erased_tokens=N final_tokens=N settled_changes=N\n"
      "         spoken_pieces=N spoken_mismatches=N translations=N translated_chars=N "
      "untranslated=N\n"
      "\n"
      "Options:\n"
      "  --mode partial|final-only  starting mode (default partial)\n"
      "  --config FILE.toml         engine settings: flat `key = value` lines or an [engine] "
      "table\n"
      "  --set KEY=VALUE            one engine setting; repeatable; wins over --config\n"
      "  --session-id ID            session id (default: the trace header's, else \"replay\")\n"
      "  --lines                    print caption line revisions instead of segments\n"
      "  --to LANG                  with --lines: translate into LANG (es, ca, gl; apertium); "
      "default\n"
      "                             the source language (en, untranslated)\n"
      "  --line-policy POLICY       with --lines: none|mask_k|agree, what a line that is not\n"
      "                             final shows (default agree; mask_k hides 2 words)\n"
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
      "or the input could not be read to the end, or the --to translator did not start; 2 usage\n"
      "error, unknown or out-of-range setting, bad --mode, bad environment value, missing trace\n"
      "file.\n"
      "\n"
      "Examples:\n"
      "  parley replay tests/golden/pause/input.jsonl\n"
      "  parley replay trace.jsonl --mode final-only\n"
      "  parley replay tests/golden/discrepancy/input.jsonl --lines --to es\n"
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
                           {"--lines", false},
                           {"--to"},
                           {"--line-policy"},
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

  const bool lines_mode = args->has("--lines");
  if (!lines_mode && (args->has("--to") || args->has("--line-policy"))) {
    return usageError(kName, "--to and --line-policy need --lines");
  }
  lines::LineConfig line_config;
  if (auto policy = args->get("--line-policy")) {
    auto parsed = lines::parseDisplayPolicy(*policy);
    if (!parsed) {
      return usageError(kName,
                        "--line-policy must be none, mask_k or agree (got '" + *policy + "')");
    }
    line_config.policy = *parsed;
  }
  const std::string lang = args->getOr("--to", kSourceLanguage);
  std::unique_ptr<translate::Translator> translator;
  if (lines_mode && lang != kSourceLanguage) {
    const char* pair = translate::apertiumPairFromEnglish(lang);
    if (!pair) {
      return usageError(kName, "--to: no translation from English into '" + lang +
                                   "' (known: " + translate::kApertiumTargets + ")");
    }
    translate::ApertiumConfig config;
    config.pair = pair;
    config.source_language = kSourceLanguage;
    config.target_language = lang;
    auto created = translate::ApertiumTranslator::create(config);
    if (!created.ok()) {
      std::fprintf(stderr, "parley replay: translator en->%s: %s\n", lang.c_str(),
                   created.error().message.c_str());
      return 1;
    }
    translator = std::move(*created);
  }
  lines::TranslateFn translate_fn;
  if (translator) {
    translate_fn = [&translator](std::string_view text) { return translator->translate(text); };
  }
  lines::LineFeed feed(line_config, translate_fn);

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
  auto print = [&](std::string line) {
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    if (streaming) std::fflush(stdout);
  };
  auto printRevisions = [&](const std::vector<lines::Revision>& revisions) {
    for (const auto& r : revisions) print(lines::formatRevisionJson(lang, r));
  };
  replay::ReplayCallbacks callbacks;
  if (lines_mode) {
    callbacks.on_event = [&](const engine::RecognizerEvent& e, double) {
      printRevisions(feed.onEvent(e));
    };
    callbacks.on_segment = [&](const engine::Segment& s) { printRevisions(feed.onSegment(s)); };
  } else {
    callbacks.on_segment = [&](const engine::Segment& s) { print(ingest::formatSegmentJson(s)); };
  }
  callbacks.on_notice = [](const core::log::Record& r) { core::log::writeRecord(r); };
  callbacks.on_error = printLineError;

  replay::ReplayResult result = replay::replayTrace(*in, options, callbacks);
  if (lines_mode) printRevisions(feed.finish());
  std::fflush(stdout);
  const bool read_failed = in->bad();
  std::fprintf(stderr, "%s\n", replay::formatReplaySummary(result).c_str());
  if (lines_mode) {
    const lines::LineStats& st = feed.view().stats();
    std::fprintf(stderr,
                 "lines: lines=%lld revisions=%lld erased_tokens=%lld final_tokens=%lld "
                 "settled_changes=%lld spoken_pieces=%lld spoken_mismatches=%lld "
                 "translations=%lld translated_chars=%lld untranslated=%lld\n",
                 st.lines, st.revisions, st.erased_tokens, st.final_tokens, st.settled_changes,
                 st.spoken_pieces, st.spoken_mismatches, st.translations, st.translated_chars,
                 st.untranslated);
  }
  if (read_failed) {
    std::fprintf(stderr, "parley replay: reading %s failed before its end\n", path.c_str());
    return 1;
  }
  return result.errors.empty() ? 0 : 1;
}

}  // namespace

PARLEY_COMMAND("replay", "replay a recognizer trace through the engine (virtual time)", runReplay);

}  // namespace parley::app
