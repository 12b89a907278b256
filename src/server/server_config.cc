#include "server/server_config.h"

#include <toml++/toml.h>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "ingest/replay.h"

namespace parley::server {

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
  if (host.empty()) p.push_back("host must not be empty");
  if (languages.empty()) p.push_back("languages must list at least one target language");
  return p;
}

core::Status applyServerConfigFile(ServerConfig& config, engine::EngineConfig& engine,
                                   const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream o;
    o << path << ": " << e.description() << " (line " << e.source().begin.line << ")";
    return core::Error::invalid(o.str());
  }
  std::vector<std::string> problems;
  toml::table engine_keys;
  for (auto&& [k, node] : root) {
    std::string key(k.str());
    if (key == "server") {
      const toml::table* t = node.as_table();
      if (!t) {
        problems.push_back("[server] must be a table");
        continue;
      }
      for (auto&& [sk, sn] : *t) {
        std::string name(sk.str());
        auto num = [&](double* out) {
          if (auto i = sn.value_exact<int64_t>()) {
            *out = static_cast<double>(*i);
          } else if (auto d = sn.value_exact<double>()) {
            *out = *d;
          } else {
            problems.push_back("server." + name + " must be a number");
            return false;
          }
          return true;
        };
        auto str = [&](std::string* out) {
          if (auto s = sn.value_exact<std::string>()) {
            *out = *s;
          } else {
            problems.push_back("server." + name + " must be a string");
          }
        };
        double v = 0;
        if (name == "host") {
          str(&config.host);
        } else if (name == "port") {
          if (num(&v)) config.port = static_cast<int>(v);
        } else if (name == "data_dir") {
          str(&config.data_dir);
        } else if (name == "store") {
          str(&config.store_url);
        } else if (name == "web_root") {
          str(&config.web_root);
        } else if (name == "public_url") {
          str(&config.public_url);
        } else if (name == "threads") {
          if (num(&v)) config.threads = static_cast<int>(v);
        } else if (name == "max_listeners") {
          if (num(&v)) config.max_listeners = static_cast<std::size_t>(v);
        } else if (name == "max_session_seconds") {
          num(&config.max_session_s);
        } else if (name == "heartbeat_seconds") {
          num(&config.heartbeat_s);
        } else if (name == "heartbeat_timeout_seconds") {
          num(&config.heartbeat_timeout_s);
        } else if (name == "max_frame_bytes") {
          if (num(&v)) config.max_frame_bytes = static_cast<std::size_t>(v);
        } else if (name == "listener_queue") {
          if (num(&v)) config.listener_queue = static_cast<std::size_t>(v);
        } else if (name == "history") {
          if (num(&v)) config.history = static_cast<int>(v);
        } else if (name == "drain_timeout_seconds") {
          num(&config.drain_timeout_s);
        } else if (name == "synthesize") {
          if (auto b = sn.value_exact<bool>()) {
            config.synthesize = *b;
          } else {
            problems.push_back("server.synthesize must be true or false");
          }
        } else if (name == "languages") {
          const toml::array* a = sn.as_array();
          if (!a) {
            problems.push_back("server.languages must be an array of strings");
            continue;
          }
          config.languages.clear();
          for (auto&& el : *a) {
            if (auto s = el.value_exact<std::string>()) {
              config.languages.push_back(*s);
            } else {
              problems.push_back("server.languages must be an array of strings");
            }
          }
        } else {
          problems.push_back("unknown key server." + name);
        }
      }
    } else if (key == "engine") {
      if (const toml::table* t = node.as_table()) {
        for (auto&& [ek, en] : *t) engine_keys.insert(ek, en);
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
