#include "flags/flag_value.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/json_depth.h"
#include "core/log.h"

namespace parley::flags {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kPercentageRange = "rollout_percentage must be an integer in [0, 100]";
constexpr const char* kEnabledRange = "enabled must be a boolean (true or false)";

const char* jsonTypeName(const Json& j) {
  if (j.is_boolean()) return "boolean";
  if (j.is_number_integer()) return "integer";
  if (j.is_number_float()) return "number";
  if (j.is_string()) return "string";
  if (j.is_null()) return "null";
  if (j.is_array()) return "array";
  return "object";
}

std::string got(const Json& j) { return std::string(jsonTypeName(j)) + " " + j.dump(); }

bool choiceAllowed(const engine::ConfigKey& key, std::string_view text) {
  std::string_view choices = key.choices ? key.choices : "";
  while (!choices.empty()) {
    auto bar = choices.find('|');
    std::string_view one = choices.substr(0, bar);
    if (one == text) return true;
    if (bar == std::string_view::npos) break;
    choices.remove_prefix(bar + 1);
  }
  return false;
}

// Checks one engine key's JSON value against configKeys(); returns the Setting or a problem.
core::Result<Setting> engineSetting(const engine::ConfigKey& key, const Json& j) {
  const std::string range = engine::describeRange(key);
  Setting s;
  s.key = key.name;
  switch (key.type) {
    case engine::KeyType::kEnum:
      if (!j.is_string() || !choiceAllowed(key, j.get<std::string>())) {
        return core::Error::invalid(range + " (got " + got(j) + ")");
      }
      s.text = j.get<std::string>();
      return s;
    case engine::KeyType::kInteger:
      if (!j.is_number_integer()) return core::Error::invalid(range + " (got " + got(j) + ")");
      s.number = j.get<double>();
      break;
    case engine::KeyType::kNumber:
      if (!j.is_number()) return core::Error::invalid(range + " (got " + got(j) + ")");
      s.number = j.get<double>();
      break;
  }
  if (!std::isfinite(s.number) || s.number < key.min || s.number > key.max) {
    return core::Error::invalid(range + " (got " + j.dump() + ")");
  }
  return s;
}

void putSorted(std::vector<Setting>& settings, Setting s) {
  for (auto& existing : settings) {
    if (existing.key == s.key) {
      existing = std::move(s);
      return;
    }
  }
  settings.push_back(std::move(s));
  // Keep configKeys() order so that the canonical JSON is stable.
  auto rank = [](const std::string& k) {
    int i = 0;
    for (const auto& ck : engine::configKeys()) {
      if (k == ck.name) return i;
      ++i;
    }
    return i;
  };
  std::stable_sort(settings.begin(), settings.end(),
                   [&](const Setting& a, const Setting& b) { return rank(a.key) < rank(b.key); });
}

core::Status unknownKey(std::string_view key) {
  std::string known = "enabled, rollout_percentage";
  for (const auto& ck : engine::configKeys()) known += std::string(", ") + ck.name;
  return core::Error::invalid("unknown key '" + std::string(key) + "' (known keys: " + known + ")");
}

std::optional<long long> parseInteger(std::string_view text) {
  std::string s(text);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size() || errno != 0) return std::nullopt;
  return v;
}

}  // namespace

engine::EngineConfig FlagValue::applyTo(engine::EngineConfig base) const {
  for (const auto& s : settings) {
    const engine::ConfigKey* key = engine::findConfigKey(s.key);
    if (!key) continue;
    // Settings were validated when parsed; a failure here would leave the base value.
    if (key->type == engine::KeyType::kEnum) {
      (void)engine::setConfigValue(base, s.key, s.text);
    } else {
      (void)engine::setConfigNumber(base, s.key, s.number);
    }
  }
  return base;
}

