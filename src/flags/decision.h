// Per-session rollout decisions (docs/flags.md "Environment and precedence", the decision). A
// FlagSnapshot is what a consumer currently believes the flag to be (and where that belief came
// from); decide() turns a snapshot, a session ID and the kill switch into a Decision with its
// reason:
//
//   STATIC   no store configured: environment/static configuration only
//   CACHED   the store's value, read through the cache
//   STALE    the store failed or holds an invalid value: the last known good value is used
//   DEFAULT  environment defaults: the store has no value, or it failed and no LKG exists
//   DISABLED the kill switch (PARTIAL_RESULTS_ENABLED=false) or enabled=false
//   SPLIT    enabled, but the session's bucket is not below rollout_percentage
//   ERROR    the decision could not be taken (e.g. empty session ID): final-only
//
// STATIC/CACHED/STALE/DEFAULT are also the reason of an enabled decision (where its value came
// from). Precedence: kill switch, then enabled=false, then bucket < rollout_percentage.
// Pure functions; no I/O.
#pragma once

#include <string>
#include <string_view>

#include "engine/config.h"

namespace parley::flags {

enum class Source { kStatic, kCached, kStale, kDefault };
enum class Reason { kStatic, kCached, kStale, kDefault, kDisabled, kSplit, kError };

const char* sourceName(Source s);  // "STATIC", ...
const char* reasonName(Reason r);  // "STATIC", ..., "SPLIT", "ERROR"
// One sentence on what the reason means, for --help, explain and docs.
const char* reasonMeaning(Reason r);

struct FlagSnapshot {
  Source source = Source::kDefault;
  bool enabled = true;
  int rollout_percentage = 100;
  long long version = 0;        // store version the values come from; 0 = none
  engine::EngineConfig config;  // store keys applied over environment/defaults
  std::string detail;           // why STALE/DEFAULT (the store error), empty otherwise
  long long generation = 0;     // increases with every published snapshot
};

struct Decision {
  std::string session_id;
  bool enabled = false;  // partial results for this session
  Reason reason = Reason::kError;
  Source source = Source::kDefault;
  int bucket = -1;
  int rollout_percentage = 0;
  long long version = 0;
  engine::EngineConfig config;
  std::string detail;  // human explanation of the reason

  engine::Mode mode() const { return enabled ? engine::Mode::kPartial : engine::Mode::kFinalOnly; }
};

Reason reasonFor(Source s);

// Takes the decision for a session. kill_switch: PARTIAL_RESULTS_ENABLED=false is in force.
Decision decide(const FlagSnapshot& snapshot, std::string_view session_id, bool kill_switch);

// "disabled", "canary: 10% of new sessions", "fully rolled out", ... for --status.
std::string describeRollout(bool enabled, int rollout_percentage);

}  // namespace parley::flags
