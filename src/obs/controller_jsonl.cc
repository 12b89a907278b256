// JSON lines of the rollout controller simulator (see rollout_controller.h, docs/alarms.md).
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "obs/rollout_controller.h"

namespace parley::obs {
namespace {

using nlohmann::json;

core::Status readNumber(const json& obj, const char* key, const std::string& where, double* out,
                        bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return core::Error::invalid(where + key + " is required");
    return core::okStatus();
  }
  if (!it->is_number()) return core::Error::invalid(where + key + " must be a number");
  double v = it->get<double>();
  if (!std::isfinite(v) || v < 0) return core::Error::invalid(where + key + " must be >= 0");
  *out = v;
  return core::okStatus();
}

core::Status readSide(const json& root, const char* key, SideMetrics* side, bool required) {
  auto it = root.find(key);
  if (it == root.end()) {
    if (required) return core::Error::invalid(std::string(key) + " is required");
    return core::okStatus();
  }
  if (!it->is_object()) return core::Error::invalid(std::string(key) + " must be an object");
  const std::string where = std::string(key) + ".";
  auto samples = it->find("samples");
  if (samples == it->end() || !samples->is_number_integer() || samples->get<long long>() < 0 ||
      samples->get<long long>() > 1000000000) {
    return core::Error::invalid(where + "samples must be an integer >= 0");
  }
  side->samples = static_cast<int>(samples->get<long long>());
  if (auto listeners = it->find("complaining_listeners"); listeners != it->end()) {
    if (!listeners->is_number_integer() || listeners->get<long long>() < 0 ||
        listeners->get<long long>() > 1000000000) {
      return core::Error::invalid(where + "complaining_listeners must be an integer >= 0");
    }
    side->complaining_listeners = static_cast<int>(listeners->get<long long>());
  }
  for (auto [name, field] : {std::pair{"latency_p95_s", &side->latency_p95_s},
                             std::pair{"error_rate", &side->error_rate},
                             std::pair{"dropped_per_min", &side->dropped_per_min},
                             std::pair{"orphaned_per_session", &side->orphaned_per_session},
                             std::pair{"complaints_per_hour", &side->complaints_per_hour}}) {
    auto st = readNumber(*it, name, where, field, false);
    if (!st.ok()) return st;
  }
  if (!std::isnan(side->error_rate) && side->error_rate > 1) {
    return core::Error::invalid(where + "error_rate must be a fraction in [0, 1]");
  }
  return core::okStatus();
}

std::string num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

core::Result<ControllerInput> parseControllerInput(std::string_view line) {
  json root = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return core::Error::invalid("not valid JSON");
  if (!root.is_object()) return core::Error::invalid("a line must be a JSON object");
  ControllerInput in;
  auto t = root.find("t");
  if (t == root.end() || !t->is_number() || !std::isfinite(t->get<double>())) {
    return core::Error::invalid("t is required and must be a number (seconds)");
  }
  in.t = t->get<double>();
  auto pct = root.find("percentage");
  if (pct == root.end() || !pct->is_number_integer() || pct->get<long long>() < 0 ||
      pct->get<long long>() > 100) {
    return core::Error::invalid("percentage is required and must be an integer in [0, 100]");
  }
  in.percentage = static_cast<int>(pct->get<long long>());
  if (auto en = root.find("enabled"); en != root.end()) {
    if (!en->is_boolean()) return core::Error::invalid("enabled must be true or false");
    in.enabled = en->get<bool>();
  }
  if (auto st = readSide(root, "canary", &in.canary, true); !st.ok()) return st.error();
  if (auto st = readSide(root, "baseline", &in.baseline, false); !st.ok()) return st.error();
  return in;
}

std::string decisionJson(const ControllerDecision& d) {
  std::string out = "{\"t\":" + num(d.t) + ",\"action\":\"" + actionName(d.action) + "\"";
  if (d.action == Action::kSetPercentage) out += ",\"percentage\":" + std::to_string(d.percentage);
  out += ",\"reason\":\"" + core::log::jsonEscape(d.reason) + "\"";
  if (!d.metric.empty()) out += ",\"metric\":\"" + core::log::jsonEscape(d.metric) + "\"";
  if (d.alert) out += ",\"alert\":true";
  if (d.error) out += ",\"error\":\"" + core::log::jsonEscape(d.error->message) + "\"";
  return out + "}";
}

}  // namespace parley::obs
