// The trace format (docs/trace-format.md): JSON lines that record what a recognizer said and
// when, so that the engine can be replayed deterministically. Readers accept parley's native
// lines, AWS Transcribe TranscriptEvents (wrapped or bare) and float-stability events, and
// report each bad line with its number and reason without stopping.
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/types.h"

namespace parley::ingest {

struct TraceHeader {
  int version = 1;
  std::string session_id;  // may be empty
  std::string source;      // e.g. "pocketsphinx", "aws-transcribe"
  std::string audio;       // audio file the trace was made from, if any
  std::string extra_json;  // any other header fields, as a JSON object text ("{}" if none)
};

// One line of a trace, after parsing.
struct TraceItem {
  enum class Type { kEvent, kAudio, kFlag, kMode };
  Type type = Type::kEvent;
  double t = 0;                   // arrival time, seconds
  engine::RecognizerEvent event;  // kEvent
  double audio_time = 0;          // kAudio: audio received up to this many seconds
  std::string flag_json;          // kFlag: a flag value patch, JSON object text
  std::string mode;               // kMode: "partial" | "final-only"
  int line = 0;                   // 1-based line number in the input
};

struct LineError {
  int line = 0;
  std::string reason;
};

// Parses one line. `line_no` is used for messages. A header line yields `header` and no items;
// a bare TranscriptEvent with several Results yields several items.
struct ParsedLine {
  std::optional<TraceHeader> header;
  std::vector<TraceItem> items;
};
core::Result<ParsedLine> parseTraceLine(std::string_view line, int line_no);

// Reads a whole trace. Every good item goes to `on_item` in input order; every bad line is
// reported to `on_error` and skipped. Returns the header if there was one.
std::optional<TraceHeader> readTrace(std::istream& in,
                                     const std::function<void(const TraceItem&)>& on_item,
                                     const std::function<void(const LineError&)>& on_error);

// The same, with the header delivered as soon as it is read (before any item), so that a
// consumer can set up a session from it. Any callback may be empty.
struct TraceCallbacks {
  std::function<void(const TraceHeader&)> on_header;
  std::function<void(const TraceItem&)> on_item;
  std::function<void(const LineError&)> on_error;
};
std::optional<TraceHeader> readTrace(std::istream& in, const TraceCallbacks& callbacks);

// Writers: one line each, newline-terminated, in parley's native format.
std::string formatHeaderLine(const TraceHeader& header);
std::string formatEventLine(double t, const engine::RecognizerEvent& event);
std::string formatAudioLine(double t, double audio_time);
std::string formatModeLine(double t, std::string_view mode);
std::string formatFlagLine(double t, std::string_view flag_json);  // flag_json: a JSON object
// Any item, in the line shape its type calls for.
std::string formatItemLine(const TraceItem& item);
// A number as the writers print it: at most 6 decimals, shortest form ("1.5", "2", "0.000001");
// "null" when not finite.
std::string formatNumber(double value);
// One Segment as the JSON object printed by `parley replay` (docs/trace-format.md "`parley replay`
// output": in the order session_id, seq, result_id, text, kind, audio_start, audio_end, emitted_at,
// reason), without a trailing newline.
std::string formatSegmentJson(const engine::Segment& segment);

}  // namespace parley::ingest
