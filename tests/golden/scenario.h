// Golden scenario folders (tests/golden/<name>/): input.jsonl, an optional args file with
// `parley replay` options (--mode, --set KEY=VALUE, --session-id, --config FILE relative to the
// folder; # starts a comment), and expected.jsonl, the replay's stdout.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "replay/replay.h"

namespace parley::golden {

std::string goldenDir();
// Scenario folder names (those holding an input.jsonl), sorted.
std::vector<std::string> listScenarios();
std::vector<std::string> readArgs(const std::string& scenario);
core::Result<replay::ReplayOptions> optionsFromArgs(const std::string& scenario,
                                                    const std::vector<std::string>& args);
std::string readFile(const std::string& path);

}  // namespace parley::golden
