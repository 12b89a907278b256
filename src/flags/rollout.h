// Rollout operations behind `parley rollout`: read a parameter's status, write a change
// (enable, disable, percentage, --set KEY=VALUE) as a new version, revert to an earlier version.
// A change is a read-modify-write: it starts from the newest valid version (or the environment
// defaults when none), validates the result with parseFlagValue, and writes it only if no one
// else wrote meanwhile (retrying a few times), so concurrent operators never silently undo each
// other. An invalid newest version (someone wrote garbage) does not block the fix: the change
// starts from the newest valid version instead, and a note says so.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "flags/flag_value.h"
#include "flags/param_store.h"

namespace parley::flags {

struct RolloutStatus {
  std::string parameter;
  std::string store;
  bool stored = false;    // false: nothing written yet, defaults shown, version 0
  long long version = 0;  // the version shown (newest)
  double time = 0;
  std::string actor;
  std::string reason;
  FlagValue value;              // stored value, or the environment defaults
  engine::EngineConfig config;  // effective engine configuration (value over environment)
  std::string invalid;          // non-empty: the newest version is invalid (this message)
  bool kill_switch = false;     // PARTIAL_RESULTS_ENABLED=false in this process's environment
  std::vector<std::string> warnings;
  // The newest change written by the automatic rollback (actor kAutoRollbackActor) among the
  // last kAutomaticSearchDepth versions; filled by findLastAutomaticAction().
  std::optional<ParamVersion> last_automatic;
};

// The actor of every change the automatic rollback controller writes.
inline constexpr const char* kAutoRollbackActor = "rollout-controller";
inline constexpr int kAutomaticSearchDepth = 200;

core::Result<RolloutStatus> readStatus(ParamStore& store, const FlagEnvironment& env);
// Sets status.last_automatic from the flag history (for `--status` and GET /api/flags).
core::Status findLastAutomaticAction(ParamStore& store, RolloutStatus& status);

struct RolloutChange {
  std::optional<bool> enabled;
  std::optional<int> rollout_percentage;
  std::vector<std::pair<std::string, std::string>> sets;  // --set KEY=VALUE, in order
  // The HTTP API's "set": {key: value}: KEY and the value's JSON text, typed strictly
  // (setFromJson), applied after `sets`.
  std::vector<std::pair<std::string, std::string>> json_sets;
};

struct WriteResult {
  ParamVersion written;
  FlagValue value;
  std::vector<std::string> notes;  // e.g. "version 7 was invalid; changed version 6 instead"
};

core::Result<WriteResult> writeChange(ParamStore& store, const FlagEnvironment& env,
                                      const RolloutChange& change, const std::string& actor,
                                      const std::string& reason);
// Writes version `version`'s value again as a new version. kInvalidInput when that version does
// not exist or is invalid.
core::Result<WriteResult> revertTo(ParamStore& store, const FlagEnvironment& env, long long version,
                                   const std::string& actor, const std::string& reason);

// $PARLEY_ACTOR, else $USER@hostname, else "cli".
std::string actorFromEnvironment();

}  // namespace parley::flags
