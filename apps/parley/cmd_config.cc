// `parley config`: prints every engine configuration key with its environment variable,
// default, valid range and meaning (the table of docs/configuration.md is its output).
#include <cstdio>
#include <string>

#include "command.h"
#include "engine/config.h"

namespace parley::app {
namespace {

int runConfig(int argc, char** argv) {
  std::string error;
  auto args = Args::parse(argc, argv, {{"--help", false}, {"--markdown", false}}, &error);
  if (!args) return usageError("config", error);
  if (args->wantsHelp()) {
    std::printf(
        "Usage: parley config [--markdown]\n\n"
        "Prints every engine configuration key: its name (for --set KEY=VALUE, TOML files and the\n"
        "flag store value), environment variable, default, valid range and meaning.\n");
    return 0;
  }
  const bool md = args->has("--markdown");
  engine::EngineConfig defaults;
  if (md) {
    std::printf("| key | environment | default | valid | meaning |\n|---|---|---|---|---|\n");
  }
  for (const auto& k : engine::configKeys()) {
    std::string range;
    if (k.type == engine::KeyType::kEnum) {
      range = k.choices;
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g-%g%s%s", k.min, k.max, k.unit[0] ? " " : "", k.unit);
      range = buf;
    }
    std::string def = engine::getConfigValue(defaults, k.name);
    if (md) {
      std::printf("| `%s` | `%s` | %s | %s | %s |\n", k.name, k.env ? k.env : "", def.c_str(),
                  range.c_str(), k.meaning);
    } else {
      std::printf("%-24s %-26s %-16s %-22s %s\n", k.name, k.env ? k.env : "-", def.c_str(),
                  range.c_str(), k.meaning);
    }
  }
  return 0;
}

}  // namespace

PARLEY_COMMAND("config", "list engine configuration keys, defaults and valid ranges", runConfig);

}  // namespace parley::app
