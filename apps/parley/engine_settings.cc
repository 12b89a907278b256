#include "engine_settings.h"

#include "flags/flag_value.h"
#include "ingest/config_file.h"

namespace parley::app {

core::Result<EngineSettings> loadEngineSettings(const Args& args) {
  EngineSettings s;
  if (auto problems = flags::applyEngineEnvironment(s.config); !problems.empty()) {
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    return core::Error::usage(joined);
  }
  auto kill = flags::readKillSwitch();
  if (!kill.ok()) return kill.error();
  s.kill_switch = *kill;
  if (auto file = args.get("--config")) {
    if (auto st = ingest::applyConfigFile(s.config, *file); !st) return st.error();
  }
  for (const auto& assignment : args.getAll("--set")) {
    if (auto st = ingest::applySetAssignment(s.config, assignment); !st) return st.error();
  }
  if (auto problems = s.config.validate(); !problems.empty()) {
    return core::Error::usage(problems.front());
  }
  return s;
}

}  // namespace parley::app
