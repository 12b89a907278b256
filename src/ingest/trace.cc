#include "ingest/trace.h"

#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "core/json_depth.h"
#include "core/log.h"
#include "engine/config.h"

namespace parley::ingest {

namespace {

using core::Error;
using nlohmann::json;

// A short rendering of an offending value for error messages.
std::string got(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::string indexed(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string member(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

// Looks up an optional member; null counts as absent.
const json* find(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Error typeError(const std::string& path, const char* what, const json& v) {
  return Error::invalid(path + " must be " + what + " (got " + got(v) + ")");
}

Error missing(const std::string& path, const char* what) {
  return Error::invalid(path + " is missing (expected " + what + ")");
}

// A time in seconds: a finite number >= 0.
core::Result<double> timeValue(const json& v, const std::string& path) {
  if (!v.is_number()) return typeError(path, "a number of seconds >= 0", v);
  double d = v.get<double>();
  if (!std::isfinite(d) || d < 0) return typeError(path, "a number of seconds >= 0", v);
  return d;
}

core::Result<double> requiredTime(const json& obj, const char* key, const std::string& path) {
  const json* v = find(obj, key);
  if (!v) return missing(member(path, key), "a number of seconds >= 0");
  return timeValue(*v, member(path, key));
}

// A fraction in [0, 1] (stability, confidence); absent -> nullopt.
core::Result<std::optional<double>> optionalFraction(const json& obj, const char* key,
                                                     const std::string& path) {
  const json* v = find(obj, key);
  if (!v) return std::optional<double>{};
  if (!v->is_number()) return typeError(member(path, key), "a number in [0, 1]", *v);
  double d = v->get<double>();
  if (!std::isfinite(d) || d < 0 || d > 1) {
    return typeError(member(path, key), "a number in [0, 1]", *v);
  }
  return std::optional<double>{d};
}

core::Result<std::optional<bool>> optionalBool(const json& obj, const char* key,
                                               const std::string& path) {
  const json* v = find(obj, key);
  if (!v) return std::optional<bool>{};
  if (!v->is_boolean()) return typeError(member(path, key), "true or false", *v);
  return std::optional<bool>{v->get<bool>()};
}

core::Result<bool> requiredBool(const json& obj, const char* key, const std::string& path) {
  const json* v = find(obj, key);
  if (!v) return missing(member(path, key), "true or false");
  if (!v->is_boolean()) return typeError(member(path, key), "true or false", *v);
  return v->get<bool>();
}

core::Result<std::string> requiredString(const json& obj, const char* key,
                                         const std::string& path) {
  const json* v = find(obj, key);
  if (!v) return missing(member(path, key), "a non-empty string");
  if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
    return typeError(member(path, key), "a non-empty string", *v);
  }
  return v->get<std::string>();
}

core::Status optionalStringCheck(const json& obj, const char* key, const std::string& path) {
  const json* v = find(obj, key);
  if (v && !v->is_string()) return typeError(member(path, key), "a string", *v);
  return core::okStatus();
}

core::Status checkSpan(double start, double end, const std::string& path, const char* start_key,
                       const char* end_key) {
  if (end < start) {
    return Error::invalid(member(path, end_key) + " must not be before " + member(path, start_key) +
                          " (" + formatNumber(end) + " < " + formatNumber(start) + ")");
  }
  return core::okStatus();
}

// --- parley's native RecognizerEvent ---------------------------------------------------------

core::Result<engine::Word> parseNativeWord(const json& j, const std::string& path) {
  if (!j.is_object()) return typeError(path, "an object", j);
  engine::Word w;
  auto text = requiredString(j, "text", path);
  if (!text) return text.error();
  w.text = std::move(*text);
  auto start = requiredTime(j, "start", path);
  if (!start) return start.error();
  auto end = requiredTime(j, "end", path);
  if (!end) return end.error();
  w.start = *start;
  w.end = *end;
  if (auto st = checkSpan(w.start, w.end, path, "start", "end"); !st) return st.error();
  if (const json* kind = find(j, "kind")) {
    if (kind->is_string() && kind->get_ref<const std::string&>() == "word") {
      w.kind = engine::WordKind::kWord;
    } else if (kind->is_string() && kind->get_ref<const std::string&>() == "punct") {
      w.kind = engine::WordKind::kPunct;
    } else {
      return typeError(member(path, "kind"), "\"word\" or \"punct\"", *kind);
    }
  }
  auto stable = optionalBool(j, "stable", path);
  if (!stable) return stable.error();
  w.stable = *stable;
  auto confidence = optionalFraction(j, "confidence", path);
  if (!confidence) return confidence.error();
  w.confidence = *confidence;
  auto stability = optionalFraction(j, "stability", path);
  if (!stability) return stability.error();
  w.stability = *stability;
  return w;
}

core::Result<engine::RecognizerEvent> parseNativeEvent(const json& j, const std::string& path) {
  if (!j.is_object()) return typeError(path, "an object", j);
  engine::RecognizerEvent ev;
  auto id = requiredString(j, "result_id", path);
  if (!id) return id.error();
  ev.result_id = std::move(*id);
  auto partial = requiredBool(j, "is_partial", path);
  if (!partial) return partial.error();
  ev.is_partial = *partial;
  auto start = requiredTime(j, "start", path);
  if (!start) return start.error();
  auto end = requiredTime(j, "end", path);
  if (!end) return end.error();
  ev.start = *start;
  ev.end = *end;
  if (auto st = checkSpan(ev.start, ev.end, path, "start", "end"); !st) return st.error();
  auto stability = optionalFraction(j, "stability", path);
  if (!stability) return stability.error();
  ev.stability = *stability;
  if (const json* words = find(j, "words")) {
    if (!words->is_array()) return typeError(member(path, "words"), "an array", *words);
    ev.words.reserve(words->size());
    for (std::size_t i = 0; i < words->size(); ++i) {
      auto w = parseNativeWord((*words)[i], indexed(member(path, "words"), i));
      if (!w) return w.error();
      ev.words.push_back(std::move(*w));
    }
  }
  return ev;
}

// --- AWS Transcribe streaming TranscriptEvent ------------------------------------------------

core::Result<engine::Word> parseAwsItem(const json& j, const std::string& path,
                                        double previous_end) {
  if (!j.is_object()) return typeError(path, "an object", j);
  engine::Word w;
  auto content = requiredString(j, "Content", path);
  if (!content) return content.error();
  w.text = std::move(*content);
  if (const json* type = find(j, "Type")) {
    if (type->is_string() && type->get_ref<const std::string&>() == "pronunciation") {
      w.kind = engine::WordKind::kWord;
    } else if (type->is_string() && type->get_ref<const std::string&>() == "punctuation") {
      w.kind = engine::WordKind::kPunct;
    } else {
      return typeError(member(path, "Type"), "\"pronunciation\" or \"punctuation\"", *type);
    }
  }
  // Punctuation items without times sit at the end of the word before them.
  if (w.kind == engine::WordKind::kPunct && !find(j, "StartTime") && !find(j, "EndTime")) {
    w.start = w.end = previous_end;
  } else {
    auto start = requiredTime(j, "StartTime", path);
    if (!start) return start.error();
    auto end = requiredTime(j, "EndTime", path);
    if (!end) return end.error();
    w.start = *start;
    w.end = *end;
    if (auto st = checkSpan(w.start, w.end, path, "StartTime", "EndTime"); !st) return st.error();
  }
  auto stable = optionalBool(j, "Stable", path);
  if (!stable) return stable.error();
  w.stable = *stable;
  auto confidence = optionalFraction(j, "Confidence", path);
  if (!confidence) return confidence.error();
  w.confidence = *confidence;
  auto stability = optionalFraction(j, "Stability", path);
  if (!stability) return stability.error();
  w.stability = *stability;
  auto vocab = optionalBool(j, "VocabularyFilterMatch", path);
  if (!vocab) return vocab.error();
  if (auto st = optionalStringCheck(j, "Speaker", path); !st) return st.error();
  return w;
}

core::Result<engine::RecognizerEvent> parseAwsResult(const json& j, const std::string& path) {
  if (!j.is_object()) return typeError(path, "an object", j);
  engine::RecognizerEvent ev;
  auto id = requiredString(j, "ResultId", path);
  if (!id) return id.error();
  ev.result_id = std::move(*id);
  auto partial = requiredBool(j, "IsPartial", path);
  if (!partial) return partial.error();
  ev.is_partial = *partial;
  auto start = requiredTime(j, "StartTime", path);
  if (!start) return start.error();
  auto end = requiredTime(j, "EndTime", path);
  if (!end) return end.error();
  ev.start = *start;
  ev.end = *end;
  if (auto st = checkSpan(ev.start, ev.end, path, "StartTime", "EndTime"); !st) return st.error();
  if (auto st = optionalStringCheck(j, "ChannelId", path); !st) return st.error();
  auto stability = optionalFraction(j, "Stability", path);
  if (!stability) return stability.error();
  ev.stability = *stability;
  const json* alts = find(j, "Alternatives");
  if (!alts) return ev;
  std::string alts_path = member(path, "Alternatives");
  if (!alts->is_array()) return typeError(alts_path, "an array", *alts);
  if (alts->empty()) return ev;
  // AWS ranks alternatives best first; the engine follows the best one.
  const json& alt = (*alts)[0];
  std::string alt_path = indexed(alts_path, 0);
  if (!alt.is_object()) return typeError(alt_path, "an object", alt);
  if (auto st = optionalStringCheck(alt, "Transcript", alt_path); !st) return st.error();
  const json* items = find(alt, "Items");
  if (!items) return ev;
  std::string items_path = member(alt_path, "Items");
  if (!items->is_array()) return typeError(items_path, "an array", *items);
  ev.words.reserve(items->size());
  double previous_end = ev.start;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto w = parseAwsItem((*items)[i], indexed(items_path, i), previous_end);
    if (!w) return w.error();
    previous_end = w->end;
    ev.words.push_back(std::move(*w));
  }
  return ev;
}

bool isAws(const json& j) {
  return j.is_object() && (j.contains("Transcript") || j.contains("TranscriptEvent"));
}

// A TranscriptEvent, bare or wrapped as {"TranscriptEvent": {...}}: one event per Results[i].
core::Result<std::vector<engine::RecognizerEvent>> parseAwsEvent(const json& j,
                                                                 const std::string& path) {
  const json* event = &j;
  std::string event_path = path;
  if (j.contains("TranscriptEvent")) {
    event_path = member(path, "TranscriptEvent");
    event = &j["TranscriptEvent"];
    if (!event->is_object()) return typeError(event_path, "an object", *event);
  }
  std::string transcript_path = member(event_path, "Transcript");
  const json* transcript = find(*event, "Transcript");
  if (!transcript) return missing(transcript_path, "an object");
  if (!transcript->is_object()) return typeError(transcript_path, "an object", *transcript);
  std::string results_path = member(transcript_path, "Results");
  const json* results = find(*transcript, "Results");
  if (!results) return missing(results_path, "an array");
  if (!results->is_array()) return typeError(results_path, "an array", *results);
  std::vector<engine::RecognizerEvent> events;
  events.reserve(results->size());
  for (std::size_t i = 0; i < results->size(); ++i) {
    auto ev = parseAwsResult((*results)[i], indexed(results_path, i));
    if (!ev) return ev.error();
    events.push_back(std::move(*ev));
  }
  return events;
}

// --- other line shapes -----------------------------------------------------------------------

core::Result<TraceHeader> parseHeader(const json& j) {
  TraceHeader h;
  const json& v = j["parley_trace"];
  if (!v.is_number_integer() || v.get<long long>() != 1) {
    return typeError("parley_trace", "1 (the only trace format version this parley reads)", v);
  }
  h.version = 1;
  json extra = json::object();
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "parley_trace") continue;
    std::string* field = key == "session_id" ? &h.session_id
                         : key == "source"   ? &h.source
                         : key == "audio"    ? &h.audio
                                             : nullptr;
    if (!field) {
      extra[key] = it.value();
      continue;
    }
    if (it->is_null()) continue;
    if (!it->is_string()) return typeError(key, "a string", *it);
    *field = it->get<std::string>();
  }
  h.extra_json = extra.dump(-1, ' ', false, json::error_handler_t::replace);
  return h;
}

// A flag patch: {"enabled": bool, "rollout_percentage": 0-100, <engine config keys>}.
core::Result<std::string> parseFlagPatch(const json& j) {
  if (!j.is_object()) return typeError("flag", "an object", j);
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    std::string path = "flag." + key;
    if (key == "enabled") {
      if (!it->is_boolean()) return typeError(path, "true or false", *it);
    } else if (key == "rollout_percentage") {
      if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 100) {
        return typeError(path, "an integer in [0, 100]", *it);
      }
    } else if (const engine::ConfigKey* k = engine::findConfigKey(key)) {
      // Engine settings are read once per session; a trace may carry them (they are validated)
      // but they do not change a running session.
      engine::EngineConfig scratch;
      core::Status st = core::okStatus();
      if (k->type == engine::KeyType::kEnum && it->is_string()) {
        st = engine::setConfigValue(scratch, key, it->get<std::string>());
      } else if (k->type != engine::KeyType::kEnum && it->is_number()) {
        st = engine::setConfigNumber(scratch, key, it->get<double>());
      } else {
        return Error::invalid("flag." + engine::describeRange(*k) + " (got " + got(*it) + ")");
      }
      if (!st) return Error::invalid("flag." + st.error().message);
    } else {
      return Error::invalid("flag has an unknown key '" + key +
                            "' (expected enabled, rollout_percentage or an engine setting)");
    }
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

core::Result<ParsedLine> parseItemLine(const json& j, int line_no) {
  auto t = timeValue(j["t"], "t");
  if (!t) return t.error();
  static constexpr const char* kShapes[] = {"event", "audio", "mode", "flag"};
  const char* shape = nullptr;
  for (const char* s : kShapes) {
    if (!j.contains(s)) continue;
    if (shape) {
      return Error::invalid(std::string("a line has one of event, audio, mode or flag (got both ") +
                            shape + " and " + s + ")");
    }
    shape = s;
  }
  if (!shape) {
    return Error::invalid(
        "a line with \"t\" needs one of \"event\", \"audio\", \"mode\", \"flag\"");
  }
  ParsedLine out;
  TraceItem item;
  item.t = *t;
  item.line = line_no;
  const json& v = j[shape];
  std::string s(shape);
  if (s == "event") {
    item.type = TraceItem::Type::kEvent;
    if (isAws(v)) {
      auto events = parseAwsEvent(v, "event");
      if (!events) return events.error();
      for (auto& ev : *events) {
        item.event = std::move(ev);
        out.items.push_back(item);
      }
      return out;
    }
    auto ev = parseNativeEvent(v, "event");
    if (!ev) return ev.error();
    item.event = std::move(*ev);
  } else if (s == "audio") {
    item.type = TraceItem::Type::kAudio;
    auto a = timeValue(v, "audio");
    if (!a) return a.error();
    item.audio_time = *a;
  } else if (s == "mode") {
    item.type = TraceItem::Type::kMode;
    if (!v.is_string()) return typeError("mode", "\"partial\" or \"final-only\"", v);
    auto mode = engine::parseMode(v.get<std::string>());
    if (!mode) return typeError("mode", "\"partial\" or \"final-only\"", v);
    item.mode = engine::modeName(*mode);
  } else {
    item.type = TraceItem::Type::kFlag;
    auto patch = parseFlagPatch(v);
    if (!patch) return patch.error();
    item.flag_json = std::move(*patch);
  }
  out.items.push_back(std::move(item));
  return out;
}

core::Result<ParsedLine> parseJsonLine(const json& j, int line_no) {
  if (!j.is_object()) {
    return Error::invalid("a trace line must be a JSON object (got " + got(j) + ")");
  }
  if (j.contains("parley_trace")) {
    auto h = parseHeader(j);
    if (!h) return h.error();
    ParsedLine out;
    out.header = std::move(*h);
    return out;
  }
  if (j.contains("t")) return parseItemLine(j, line_no);
  ParsedLine out;
  if (isAws(j)) {
    // A bare TranscriptEvent: each result arrives when its audio ends.
    auto events = parseAwsEvent(j, "");
    if (!events) return events.error();
    for (auto& ev : *events) {
      TraceItem item;
      item.type = TraceItem::Type::kEvent;
      item.t = ev.end;
      item.line = line_no;
      item.event = std::move(ev);
      out.items.push_back(std::move(item));
    }
    return out;
  }
  if (j.contains("result_id")) {
    auto ev = parseNativeEvent(j, "");
    if (!ev) return ev.error();
    TraceItem item;
    item.type = TraceItem::Type::kEvent;
    item.t = ev->end;
    item.line = line_no;
    item.event = std::move(*ev);
    out.items.push_back(std::move(item));
    return out;
  }
  return Error::invalid(
      "unknown line shape (expected a {\"parley_trace\":1} header, a {\"t\": ...} item or an AWS "
      "TranscriptEvent)");
}

// Nesting deeper than any trace needs is rejected before parsing: it bounds the recursion of
// everything that walks the parsed value (error messages, copies, destruction).
constexpr int kMaxNesting = 32;

bool nestedTooDeep(std::string_view line) { return core::jsonNestedDeeperThan(line, kMaxNesting); }

bool isBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

void appendString(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":\"";
  out += core::log::jsonEscape(value);
  out += '"';
}

void appendNumber(std::string& out, std::string_view key, double value) {
  out += '"';
  out += key;
  out += "\":";
  out += formatNumber(value);
}

void appendBool(std::string& out, std::string_view key, bool value) {
  out += '"';
  out += key;
  out += "\":";
  out += value ? "true" : "false";
}

std::string eventJson(const engine::RecognizerEvent& ev) {
  std::string out = "{";
  appendString(out, "result_id", ev.result_id);
  out += ',';
  appendBool(out, "is_partial", ev.is_partial);
  out += ',';
  appendNumber(out, "start", ev.start);
  out += ',';
  appendNumber(out, "end", ev.end);
  if (ev.stability) {
    out += ',';
    appendNumber(out, "stability", *ev.stability);
  }
  out += ",\"words\":[";
  for (std::size_t i = 0; i < ev.words.size(); ++i) {
    const engine::Word& w = ev.words[i];
    if (i) out += ',';
    out += '{';
    appendString(out, "text", w.text);
    out += ',';
    appendNumber(out, "start", w.start);
    out += ',';
    appendNumber(out, "end", w.end);
    out += ',';
    appendString(out, "kind", w.kind == engine::WordKind::kPunct ? "punct" : "word");
    if (w.stable) {
      out += ',';
      appendBool(out, "stable", *w.stable);
    }
    if (w.confidence) {
      out += ',';
      appendNumber(out, "confidence", *w.confidence);
    }
    if (w.stability) {
      out += ',';
      appendNumber(out, "stability", *w.stability);
    }
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace

std::string formatNumber(double value) {
  if (!std::isfinite(value)) return "null";
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.6f", value);
  std::string s = buf;
  if (auto dot = s.find('.'); dot != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

core::Result<ParsedLine> parseTraceLine(std::string_view line, int line_no) {
  if (line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // BOM
  if (isBlank(line)) return ParsedLine{};
  if (nestedTooDeep(line)) {
    return Error::invalid("malformed line: JSON nested deeper than " + std::to_string(kMaxNesting) +
                          " levels");
  }
  try {
    json j = json::parse(line.begin(), line.end());
    return parseJsonLine(j, line_no);
  } catch (const json::parse_error& e) {
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at ...".
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    // The input is one line: "at line 1, column 7" would only confuse with the file's lines.
    if (auto pos = what.find("at line 1, column "); pos != std::string::npos) {
      what.replace(pos, 18, "at column ");
    }
    return Error::invalid("malformed JSON: " + what);
  } catch (const std::exception& e) {
    return Error::invalid(std::string("malformed line: ") + e.what());
  }
}

std::optional<TraceHeader> readTrace(std::istream& in, const TraceCallbacks& callbacks) {
  std::optional<TraceHeader> header;
  std::string line;
  int line_no = 0;
  bool seen_content = false;
  double last_t = 0;
  auto report = [&](int no, std::string reason) {
    if (callbacks.on_error) callbacks.on_error(LineError{no, std::move(reason)});
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto parsed = parseTraceLine(line, line_no);
    if (!parsed) {
      seen_content = true;
      report(line_no, parsed.error().message);
      continue;
    }
    if (parsed->header) {
      if (seen_content) {
        report(line_no, "a {\"parley_trace\": ...} header is allowed only on the first line");
        continue;
      }
      seen_content = true;
      header = std::move(parsed->header);
      if (callbacks.on_header) callbacks.on_header(*header);
      continue;
    }
    if (parsed->items.empty() && isBlank(line)) continue;
    seen_content = true;
    for (auto& item : parsed->items) {
      // Items are processed in file order; an arrival time that goes backwards is clamped.
      if (item.t < last_t) item.t = last_t;
      last_t = item.t;
      if (callbacks.on_item) callbacks.on_item(item);
    }
  }
  return header;
}

std::optional<TraceHeader> readTrace(std::istream& in,
                                     const std::function<void(const TraceItem&)>& on_item,
                                     const std::function<void(const LineError&)>& on_error) {
  TraceCallbacks callbacks;
  callbacks.on_item = on_item;
  callbacks.on_error = on_error;
  return readTrace(in, callbacks);
}

std::string formatHeaderLine(const TraceHeader& header) {
  std::string out = "{\"parley_trace\":" + std::to_string(header.version);
  if (!header.session_id.empty()) {
    out += ',';
    appendString(out, "session_id", header.session_id);
  }
  if (!header.source.empty()) {
    out += ',';
    appendString(out, "source", header.source);
  }
  if (!header.audio.empty()) {
    out += ',';
    appendString(out, "audio", header.audio);
  }
  if (!header.extra_json.empty()) {
    json extra = json::parse(header.extra_json, nullptr, false);
    if (extra.is_object()) {
      for (auto it = extra.begin(); it != extra.end(); ++it) {
        const std::string& key = it.key();
        if (key == "parley_trace" || key == "session_id" || key == "source" || key == "audio") {
          continue;
        }
        out += ",\"" + core::log::jsonEscape(key) +
               "\":" + it->dump(-1, ' ', false, json::error_handler_t::replace);
      }
    }
  }
  out += "}\n";
  return out;
}

std::string formatEventLine(double t, const engine::RecognizerEvent& event) {
  return "{\"t\":" + formatNumber(t) + ",\"event\":" + eventJson(event) + "}\n";
}

std::string formatAudioLine(double t, double audio_time) {
  return "{\"t\":" + formatNumber(t) + ",\"audio\":" + formatNumber(audio_time) + "}\n";
}

std::string formatModeLine(double t, std::string_view mode) {
  return "{\"t\":" + formatNumber(t) + ",\"mode\":\"" + core::log::jsonEscape(mode) + "\"}\n";
}

std::string formatFlagLine(double t, std::string_view flag_json) {
  json patch = json::parse(flag_json, nullptr, false);
  if (!patch.is_object()) patch = json::object();
  return "{\"t\":" + formatNumber(t) +
         ",\"flag\":" + patch.dump(-1, ' ', false, json::error_handler_t::replace) + "}\n";
}

std::string formatItemLine(const TraceItem& item) {
  switch (item.type) {
    case TraceItem::Type::kEvent:
      return formatEventLine(item.t, item.event);
    case TraceItem::Type::kAudio:
      return formatAudioLine(item.t, item.audio_time);
    case TraceItem::Type::kMode:
      return formatModeLine(item.t, item.mode);
    case TraceItem::Type::kFlag:
      return formatFlagLine(item.t, item.flag_json);
  }
  return {};
}

std::string formatSegmentJson(const engine::Segment& segment) {
  std::string out = "{";
  appendString(out, "session_id", segment.session_id);
  out += ",\"seq\":" + std::to_string(segment.seq) + ",";
  appendString(out, "result_id", segment.result_id);
  out += ',';
  appendString(out, "text", segment.text);
  out += ',';
  appendString(out, "kind", engine::segmentKindName(segment.kind));
  out += ',';
  appendNumber(out, "audio_start", segment.audio_start);
  out += ',';
  appendNumber(out, "audio_end", segment.audio_end);
  out += ',';
  appendNumber(out, "emitted_at", segment.emitted_at);
  out += ',';
  appendString(out, "reason", segment.reason);
  out += '}';
  return out;
}

}  // namespace parley::ingest
