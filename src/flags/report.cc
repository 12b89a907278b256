#include "flags/report.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

namespace parley::flags {
namespace {

using Json = nlohmann::ordered_json;

Json configObject(const engine::EngineConfig& config) {
  Json j = Json::object();
  for (const auto& k : engine::configKeys()) {
    std::string text = engine::getConfigValue(config, k.name);
    if (k.type == engine::KeyType::kEnum) {
      j[k.name] = text;
    } else if (k.type == engine::KeyType::kInteger) {
      j[k.name] = std::strtoll(text.c_str(), nullptr, 10);
    } else {
      j[k.name] = std::strtod(text.c_str(), nullptr);
    }
  }
  return j;
}

Json valueObject(const std::string& text, bool* valid) {
  Json j = Json::parse(text, nullptr, false);
  *valid = !j.is_discarded() && parseFlagValue(text).ok();
  return j.is_discarded() ? Json(text) : j;
}

std::string stateName(bool enabled, int pct) {
  if (!enabled) return "disabled";
  if (pct <= 0) return "off";
  if (pct >= 100) return "full";
  return pct <= 10 ? "canary" : "partial";
}

std::string numberText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string isoTime(double unix_seconds) {
  if (unix_seconds <= 0) return "";
  std::time_t secs = static_cast<std::time_t>(std::floor(unix_seconds));
  int ms = static_cast<int>((unix_seconds - static_cast<double>(secs)) * 1000.0);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string configJson(const engine::EngineConfig& config) { return configObject(config).dump(); }

std::string statusJson(const RolloutStatus& s) {
  Json j = Json::object();
  j["parameter"] = s.parameter;
  j["store"] = s.store;
  j["version"] = s.version;
  j["stored"] = s.stored;
  j["valid"] = s.invalid.empty();
  j["enabled"] = s.value.enabled;
  j["rollout_percentage"] = s.value.rollout_percentage;
  j["min_stability_threshold"] = s.config.min_stability_threshold;
  j["max_buffer_timeout"] = s.config.max_buffer_timeout;
  j["state"] = stateName(s.value.enabled, s.value.rollout_percentage);
  j["meaning"] = describeRollout(s.value.enabled, s.value.rollout_percentage);
  j["kill_switch"] = s.kill_switch;
  j["updated_at"] = s.stored ? Json(s.time) : Json(nullptr);
  j["updated_at_iso"] = s.stored ? Json(isoTime(s.time)) : Json(nullptr);
  j["actor"] = s.stored ? Json(s.actor) : Json(nullptr);
  j["reason"] = s.stored ? Json(s.reason) : Json(nullptr);
  j["value"] = Json::parse(toJson(s.value));
  j["config"] = configObject(s.config);
  if (!s.invalid.empty()) j["error"] = s.invalid;
  if (s.last_automatic) {
    const ParamVersion& a = *s.last_automatic;
    bool valid = false;
    j["last_automatic_action"] = {{"version", a.version},
                                  {"time", a.time},
                                  {"time_iso", isoTime(a.time)},
                                  {"reason", a.reason},
                                  {"value", valueObject(a.value, &valid)}};
  } else {
    j["last_automatic_action"] = nullptr;
  }
  return j.dump();
}

std::string statusText(const RolloutStatus& s) {
  std::string out;
  out += "parameter:   " + s.parameter + "\n";
  out += "store:       " + s.store + "\n";
  if (s.stored) {
    out += "version:     " + std::to_string(s.version) + " (" + isoTime(s.time) + " by " + s.actor +
           (s.reason.empty() ? "" : ": " + s.reason) + ")\n";
  } else {
    out += "version:     0 (nothing stored yet: environment defaults shown)\n";
  }
  if (!s.invalid.empty()) {
    out += "INVALID:     " + s.invalid + "\n";
    out +=
        "             running consumers keep their last known good value (STALE); fix it "
        "with --revert, --set or --disable\n";
    out += "values below are the environment defaults\n";
  }
  out += "state:       " + describeRollout(s.value.enabled, s.value.rollout_percentage) + "\n";
  out += "enabled:     " + std::string(s.value.enabled ? "true" : "false") + "\n";
  out += "rollout_percentage:      " + std::to_string(s.value.rollout_percentage) + "\n";
  out += "min_stability_threshold: " + numberText(s.config.min_stability_threshold) + "\n";
  out += "max_buffer_timeout:      " + numberText(s.config.max_buffer_timeout) + "\n";
  for (const auto& setting : s.value.settings) {
    if (setting.key == "min_stability_threshold" || setting.key == "max_buffer_timeout") continue;
    out += setting.key + ": " + engine::getConfigValue(s.config, setting.key) + "\n";
  }
  if (s.last_automatic) {
    const ParamVersion& a = *s.last_automatic;
    out += "automatic:   version " + std::to_string(a.version) + " (" + isoTime(a.time) +
           "): " + a.reason + "\n";
  }
  for (const auto& w : s.warnings) out += "warning:     " + w + "\n";
  if (s.kill_switch) {
    out +=
        "kill switch: PARTIAL_RESULTS_ENABLED=false is set in this environment: processes "
        "started with it run final-only whatever the store says\n";
  }
  return out;
}

std::string historyJson(const std::vector<ParamVersion>& versions) {
  Json arr = Json::array();
  for (const auto& v : versions) {
    bool valid = false;
    Json e = Json::object();
    e["version"] = v.version;
    e["time"] = v.time;
    e["time_iso"] = isoTime(v.time);
    e["actor"] = v.actor;
    e["reason"] = v.reason;
    e["value"] = valueObject(v.value, &valid);
    e["valid"] = valid;
    arr.push_back(std::move(e));
  }
  return arr.dump();
}

std::string historyText(const std::vector<ParamVersion>& versions) {
  if (versions.empty()) return "no versions stored yet\n";
  std::string out;
  for (const auto& v : versions) {
    bool valid = false;
    Json value = valueObject(v.value, &valid);
    std::string summary;
    if (valid) {
      auto parsed = parseFlagValue(v.value);
      summary = describeRollout(parsed->enabled, parsed->rollout_percentage);
    } else {
      summary = "INVALID";
    }
    out += "v" + std::to_string(v.version) + "  " + isoTime(v.time) + "  " + v.actor + "  " +
           summary + "\n      reason: " + (v.reason.empty() ? "(none)" : v.reason) +
           "\n      value:  " + (value.is_string() ? value.get<std::string>() : value.dump()) +
           "\n";
  }
  return out;
}

std::string decisionJson(const Decision& d) {
  Json j = Json::object();
  j["session_id"] = d.session_id;
  j["bucket"] = d.bucket;
  j["enabled"] = d.enabled;
  j["mode"] = engine::modeName(d.mode());
  j["reason"] = reasonName(d.reason);
  j["reason_meaning"] = reasonMeaning(d.reason);
  j["source"] = sourceName(d.source);
  j["version"] = d.version;
  j["rollout_percentage"] = d.rollout_percentage;
  j["detail"] = d.detail;
  j["config"] = configObject(d.config);
  return j.dump();
}

std::string decisionText(const Decision& d) {
  std::string out;
  out += "session:            " + d.session_id + "\n";
  out += "bucket:             " + std::to_string(d.bucket) +
         "  (first 4 bytes of SHA-256(session id), big-endian, mod 100)\n";
  out += "rollout_percentage: " + std::to_string(d.rollout_percentage) + "\n";
  out += "decision:           " + std::string(d.enabled ? "partial results" : "final-only") + "\n";
  out += "reason:             " + std::string(reasonName(d.reason)) + ": " +
         reasonMeaning(d.reason) + "\n";
  out += "detail:             " + d.detail + "\n";
  out += "value source:       " + std::string(sourceName(d.source)) + ", version " +
         std::to_string(d.version) + "\n";
  out += "effective configuration:\n";
  for (const auto& k : engine::configKeys()) {
    out += "  " + std::string(k.name) + " = " + engine::getConfigValue(d.config, k.name) + "\n";
  }
  return out;
}

std::string watchLineJson(const Decision& d, engine::Mode live_mode, double noticed_at,
                          const char* event) {
  Json j = Json::object();
  j["event"] = event;
  j["noticed_at"] = noticed_at;
  j["session_id"] = d.session_id;
  j["bucket"] = d.bucket;
  j["enabled"] = d.enabled;
  j["reason"] = reasonName(d.reason);
  j["source"] = sourceName(d.source);
  j["version"] = d.version;
  j["rollout_percentage"] = d.rollout_percentage;
  j["live_session_mode"] = engine::modeName(live_mode);
  j["detail"] = d.detail;
  return j.dump();
}

}  // namespace parley::flags
