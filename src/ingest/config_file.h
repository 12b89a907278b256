// Engine settings from the edge: `--set key=value` assignments and TOML config files (flat
// `key = value` lines, or the same inside an [engine] table). Keys, types and ranges come from
// engine::configKeys(). toml++ stays in config_file.cc.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "engine/config.h"

namespace parley::ingest {

// Applies one `--set key=value` assignment (keys and ranges: engine::configKeys()).
core::Status applySetAssignment(engine::EngineConfig& config, std::string_view assignment);

// Applies a TOML file of engine settings: flat `key = value` lines, or the same inside an
// [engine] table. Numbers for numeric keys, strings for enum keys. Every problem is reported
// (unknown keys and tables, wrong types, out-of-range values), each naming the key.
core::Status applyConfigFile(engine::EngineConfig& config, const std::string& path);
// The same from TOML text (`origin` names it in messages).
core::Status applyConfigToml(engine::EngineConfig& config, std::string_view toml_text,
                             std::string_view origin);

}  // namespace parley::ingest
