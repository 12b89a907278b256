// Fuzz harness for engine configuration from the edge: TOML files (`--config`, flat keys or an
// [engine] table) and `--set KEY=VALUE`. Never a crash or an exception; invariant: whatever is
// accepted leaves every key within its range (each is range-checked on the way in), and a refused
// file leaves the configuration untouched. docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/config.h"
#include "ingest/config_file.h"

namespace {

// Whether validate() finds a key out of its range (the one rule across keys,
// line_min_split_words <= line_max_words, is the caller's to check after every source applied).
bool outOfRange(const parley::engine::EngineConfig& config) {
  for (const auto& problem : config.validate()) {
    if (problem.rfind("line_min_split_words must be at most", 0) != 0) return true;
  }
  return false;
}

// Every key's value as text, to compare two configurations.
std::string snapshot(const parley::engine::EngineConfig& config) {
  std::string out;
  for (const auto& key : parley::engine::configKeys()) {
    out += key.name;
    out += '=';
    out += parley::engine::getConfigValue(config, key.name);
    out += '\n';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ingest = parley::ingest;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  parley::engine::EngineConfig config;
  const std::string before = snapshot(config);
  auto st = ingest::applyConfigToml(config, text, "fuzz.toml");
  if (st.ok() && outOfRange(config)) std::abort();
  if (!st.ok() && snapshot(config) != before) std::abort();

  parley::engine::EngineConfig set_config;
  auto set = ingest::applySetAssignment(set_config, text);
  if (set.ok() && outOfRange(set_config)) std::abort();
  return 0;
}
