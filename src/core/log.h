// Logging facade. One record = ts, level, event (a stable snake_case name operators can grep),
// session_id, message (carrying the runbook's search strings) and optional extra fields.
// Output is one JSON object a line when STRUCTURED_LOGGING is true, otherwise a readable line;
// LOG_LEVEL filters. The sink can be replaced (tests capture records; obs may forward them).
// Thread-safe. Library code logs; it never prints.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace parley::core::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, double v);
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}
  std::string key;
  std::string value;
  bool quoted;
};

struct Record {
  double ts = 0;  // Unix seconds
  Level level = Level::kInfo;
  std::string event;
  std::string session_id;
  std::string message;
  std::vector<Field> fields;
};

using Sink = std::function<void(const Record&)>;

void write(Level level, std::string_view event, std::string_view session_id,
           std::string_view message, std::initializer_list<Field> fields = {});
inline void debug(std::string_view ev, std::string_view sid, std::string_view msg,
                  std::initializer_list<Field> f = {}) {
  write(Level::kDebug, ev, sid, msg, f);
}
inline void info(std::string_view ev, std::string_view sid, std::string_view msg,
                 std::initializer_list<Field> f = {}) {
  write(Level::kInfo, ev, sid, msg, f);
}
inline void warn(std::string_view ev, std::string_view sid, std::string_view msg,
                 std::initializer_list<Field> f = {}) {
  write(Level::kWarn, ev, sid, msg, f);
}
inline void error(std::string_view ev, std::string_view sid, std::string_view msg,
                  std::initializer_list<Field> f = {}) {
  write(Level::kError, ev, sid, msg, f);
}
// Writes a record built elsewhere (e.g. engine notices), applying the level filter.
void writeRecord(Record record);

void setLevel(Level level);
Level level();
void setStructured(bool structured);
// Reads LOG_LEVEL (DEBUG|INFO|WARN|WARNING|ERROR) and STRUCTURED_LOGGING (true|false).
// Unknown values are reported once on stderr and ignored.
void configureFromEnv();
// Replaces the sink; an empty Sink restores the default (stderr). Returns the previous sink.
Sink setSink(Sink sink);

const char* levelName(Level level);
bool parseLevel(std::string_view text, Level* out);
std::string formatJson(const Record& r);
std::string formatText(const Record& r);

// JSON string escaping (without the surrounding quotes).
std::string jsonEscape(std::string_view s);

}  // namespace parley::core::log
