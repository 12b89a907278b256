#include "core/log.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "core/clock.h"

namespace parley::core::log {
namespace {

struct State {
  std::mutex mu;
  Level level = Level::kInfo;
  bool structured = false;
  Sink sink;
};

State& state() {
  static State s;
  return s;
}

std::string formatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k), value(formatNumber(v)), quoted(false) {}

const char* levelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "INFO";
}

bool parseLevel(std::string_view text, Level* out) {
  std::string up;
  for (char c : text) up.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c));
  if (up == "DEBUG")
    *out = Level::kDebug;
  else if (up == "INFO")
    *out = Level::kInfo;
  else if (up == "WARN" || up == "WARNING")
    *out = Level::kWarn;
  else if (up == "ERROR")
    *out = Level::kError;
  else
    return false;
  return true;
}

std::string jsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

std::string formatJson(const Record& r) {
  char ts[32];
  std::snprintf(ts, sizeof ts, "%.3f", r.ts);
  std::string out = "{\"ts\":";
  out += ts;
  out += ",\"level\":\"";
  out += levelName(r.level);
  out += "\",\"event\":\"" + jsonEscape(r.event) + "\",\"session_id\":\"" +
         jsonEscape(r.session_id) + "\",\"message\":\"" + jsonEscape(r.message) + "\"";
  for (const auto& f : r.fields) {
    out += ",\"" + jsonEscape(f.key) + "\":";
    out += f.quoted ? "\"" + jsonEscape(f.value) + "\"" : f.value;
  }
  out += "}";
  return out;
}

std::string formatText(const Record& r) {
  std::string out = levelName(r.level);
  out += " " + r.event;
  if (!r.session_id.empty()) out += " [" + r.session_id + "]";
  out += ": " + r.message;
  for (const auto& f : r.fields) out += " " + f.key + "=" + f.value;
  return out;
}

void setLevel(Level level) {
  std::lock_guard lock(state().mu);
  state().level = level;
}

Level level() {
  std::lock_guard lock(state().mu);
  return state().level;
}

void setStructured(bool structured) {
  std::lock_guard lock(state().mu);
  state().structured = structured;
}

void configureFromEnv() {
  if (const char* lv = std::getenv("LOG_LEVEL"); lv && *lv) {
    Level l;
    if (parseLevel(lv, &l))
      setLevel(l);
    else
      std::fprintf(stderr, "parley: ignoring LOG_LEVEL=%s (use DEBUG, INFO, WARN or ERROR)\n", lv);
  }
  if (const char* st = std::getenv("STRUCTURED_LOGGING"); st && *st) {
    std::string_view v(st);
    if (v == "true" || v == "1")
      setStructured(true);
    else if (v == "false" || v == "0")
      setStructured(false);
    else
      std::fprintf(stderr, "parley: ignoring STRUCTURED_LOGGING=%s (use true or false)\n", st);
  }
}

Sink setSink(Sink sink) {
  std::lock_guard lock(state().mu);
  Sink previous = std::move(state().sink);
  state().sink = std::move(sink);
  return previous;
}

void writeRecord(Record record) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  if (record.level < s.level) return;
  if (record.ts == 0) record.ts = wallTimeSeconds();
  if (s.sink) {
    s.sink(record);
    return;
  }
  std::string line = s.structured ? formatJson(record) : formatText(record);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void write(Level level, std::string_view event, std::string_view session_id,
           std::string_view message, std::initializer_list<Field> fields) {
  if (level < log::level()) return;
  Record r;
  r.level = level;
  r.event = event;
  r.session_id = session_id;
  r.message = message;
  r.fields.assign(fields.begin(), fields.end());
  writeRecord(std::move(r));
}

}  // namespace parley::core::log
