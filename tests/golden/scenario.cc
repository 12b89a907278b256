#include "scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/config.h"
#include "ingest/config_file.h"

namespace parley::golden {

std::string goldenDir() { return std::string(PARLEY_SOURCE_DIR) + "/tests/golden"; }

std::vector<std::string> listScenarios() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(goldenDir(), ec)) {
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "input.jsonl")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> readArgs(const std::string& scenario) {
  std::vector<std::string> args;
  std::ifstream in(goldenDir() + "/" + scenario + "/args");
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string w;
    while (words >> w) args.push_back(w);
  }
  return args;
}

core::Result<replay::ReplayOptions> optionsFromArgs(const std::string& scenario,
                                                    const std::vector<std::string>& args) {
  replay::ReplayOptions o;
  std::vector<std::string> sets;
  std::string config_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (i + 1 >= args.size()) return core::Error::usage("option " + a + " needs a value");
    const std::string& v = args[++i];
    if (a == "--mode") {
      auto m = engine::parseMode(v);
      if (!m) return m.error();
      o.mode = *m;
    } else if (a == "--set") {
      sets.push_back(v);
    } else if (a == "--session-id") {
      o.session_id = v;
    } else if (a == "--config") {
      config_file = goldenDir() + "/" + scenario + "/" + v;
    } else {
      return core::Error::usage("unknown option " + a + " in " + scenario + "/args");
    }
  }
  // Same precedence as the CLI (without the environment, so results do not depend on it).
  if (!config_file.empty()) {
    if (auto st = ingest::applyConfigFile(o.config, config_file); !st) return st.error();
  }
  for (const auto& s : sets) {
    if (auto st = ingest::applySetAssignment(o.config, s); !st) return st.error();
  }
  return o;
}

}  // namespace parley::golden
