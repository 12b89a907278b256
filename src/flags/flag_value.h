// The flag value kept in the parameter store: `enabled`, `rollout_percentage` and engine keys
// (min_stability_threshold, max_buffer_timeout, ... from engine::configKeys(), so every key is
// declared once). Parsing is strict: "false" is not a bool, 50.5 is not an integer, and every
// range comes from configKeys(); a problem names the field and its valid range. Unknown keys are
// reported as warnings and kept, so a rewrite never drops them. Also the environment defaults
// (docs/flags.md "Environment and precedence") that apply when the store has no value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "engine/config.h"

namespace parley::flags {

inline constexpr const char* kDefaultParameterName = "/audio-transcription/partial-results/config";
inline constexpr double kDefaultCacheTtl = 60.0;

// One engine key present in a flag value. `number` holds numbers and integers, `text` enums.
struct Setting {
  std::string key;
  double number = 0;
  std::string text;
};

struct FlagValue {
  bool enabled = true;
  int rollout_percentage = 100;
  std::vector<Setting> settings;  // engine keys in the value, in configKeys() order
  // Keys that are neither flag nor engine keys: name -> JSON text, kept verbatim.
  std::vector<std::pair<std::string, std::string>> unknown;

  // Engine keys of the value applied over `base` (the environment's configuration).
  engine::EngineConfig applyTo(engine::EngineConfig base) const;
  const Setting* find(std::string_view key) const;
  // Sets an engine key (already validated) or replaces it.
  void put(Setting setting);
};

// Parses and validates a stored value. Warnings (unknown keys) go to *warnings when given.
// Errors are kInvalidInput with every problem, each naming the field and its valid range.
core::Result<FlagValue> parseFlagValue(std::string_view json,
                                       std::vector<std::string>* warnings = nullptr);
// Canonical JSON text: enabled, rollout_percentage, engine keys, unknown keys.
std::string toJson(const FlagValue& value);

// Sets one key from command-line text (`--set KEY=VALUE`): enabled (true|false),
// rollout_percentage (integer 0-100) or an engine key. Errors name the key and its range.
core::Status setFromText(FlagValue& value, std::string_view key, std::string_view text);
// Sets one key from a JSON value (the HTTP API's `"set": {key: value}`), typed as strictly as a
// stored value (docs/flags.md): the string "5" is not an integer, "true" is not a boolean.
core::Status setFromJson(FlagValue& value, std::string_view key, std::string_view json);

// Environment defaults (docs/flags.md "Environment and precedence"): what applies when the store
// has no value.
struct FlagEnvironment {
  std::string parameter_name = kDefaultParameterName;  // FEATURE_FLAG_PARAMETER_NAME
  bool enabled = true;                                 // PARTIAL_RESULTS_ENABLED
  int rollout_percentage = 100;                        // ROLLOUT_PERCENTAGE
  double cache_ttl = kDefaultCacheTtl;                 // FEATURE_FLAG_CACHE_TTL, seconds
  engine::EngineConfig config;                         // engine keys from their variables
  std::vector<std::string> problems;                   // variables that were ignored, and why

  // The value a store without this parameter stands for.
  FlagValue defaultValue() const;
};

// Reads the variables above (invalid ones are listed in problems and ignored).
FlagEnvironment readFlagEnvironment();

// Applies the engine keys' environment variables that are set (ConfigKey::env of
// engine::configKeys(): MIN_STABILITY_THRESHOLD, ...) over `config`; a variable that does not
// parse or is out of range is left out and listed in the result (naming the variable, the key and
// its range). The engine itself never reads the environment: this is its edge.
std::vector<std::string> applyEngineEnvironment(engine::EngineConfig& config);

// Parses PARTIAL_RESULTS_ENABLED-style text: true|1|yes|on or false|0|no|off (any case).
std::optional<bool> parseBoolText(std::string_view text);

// The kill switch, PARTIAL_RESULTS_ENABLED: the one reading every command uses (parley run,
// replay, serve, flags, rollout; docs/configuration.md). true|1|yes|on: partial results allowed;
// false|0|no|off: the kill switch is on (any case). Returns whether the kill switch is on; any
// other text is an error naming the variable and the accepted spellings.
core::Result<bool> parseKillSwitch(std::string_view text);
// PARTIAL_RESULTS_ENABLED from the environment; unset or empty: off (partial results allowed).
core::Result<bool> readKillSwitch();
// readKillSwitch() where an unreadable value cannot stop the caller (the server's hot path,
// reports): true only when the variable reads as on. readFlagEnvironment() lists the problem.
bool killSwitchFromEnvironment();

}  // namespace parley::flags