const Setting* FlagValue::find(std::string_view key) const {
  for (const auto& s : settings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

void FlagValue::put(Setting setting) { putSorted(settings, std::move(setting)); }

core::Result<FlagValue> parseFlagValue(std::string_view text, std::vector<std::string>* warnings) {
  // Unknown keys and messages print what was read: deep nesting would overflow the stack.
  if (core::jsonNestedDeeperThan(text)) {
    return core::Error::invalid("flag value is nested deeper than " +
                                std::to_string(core::kMaxJsonNesting) + " levels");
  }
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Parse again with exceptions to get the position of the error for the message.
    std::string where;
    try {
      Json ignored = Json::parse(text.begin(), text.end());
      (void)ignored;
    } catch (const Json::exception& e) {  // parse_error, or out_of_range for 1e400
      where = e.what();
    }
    return core::Error::invalid("flag value is not valid JSON: " + where);
  }
  if (!j.is_object()) {
    return core::Error::invalid("flag value must be a JSON object (got " + got(j) + ")");
  }
  FlagValue v;
  std::vector<std::string> problems;
  bool has_enabled = false;
  bool has_percentage = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const Json& field = it.value();
    if (name == "enabled") {
      has_enabled = true;
      if (!field.is_boolean()) {
        problems.push_back(std::string(kEnabledRange) + " (got " + got(field) + ")");
      } else {
        v.enabled = field.get<bool>();
      }
    } else if (name == "rollout_percentage") {
      has_percentage = true;
      if (!field.is_number_integer() || field.get<long long>() < 0 ||
          field.get<long long>() > 100) {
        problems.push_back(std::string(kPercentageRange) + " (got " + got(field) + ")");
      } else {
        v.rollout_percentage = field.get<int>();
      }
    } else if (const engine::ConfigKey* key = engine::findConfigKey(name)) {
      auto s = engineSetting(*key, field);
      if (s.ok()) {
        putSorted(v.settings, std::move(s).value());
      } else {
        problems.push_back(s.error().message);
      }
    } else {
      v.unknown.emplace_back(name, field.dump());
      if (warnings) warnings->push_back("unknown key '" + name + "' ignored");
    }
  }
  if (!has_enabled) problems.push_back(std::string(kEnabledRange) + " (missing)");
  if (!has_percentage) problems.push_back(std::string(kPercentageRange) + " (missing)");
  if (!problems.empty()) {
    std::string message = "invalid flag value: ";
    for (std::size_t i = 0; i < problems.size(); ++i) {
      if (i) message += "; ";
      message += problems[i];
    }
    return core::Error::invalid(message);
  }
  return v;
}

std::string toJson(const FlagValue& value) {
  Json j = Json::object();
  j["enabled"] = value.enabled;
  j["rollout_percentage"] = value.rollout_percentage;
  for (const auto& s : value.settings) {
    const engine::ConfigKey* key = engine::findConfigKey(s.key);
    if (!key) continue;
    if (key->type == engine::KeyType::kEnum) {
      j[s.key] = s.text;
    } else if (key->type == engine::KeyType::kInteger) {
      j[s.key] = static_cast<long long>(s.number);
    } else {
      j[s.key] = s.number;
    }
  }
  for (const auto& [name, text] : value.unknown) {
    j[name] = Json::parse(text, nullptr, false);
  }
  return j.dump();
}

core::Status setFromText(FlagValue& value, std::string_view key, std::string_view text) {
  if (key == "enabled") {
    if (text == "true")
      value.enabled = true;
    else if (text == "false")
      value.enabled = false;
    else
      return core::Error::invalid(std::string(kEnabledRange) + " (got '" + std::string(text) +
                                  "')");
    return core::okStatus();
  }
  if (key == "rollout_percentage") {
    auto n = parseInteger(text);
    if (!n || *n < 0 || *n > 100) {
      return core::Error::invalid(std::string(kPercentageRange) + " (got '" + std::string(text) +
                                  "')");
    }
    value.rollout_percentage = static_cast<int>(*n);
    return core::okStatus();
  }
  const engine::ConfigKey* k = engine::findConfigKey(key);
  if (!k) return unknownKey(key);
  Json j;
  if (k->type == engine::KeyType::kEnum) {
    j = std::string(text);
  } else if (k->type == engine::KeyType::kInteger) {
    auto n = parseInteger(text);
    if (!n)
      return core::Error::invalid(engine::describeRange(*k) + " (got '" + std::string(text) + "')");
    j = *n;
  } else {
    std::string s(text);
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno != 0) {
      return core::Error::invalid(engine::describeRange(*k) + " (got '" + s + "')");
    }
    j = d;
  }
  auto setting = engineSetting(*k, j);
  if (!setting.ok()) return setting.error();
  value.put(std::move(setting).value());
  return core::okStatus();
}

