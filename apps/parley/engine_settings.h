// The engine settings of the one-session commands, `parley run` and `parley replay`: one
// precedence order (docs/configuration.md),
//
//   defaults < environment variables < --config FILE.toml < --set KEY=VALUE
//
// plus the kill switch PARTIAL_RESULTS_ENABLED (flags::readKillSwitch). Environment variables are
// read by the flags module (flags::applyEngineEnvironment); files and assignments are parsed by
// ingest (ingest/config_file.h). `parley serve` layers its settings differently (file <
// environment < flag store; docs/configuration.md says both).
#pragma once

#include <string>

#include "command.h"
#include "core/result.h"
#include "engine/config.h"

namespace parley::app {

struct EngineSettings {
  engine::EngineConfig config;
  bool kill_switch = false;  // PARTIAL_RESULTS_ENABLED=false|0|no|off
};

// Reads the environment, `--config` and every `--set` of `args`, in that order, and validates
// the result. The error (a usage error) names the variable, file or key and its range.
core::Result<EngineSettings> loadEngineSettings(const Args& args);

}  // namespace parley::app
