#include "server/server_config.h"

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "ingest/config_file.h"
#include "server/client_limits.h"
#include "server/http_internal.h"

namespace parley::server {
namespace {

// The Monitor that feeds the controller keeps a little more than an hour of metrics
// (obs::Monitor's default horizon, 3660 s): a longer window would silently see less data.
constexpr double kMaxRollbackWindowS = 3600;
// The largest max_connections and max_connections_per_client accepted.
constexpr std::size_t kMaxConnectionsLimit = 1000000;

// The [rollback] keys that map one to one onto obs::ControllerConfig fields. `field` is the
// struct member's name, which ControllerConfig::validate() uses in its messages; validate()
// below rewrites it to the key an operator writes.
struct RollbackNumber {
  const char* key;
  const char* field;
  double obs::ControllerConfig::*member;
};
constexpr RollbackNumber kRollbackNumbers[] = {
    {"window_seconds", "window_s", &obs::ControllerConfig::window_s},
    {"complaints_window_seconds", "complaints_window_s",
     &obs::ControllerConfig::complaints_window_s},
    {"latency_cooldown_seconds", "latency_cooldown_s", &obs::ControllerConfig::latency_cooldown_s},
    {"error_cooldown_seconds", "error_cooldown_s", &obs::ControllerConfig::error_cooldown_s},
    {"other_cooldown_seconds", "other_cooldown_s", &obs::ControllerConfig::other_cooldown_s},
    {"latency_disable_seconds", "latency_disable_s", &obs::ControllerConfig::latency_disable_s},
    {"latency_reduce_seconds", "latency_reduce_s", &obs::ControllerConfig::latency_reduce_s},
    {"error_disable_rate", "error_disable_rate", &obs::ControllerConfig::error_disable_rate},
    {"error_reduce_rate", "error_reduce_rate", &obs::ControllerConfig::error_reduce_rate},
    {"dropped_reduce_per_minute", "dropped_reduce_per_min",
     &obs::ControllerConfig::dropped_reduce_per_min},
    {"orphaned_alert_per_session", "orphaned_alert_per_session",
     &obs::ControllerConfig::orphaned_alert_per_session},
    {"complaints_reduce_per_hour", "complaints_reduce_per_hour",
     &obs::ControllerConfig::complaints_reduce_per_hour},
};
struct RollbackInteger {
  const char* key;
  int obs::ControllerConfig::*member;
};
constexpr RollbackInteger kRollbackIntegers[] = {
    {"min_samples", &obs::ControllerConfig::min_samples},
    {"complaints_min_listeners", &obs::ControllerConfig::complaints_min_listeners},
    {"reduce_to", &obs::ControllerConfig::reduce_to},
    {"complaints_reduce_to", &obs::ControllerConfig::complaints_reduce_to},
};

bool isIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Replaces whole-word occurrences of `from` (an identifier) by `to`.
std::string replaceWord(std::string text, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    std::size_t end = pos + from.size();
    bool whole = (pos == 0 || !isIdentifierChar(text[pos - 1])) &&
                 (end == text.size() || !isIdentifierChar(text[end]));
    if (whole) {
      text.replace(pos, from.size(), to);
      pos += to.size();
    } else {
      pos = end;
    }
  }
  return text;
}

// A ControllerConfig::validate() problem in the words of the [rollback] table.
std::string rollbackProblem(std::string problem) {
  constexpr std::string_view kErrorRates = "error rates ";
  if (problem.rfind(kErrorRates, 0) == 0) {
    problem.replace(0, kErrorRates.size(), "error_reduce_rate and rollback.error_disable_rate ");
  }
  for (const auto& k : kRollbackNumbers) problem = replaceWord(problem, k.field, k.key);
  return "rollback." + problem;
}

std::string shown(const toml::node& node) {
  std::ostringstream out;
  node.visit([&](auto&& v) { out << v; });
  return out.str();
}

// Reads one key's value with the type its field needs; a wrong type is reported as
// "<table>.<key> must be ..." and leaves the field unchanged. Ranges are validate()'s job.
class KeyReader {
 public:
  KeyReader(std::string_view table, std::string_view key, const toml::node& node,
            std::vector<std::string>& problems)
      : name_(std::string(table) + "." + std::string(key)), node_(node), problems_(problems) {}

