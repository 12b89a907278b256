#include "flags/session_tracker.h"

namespace parley::flags {

SessionFlagTracker::SessionFlagTracker(Decision initial)
    : initial_(std::move(initial)), mode_(initial_.mode()) {}

std::optional<Decision> SessionFlagTracker::onSnapshot(const FlagSnapshot& snapshot,
                                                       bool kill_switch) {
  if (mode_ == engine::Mode::kFinalOnly) return std::nullopt;
  bool authoritative = snapshot.source == Source::kCached || snapshot.source == Source::kStatic;
  if (!kill_switch && !authoritative) return std::nullopt;
  Decision now = decide(snapshot, initial_.session_id, kill_switch);
  if (now.enabled) return std::nullopt;
  mode_ = engine::Mode::kFinalOnly;
  return now;
}

}  // namespace parley::flags
