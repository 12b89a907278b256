#include "flags/decision.h"

#include "core/hash.h"

namespace parley::flags {

const char* sourceName(Source s) { return reasonName(reasonFor(s)); }

Reason reasonFor(Source s) {
  switch (s) {
    case Source::kStatic:
      return Reason::kStatic;
    case Source::kCached:
      return Reason::kCached;
    case Source::kStale:
      return Reason::kStale;
    case Source::kDefault:
      return Reason::kDefault;
  }
  return Reason::kDefault;
}

const char* reasonName(Reason r) {
  switch (r) {
    case Reason::kStatic:
      return "STATIC";
    case Reason::kCached:
      return "CACHED";
    case Reason::kStale:
      return "STALE";
    case Reason::kDefault:
      return "DEFAULT";
    case Reason::kDisabled:
      return "DISABLED";
    case Reason::kSplit:
      return "SPLIT";
    case Reason::kError:
      return "ERROR";
  }
  return "ERROR";
}

const char* reasonMeaning(Reason r) {
  switch (r) {
    case Reason::kStatic:
      return "no parameter store configured: environment and built-in defaults only";
    case Reason::kCached:
      return "the parameter store's current value (read through the cache)";
    case Reason::kStale:
      return "the store is unavailable or holds an invalid value: last known good value used";
    case Reason::kDefault:
      return "no usable stored value (none written yet, or the store failed with no last known "
             "good value): environment defaults used";
    case Reason::kDisabled:
      return "disabled by the kill switch PARTIAL_RESULTS_ENABLED=false or by enabled=false";
    case Reason::kSplit:
      return "enabled, but the session's bucket is not below rollout_percentage";
    case Reason::kError:
      return "no decision could be taken (e.g. empty session ID): final-only";
  }
  return "";
}

Decision decide(const FlagSnapshot& snapshot, std::string_view session_id, bool kill_switch) {
  Decision d;
  d.session_id = std::string(session_id);
  d.source = snapshot.source;
  d.rollout_percentage = snapshot.rollout_percentage;
  d.version = snapshot.version;
  d.config = snapshot.config;
  if (session_id.empty()) {
    d.reason = Reason::kError;
    d.detail = "empty session ID";
    return d;
  }
  d.bucket = core::bucketOf(session_id);
  if (kill_switch) {
    d.reason = Reason::kDisabled;
    d.detail = "kill switch: PARTIAL_RESULTS_ENABLED=false";
    return d;
  }
  if (!snapshot.enabled) {
    d.reason = Reason::kDisabled;
    d.detail = std::string("enabled=false (") + sourceName(snapshot.source) + ")";
    return d;
  }
  if (d.bucket >= snapshot.rollout_percentage) {
    d.reason = Reason::kSplit;
    d.detail = "bucket " + std::to_string(d.bucket) + " is not below rollout_percentage " +
               std::to_string(snapshot.rollout_percentage);
    return d;
  }
  d.enabled = true;
  d.reason = reasonFor(snapshot.source);
  d.detail = "bucket " + std::to_string(d.bucket) + " is below rollout_percentage " +
             std::to_string(snapshot.rollout_percentage);
  if (!snapshot.detail.empty()) d.detail += "; " + snapshot.detail;
  return d;
}

std::string describeRollout(bool enabled, int pct) {
  if (!enabled) return "disabled: every session runs final-only";
  if (pct <= 0) return "enabled at 0%: no new session gets partial results";
  if (pct >= 100) return "fully rolled out: every new session gets partial results";
  std::string share = std::to_string(pct) + "% of new sessions get partial results";
  return (pct <= 10 ? "canary: " : "partial rollout: ") + share;
}

}  // namespace parley::flags
