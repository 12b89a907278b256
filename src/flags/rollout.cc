#include "flags/rollout.h"

#include <unistd.h>

#include <cstdlib>

namespace parley::flags {
namespace {

constexpr int kConflictRetries = 5;

bool isConflict(const core::Error& e) { return e.message.rfind("conflict:", 0) == 0; }

struct Base {
  long long latest_version = 0;  // newest version, valid or not
  FlagValue value;
  std::vector<std::string> notes;
};

core::Result<Base> readBase(ParamStore& store, const FlagEnvironment& env) {
  Base base;
  base.value = env.defaultValue();
  auto latest = store.latest(env.parameter_name);
  if (!latest.ok()) return latest.error();
  if (!latest->has_value()) return base;
  base.latest_version = (*latest)->version;
  auto parsed = parseFlagValue((*latest)->value);
  if (parsed.ok()) {
    base.value = std::move(parsed).value();
    return base;
  }
  // The newest version is invalid: start from the newest valid one.
  auto history = store.history(env.parameter_name, 0);
  if (!history.ok()) return history.error();
  for (auto it = history->rbegin(); it != history->rend(); ++it) {
    auto v = parseFlagValue(it->value);
    if (v.ok()) {
      base.value = std::move(v).value();
      base.notes.push_back("version " + std::to_string(base.latest_version) +
                           " is invalid; the change starts from version " +
                           std::to_string(it->version));
      return base;
    }
  }
  base.notes.push_back("version " + std::to_string(base.latest_version) +
                       " is invalid and no valid version exists; the change starts from the "
                       "environment defaults");
  return base;
}

}  // namespace

core::Result<RolloutStatus> readStatus(ParamStore& store, const FlagEnvironment& env) {
  RolloutStatus s;
  s.parameter = env.parameter_name;
  s.store = store.url();
  s.kill_switch = killSwitchFromEnvironment();
  s.value = env.defaultValue();
  auto latest = store.latest(env.parameter_name);
  if (!latest.ok()) return latest.error();
  if (latest->has_value()) {
    const ParamVersion& v = **latest;
    s.stored = true;
    s.version = v.version;
    s.time = v.time;
    s.actor = v.actor;
    s.reason = v.reason;
    auto parsed = parseFlagValue(v.value, &s.warnings);
    if (parsed.ok()) {
      s.value = std::move(parsed).value();
    } else {
      s.invalid = parsed.error().message;
    }
  }
  s.config = s.value.applyTo(env.config);
  return s;
}

core::Status findLastAutomaticAction(ParamStore& store, RolloutStatus& status) {
  status.last_automatic.reset();
  auto history = store.history(status.parameter, kAutomaticSearchDepth);
  if (!history.ok()) return history.error();
  for (auto it = history->rbegin(); it != history->rend(); ++it) {
    if (it->actor == kAutoRollbackActor) {
      status.last_automatic = *it;
      break;
    }
  }
  return core::okStatus();
}

core::Result<WriteResult> writeChange(ParamStore& store, const FlagEnvironment& env,
                                      const RolloutChange& change, const std::string& actor,
                                      const std::string& reason) {
  for (int attempt = 0;; ++attempt) {
    auto base = readBase(store, env);
    if (!base.ok()) return base.error();
    FlagValue value = base->value;
    if (change.enabled) value.enabled = *change.enabled;
    if (change.rollout_percentage) {
      if (*change.rollout_percentage < 0 || *change.rollout_percentage > 100) {
        return core::Error::invalid("rollout_percentage must be an integer in [0, 100] (got " +
                                    std::to_string(*change.rollout_percentage) + ")");
      }
      value.rollout_percentage = *change.rollout_percentage;
    }
    for (const auto& [key, text] : change.sets) {
      auto st = setFromText(value, key, text);
      if (!st.ok()) return st.error();
    }
    for (const auto& [key, json] : change.json_sets) {
      auto st = setFromJson(value, key, json);
      if (!st.ok()) return st.error();
    }
    std::string json = toJson(value);
    auto check = parseFlagValue(json);  // what consumers will parse must be valid
    if (!check.ok()) return check.error();
    auto written = store.put(env.parameter_name, json, actor, reason, base->latest_version);
    if (written.ok()) {
      return WriteResult{std::move(written).value(), std::move(value), std::move(base->notes)};
    }
    if (!isConflict(written.error()) || attempt + 1 >= kConflictRetries) return written.error();
  }
}

core::Result<WriteResult> revertTo(ParamStore& store, const FlagEnvironment& env, long long version,
                                   const std::string& actor, const std::string& reason) {
  auto old = store.get(env.parameter_name, version);
  if (!old.ok()) return old.error();
  if (!old->has_value()) {
    return core::Error::invalid("parameter " + env.parameter_name + " has no version " +
                                std::to_string(version) + " (see --history)");
  }
  auto value = parseFlagValue((*old)->value);
  if (!value.ok()) {
    return core::Error::invalid("version " + std::to_string(version) +
                                " cannot be restored: " + value.error().message);
  }
  std::string why = "revert to version " + std::to_string(version);
  if (!reason.empty()) why += ": " + reason;
  auto written = store.put(env.parameter_name, toJson(*value), actor, why);
  if (!written.ok()) return written.error();
  return WriteResult{std::move(written).value(), std::move(value).value(), {}};
}

std::string actorFromEnvironment() {
  if (const char* a = std::getenv("PARLEY_ACTOR"); a && *a) return a;
  if (const char* u = std::getenv("USER"); u && *u) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0]) return std::string(u) + "@" + host;
    return u;
  }
  return "cli";
}

}  // namespace parley::flags
