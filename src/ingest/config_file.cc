// Engine settings from the edge (config_file.h): --set assignments and TOML config files.
// toml++ stays in this file.
#include <toml++/toml.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/config_file.h"

namespace parley::ingest {

namespace {

std::string joinProblems(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += "; ";
    out += p;
  }
  return out;
}

std::string knownKeys() {
  std::string out;
  for (const auto& k : engine::configKeys()) {
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

std::string shown(const toml::node& node) {
  std::ostringstream out;
  node.visit([&](auto&& v) { out << v; });
  return out.str();
}

void applyTable(engine::EngineConfig& config, const toml::table& table, bool top_level,
                std::vector<std::string>& problems) {
  for (auto&& [key_node, node] : table) {
    std::string key(key_node.str());
    if (const toml::table* sub = node.as_table()) {
      if (top_level && key == "engine") {
        applyTable(config, *sub, false, problems);
      } else {
        problems.push_back("unknown table [" + key + "] (only [engine] is read)");
      }
      continue;
    }
    const engine::ConfigKey* k = engine::findConfigKey(key);
    if (!k) {
      problems.push_back("unknown configuration key '" + key + "' (known: " + knownKeys() + ")");
      continue;
    }
    core::Status st = core::okStatus();
    if (k->type == engine::KeyType::kEnum) {
      if (auto s = node.value_exact<std::string>()) {
        st = engine::setConfigValue(config, key, *s);
      } else {
        problems.push_back(engine::describeRange(*k) + " (got " + shown(node) + ")");
        continue;
      }
    } else if (auto i = node.value_exact<int64_t>()) {
      st = engine::setConfigNumber(config, key, static_cast<double>(*i));
    } else if (auto d = node.value_exact<double>()) {
      st = engine::setConfigNumber(config, key, *d);
    } else {
      problems.push_back(engine::describeRange(*k) + " (got " + shown(node) + ")");
      continue;
    }
    if (!st) problems.push_back(st.error().message);
  }
}

}  // namespace

core::Status applyConfigToml(engine::EngineConfig& config, std::string_view toml_text,
                             std::string_view origin) {
  toml::table table;
  try {
    table = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return core::Error::invalid(std::string(origin) + ":" + std::to_string(where.line) + ":" +
                                std::to_string(where.column) + ": " + std::string(e.description()));
  }
  std::vector<std::string> problems;
  engine::EngineConfig updated = config;
  applyTable(updated, table, true, problems);
  if (!problems.empty()) {
    return core::Error::invalid(std::string(origin) + ": " + joinProblems(problems));
  }
  config = updated;
  return core::okStatus();
}

core::Status applySetAssignment(engine::EngineConfig& config, std::string_view assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return core::Error::usage("--set needs KEY=VALUE (got '" + std::string(assignment) + "')");
  }
  return engine::setConfigValue(config, assignment.substr(0, eq), assignment.substr(eq + 1));
}

core::Status applyConfigFile(engine::EngineConfig& config, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Error::invalid("cannot read config file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return core::Error::invalid("cannot read config file " + path);
  return applyConfigToml(config, text.str(), path);
}

}  // namespace parley::ingest
