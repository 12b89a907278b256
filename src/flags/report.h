// Output of `parley rollout` and `parley flags` in text and JSON. The JSON shapes are a stable
// interface documented in docs/flags.md (scripts and the rollback drill parse them); the text
// forms are for people. Nothing here does I/O.
#pragma once

#include <string>
#include <vector>

#include "flags/decision.h"
#include "flags/param_store.h"
#include "flags/rollout.h"

namespace parley::flags {

// "2026-11-28T15:30:02.123Z"
std::string isoTime(double unix_seconds);

// Every engine key of configKeys() with its effective value, as a JSON object.
std::string configJson(const engine::EngineConfig& config);

std::string statusJson(const RolloutStatus& status);
std::string statusText(const RolloutStatus& status);

std::string historyJson(const std::vector<ParamVersion>& versions);
std::string historyText(const std::vector<ParamVersion>& versions);

std::string decisionJson(const Decision& decision);
std::string decisionText(const Decision& decision);

// One line for `parley flags watch`: the decision plus the live session's mode and the wall
// time the change was noticed.
std::string watchLineJson(const Decision& decision, engine::Mode live_mode, double noticed_at,
                          const char* event);

}  // namespace parley::flags