core::Status setFromJson(FlagValue& value, std::string_view key, std::string_view json) {
  Json j = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return core::Error::invalid("the value of " + std::string(key) + " is not valid JSON");
  }
  if (key == "enabled") {
    if (!j.is_boolean())
      return core::Error::invalid(std::string(kEnabledRange) + " (got " + got(j) + ")");
    value.enabled = j.get<bool>();
    return core::okStatus();
  }
  if (key == "rollout_percentage") {
    if (!j.is_number_integer() || j.get<long long>() < 0 || j.get<long long>() > 100) {
      return core::Error::invalid(std::string(kPercentageRange) + " (got " + got(j) + ")");
    }
    value.rollout_percentage = j.get<int>();
    return core::okStatus();
  }
  const engine::ConfigKey* k = engine::findConfigKey(key);
  if (!k) return unknownKey(key);
  auto setting = engineSetting(*k, j);
  if (!setting.ok()) return setting.error();
  value.put(std::move(setting).value());
  return core::okStatus();
}

FlagValue FlagEnvironment::defaultValue() const {
  FlagValue v;
  v.enabled = enabled;
  v.rollout_percentage = rollout_percentage;
  Setting threshold{"min_stability_threshold", config.min_stability_threshold, ""};
  Setting buffer{"max_buffer_timeout", config.max_buffer_timeout, ""};
  v.put(threshold);
  v.put(buffer);
  return v;
}

std::optional<bool> parseBoolText(std::string_view text) {
  std::string low;
  for (char c : text) low.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  if (low == "true" || low == "1" || low == "yes" || low == "on") return true;
  if (low == "false" || low == "0" || low == "no" || low == "off") return false;
  return std::nullopt;
}

core::Result<bool> parseKillSwitch(std::string_view text) {
  if (auto enabled = parseBoolText(text)) return !*enabled;
  return core::Error::usage(
      "PARTIAL_RESULTS_ENABLED must be true|1|yes|on or false|0|no|off (got '" + std::string(text) +
      "')");
}

core::Result<bool> readKillSwitch() {
  const char* v = std::getenv("PARTIAL_RESULTS_ENABLED");
  if (!v || !*v) return false;
  return parseKillSwitch(v);
}

bool killSwitchFromEnvironment() {
  auto on = readKillSwitch();
  return on.ok() && *on;
}

std::vector<std::string> applyEngineEnvironment(engine::EngineConfig& config) {
  std::vector<std::string> problems;
  for (const auto& k : engine::configKeys()) {
    if (!k.env) continue;
    const char* v = std::getenv(k.env);
    if (!v || !*v) continue;
    auto st = engine::setConfigValue(config, k.name, v);
    if (!st.ok()) problems.push_back(std::string(k.env) + ": " + st.error().message);
  }
  return problems;
}

FlagEnvironment readFlagEnvironment() {
  FlagEnvironment env;
  env.problems = applyEngineEnvironment(env.config);
  if (const char* v = std::getenv("FEATURE_FLAG_PARAMETER_NAME"); v && *v) {
    env.parameter_name = v;
  }
  if (auto kill = readKillSwitch(); kill.ok()) {
    env.enabled = !*kill;
  } else {
    env.problems.push_back(kill.error().message);
  }
  if (const char* v = std::getenv("ROLLOUT_PERCENTAGE"); v && *v) {
    auto n = parseInteger(v);
    if (n && *n >= 0 && *n <= 100) {
      env.rollout_percentage = static_cast<int>(*n);
    } else {
      env.problems.push_back(std::string("ROLLOUT_PERCENTAGE: ") + kPercentageRange + " (got '" +
                             v + "')");
    }
  }
  if (const char* v = std::getenv("FEATURE_FLAG_CACHE_TTL"); v && *v) {
    std::string s(v);
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0 && std::isfinite(d) && d >= 0 &&
        d <= 86400) {
      env.cache_ttl = d;
    } else {
      env.problems.push_back(
          "FEATURE_FLAG_CACHE_TTL must be a number of seconds in [0, 86400] "
          "(got '" +
          s + "')");
    }
  }
  return env;
}

}  // namespace parley::flags