  void text(std::string* out) {
    if (auto s = node_.value_exact<std::string>()) {
      *out = *s;
    } else {
      fail("a string");
    }
  }
  void boolean(bool* out) {
    if (auto b = node_.value_exact<bool>()) {
      *out = *b;
    } else {
      fail("true or false");
    }
  }
  // Integers and floats; inf and nan are refused (no threshold or duration is infinite).
  void number(double* out) {
    double v = 0;
    if (auto i = node_.value_exact<int64_t>()) {
      v = static_cast<double>(*i);
    } else if (auto d = node_.value_exact<double>()) {
      v = *d;
    } else {
      fail("a number");
      return;
    }
    if (!std::isfinite(v)) {
      fail("a finite number");
      return;
    }
    *out = v;
  }
  // TOML integers only ("5", not "5.0" or "\"5\""), representable in Int.
  template <typename Int>
  void integer(Int* out) {
    auto i = node_.value_exact<int64_t>();
    if (!i) {
      fail("an integer");
      return;
    }
    if (!std::in_range<Int>(*i)) {
      problems_.push_back(name_ + " is out of range (got " + shown(node_) + ")");
      return;
    }
    *out = static_cast<Int>(*i);
  }

 private:
  void fail(const char* what) {
    problems_.push_back(name_ + " must be " + what + " (got " + shown(node_) + ")");
  }

  std::string name_;
  const toml::node& node_;
  std::vector<std::string>& problems_;
};

// An array of strings; anything else is reported and leaves *out unchanged.
void readStrings(const toml::node& node, const std::string& name, std::vector<std::string>* out,
                 std::vector<std::string>& problems) {
  const toml::array* a = node.as_array();
  bool all_strings = a != nullptr;
  std::vector<std::string> values;
  if (a) {
    for (auto&& el : *a) {
      if (auto s = el.value_exact<std::string>()) {
        values.push_back(*s);
      } else {
        all_strings = false;
      }
    }
  }
  if (all_strings) {
    *out = std::move(values);
  } else {
    problems.push_back(name + " must be an array of strings (got " + shown(node) + ")");
  }
}

void applyServerTable(ServerConfig& config, const toml::table& table,
                      std::vector<std::string>& problems) {
  for (auto&& [k, node] : table) {
    std::string key(k.str());
    KeyReader r("server", key, node, problems);
    if (key == "host") {
      r.text(&config.host);
    } else if (key == "port") {
      r.integer(&config.port);
    } else if (key == "data_dir") {
      r.text(&config.data_dir);
    } else if (key == "store") {
      r.text(&config.store_url);
    } else if (key == "web_root") {
      r.text(&config.web_root);
    } else if (key == "public_url") {
      r.text(&config.public_url);
    } else if (key == "tls_cert") {
      r.text(&config.tls_cert);
    } else if (key == "tls_key") {
      r.text(&config.tls_key);
    } else if (key == "apertium_modes") {
      r.text(&config.apertium_modes);
    } else if (key == "speaker_key") {
      r.text(&config.speaker_key);
    } else if (key == "trusted_networks") {
      readStrings(node, "server.trusted_networks", &config.trusted_networks, problems);
    } else if (key == "max_sessions") {
      r.integer(&config.max_sessions);
    } else if (key == "session_creates_per_minute") {
      r.number(&config.session_creates_per_minute);
    } else if (key == "session_create_burst") {
      r.number(&config.session_create_burst);
    } else if (key == "unused_session_seconds") {
      r.number(&config.unused_session_s);
    } else if (key == "translator_idle_seconds") {
      r.number(&config.translator_idle_s);
    } else if (key == "speaker_idle_seconds") {
      r.number(&config.speaker_idle_s);
    } else if (key == "threads") {
      r.integer(&config.threads);
    } else if (key == "max_listeners") {
      r.integer(&config.max_listeners);
    } else if (key == "max_session_seconds") {
      r.number(&config.max_session_s);
    } else if (key == "heartbeat_seconds") {
      r.number(&config.heartbeat_s);
    } else if (key == "heartbeat_timeout_seconds") {
      r.number(&config.heartbeat_timeout_s);
    } else if (key == "max_frame_bytes") {
      r.integer(&config.max_frame_bytes);
    } else if (key == "listener_queue") {
      r.integer(&config.listener_queue);
    } else if (key == "history") {
      r.integer(&config.history);
    } else if (key == "drain_timeout_seconds") {
      r.number(&config.drain_timeout_s);
    } else if (key == "complaint_window_seconds") {
      r.number(&config.complaint_window_s);
    } else if (key == "synthesize") {
      r.boolean(&config.synthesize);
    } else if (key == "max_connections") {
      r.integer(&config.max_connections);
    } else if (key == "max_connections_per_client") {
      r.integer(&config.max_connections_per_client);
    } else if (key == "allowed_origins") {
      // An array of origins, or one string of comma-separated origins (as --allowed-origins).
      if (auto text = node.value_exact<std::string>()) {
        config.allowed_origins = splitOriginList(*text);
      } else if (const toml::array* a = node.as_array();
                 a && std::all_of(a->begin(), a->end(),
                                  [](const toml::node& el) { return el.is_string(); })) {
        config.allowed_origins.clear();
        for (auto&& el : *a) config.allowed_origins.push_back(*el.value_exact<std::string>());
      } else {
        problems.push_back("server.allowed_origins must be an array of strings or a string (got " +
                           shown(node) + ")");
      }
    } else if (key == "languages") {
      readStrings(node, "server.languages", &config.languages, problems);
    } else {
      problems.push_back("unknown key server." + key);
    }
  }
}

void applyRollbackTable(ServerConfig& config, const toml::table& table,
                        std::vector<std::string>& problems) {
  for (auto&& [k, node] : table) {
    std::string key(k.str());
    KeyReader r("rollback", key, node, problems);
    if (key == "enabled") {
      r.boolean(&config.rollback.enabled);
      continue;
    }
    if (key == "interval_seconds") {
      r.number(&config.rollback_interval_s);
      continue;
    }
    if (key == "promotion") {
      std::string text;
      std::size_t before = problems.size();
      r.text(&text);
      if (problems.size() != before) continue;
      auto schedule = parsePromotionOption(text);
      if (schedule.ok()) {
        config.rollback.promotion = std::move(schedule).value();
      } else {
        problems.push_back("rollback.promotion: " + schedule.error().message);
      }
      continue;
    }
    bool known = false;
    for (const auto& n : kRollbackNumbers) {
      if (key == n.key) {
        r.number(&(config.rollback.*n.member));
        known = true;
      }
    }
    for (const auto& i : kRollbackIntegers) {
      if (key == i.key) {
        r.integer(&(config.rollback.*i.member));
        known = true;
      }
    }
    if (!known) problems.push_back("unknown key rollback." + key);
  }
}

}  // namespace

std::size_t defaultMaxSessions() {
  unsigned cores = std::thread::hardware_concurrency();
  return 4 * static_cast<std::size_t>(cores == 0 ? 1 : cores);
}

std::vector<std::string> splitOriginList(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(pos, comma - pos);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) {
      item.remove_prefix(1);
    }
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) {
      item.remove_suffix(1);
    }
    if (!item.empty()) out.emplace_back(item);
    pos = comma + 1;
  }
  return out;
}

std::vector<std::string> ServerConfig::validate() const {
  std::vector<std::string> p;
  auto range = [&](const char* name, double v, double lo, double hi, const char* unit) {
    if (!(v >= lo && v <= hi)) {
      std::ostringstream o;
      o << name << " must be in [" << lo << ", " << hi << "] " << unit << " (got " << v << ")";
      p.push_back(o.str());
    }
  };
  range("port", port, 0, 65535, "");
  range("threads", threads, 1, 64, "threads");
  range("blocking_threads", blocking_threads, 1, 256, "threads");
  range("max_listeners", static_cast<double>(max_listeners), 1, 100000, "listeners");
  range("max_session_seconds", max_session_s, 1, 7 * 86400, "seconds");
  range("heartbeat_seconds", heartbeat_s, 0.1, 3600, "seconds");
  range("heartbeat_timeout_seconds", heartbeat_timeout_s, heartbeat_s, 36000, "seconds");
  range("max_frame_bytes", static_cast<double>(max_frame_bytes), 1024, 16 << 20, "bytes");
  range("listener_queue", static_cast<double>(listener_queue), 8, 100000, "messages");
  range("history", history, 0, 1000, "captions");
  range("drain_timeout_seconds", drain_timeout_s, 0, 600, "seconds");
  range("max_sessions", static_cast<double>(max_sessions), 1, 100000, "sessions");
  range("session_creates_per_minute", session_creates_per_minute, 0.1, 100000, "per minute");
  range("session_create_burst", session_create_burst, 1, 100000, "sessions");
  range("unused_session_seconds", unused_session_s, 1, 7 * 86400, "seconds");
  range("translator_idle_seconds", translator_idle_s, 1, 7 * 86400, "seconds");
  range("speaker_idle_seconds", speaker_idle_s, 1, 7 * 86400, "seconds");
  if (auto nets = NetworkList::parse(trusted_networks); !nets.ok()) {
    p.push_back("trusted_networks: " + nets.error().message);
  }
  range("complaint_window_seconds", complaint_window_s, 1, 86400, "seconds");
  // Integers printed as such (range() would print 1e+06).
  auto connections = [&](const char* name, std::size_t v, const char* zero) {
    if (v > kMaxConnectionsLimit) {
      p.push_back(std::string(name) + " must be in [0, " + std::to_string(kMaxConnectionsLimit) +
                  "] connections (0: " + zero + ") (got " + std::to_string(v) + ")");
    }
  };
  connections("max_connections", max_connections, "derived from the descriptor limit");
  connections("max_connections_per_client", max_connections_per_client,
              "derived from max_connections");
  if (max_connections > 0 && max_connections_per_client > max_connections) {
    p.push_back("max_connections_per_client must be at most max_connections (got " +
                std::to_string(max_connections_per_client) + " > " +
                std::to_string(max_connections) + ")");
  }
  for (const auto& origin : allowed_origins) {
    if (!parseOrigin(origin)) {
      p.push_back("allowed_origins: '" + origin +
                  "' is not an origin: scheme://host[:port] without a path, e.g. "
                  "https://parley.example.org");
    }
  }
  if (host.empty()) p.push_back("host must not be empty");
  if (tls_cert.empty() != tls_key.empty()) {
    p.push_back(std::string("tls_cert and tls_key go together: set both or neither (got only ") +
                (tls_cert.empty() ? "tls_key" : "tls_cert") + ")");
  }
  if (languages.empty()) p.push_back("languages must list at least one target language");
  if (!apertium_modes.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(apertium_modes, ec)) {
      p.push_back("apertium_modes must be an existing directory (got '" + apertium_modes + "')");
    }
  }
  range("rollback.interval_seconds", rollback_interval_s, 1, 3600, "seconds");
  for (auto& problem : rollback.validate()) p.push_back(rollbackProblem(std::move(problem)));
  // Only the upper bound: ControllerConfig::validate() already reports values <= 0.
  auto window = [&](const char* name, double v) {
    if (v > kMaxRollbackWindowS) {
      std::ostringstream o;
      o << "rollback." << name << " must be at most " << kMaxRollbackWindowS
        << " seconds: the server keeps one hour of metrics (got " << v << ")";
      p.push_back(o.str());
    }
  };
  window("window_seconds", rollback.window_s);
  window("complaints_window_seconds", rollback.complaints_window_s);
  return p;
}

core::Status applyServerConfigFile(ServerConfig& config, engine::EngineConfig& engine,
                                   const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    // toml::parse_file's own words, as before the text was read here.
    return core::Error::invalid(path + ": File could not be opened for reading (line 0)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return applyServerConfigToml(config, engine, text.str(), path);
}

core::Status applyServerConfigToml(ServerConfig& config, engine::EngineConfig& engine,
                                   std::string_view toml_text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(toml_text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream o;
    o << path << ": " << e.description() << " (line " << e.source().begin.line << ")";
    return core::Error::invalid(o.str());
  }
  std::vector<std::string> problems;
  toml::table engine_keys;
  for (auto&& [k, node] : root) {
    std::string key(k.str());
    if (key == "server" || key == "rollback") {
      const toml::table* t = node.as_table();
      if (!t) {
        problems.push_back("[" + key + "] must be a table");
      } else if (key == "server") {
        applyServerTable(config, *t, problems);
      } else {
        applyRollbackTable(config, *t, problems);
      }
    } else if (key == "engine") {
      if (const toml::table* t = node.as_table()) {
        for (auto&& [ek, en] : *t) engine_keys.insert(ek, en);
      } else {
        problems.push_back("[engine] must be a table");
      }
    } else {
      engine_keys.insert(k, node);
    }
  }
  std::ostringstream engine_text;
  engine_text << engine_keys;
  if (auto st = ingest::applyConfigToml(engine, engine_text.str(), path); !st.ok()) {
    problems.push_back(st.error().message);
  }
  if (!problems.empty()) {
    std::string all = path + ": ";
    for (std::size_t i = 0; i < problems.size(); ++i) all += (i ? "; " : "") + problems[i];
    return core::Error::invalid(all);
  }
  return core::okStatus();
}

core::Result<std::vector<obs::PromotionStep>> parsePromotionOption(std::string_view text) {
  if (text.empty() || text == "none") return std::vector<obs::PromotionStep>{};
  return obs::parsePromotionSchedule(text);
}

std::string findWebRoot(const std::string& exe_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto ok = [&](const fs::path& p) { return fs::exists(p / "speak.html", ec); };
  if (const char* env = std::getenv("PARLEY_WEB_DIR"); env && *env) return env;
  if (ok("web")) return fs::absolute("web", ec).string();
  fs::path exe = fs::weakly_canonical(exe_path, ec).parent_path();
  for (const fs::path& c :
       {exe / ".." / "web", exe / ".." / ".." / "web", fs::path("/usr/share/parley/web")}) {
    if (ok(c)) return fs::weakly_canonical(c, ec).string();
  }
  return "web";
}

}  // namespace parley::server
