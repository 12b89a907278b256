// SessionFlagTracker: keeps a live session's flag decision sticky and says when it must leave
// partial mode. A session's decision is taken once, at session start. Afterwards only three
// things change it, and only in one direction (partial -> final-only, never back mid-stream):
// the kill switch, enabled=false, and a percentage decrease that puts the session's bucket out.
// Snapshots that come from a store failure (STALE, DEFAULT) never switch a live session: an
// outage is not an operator's decision. A percentage increase never enables a running session.
//
// The pipeline owns one tracker per session, calls onSnapshot() when the FlagSource publishes,
// and on a returned decision calls engine::Engine::setMode(Mode::kFinalOnly, now, out), which
// forwards committed words before switching. Not thread-safe (one per session, its thread).
#pragma once

#include <optional>
#include <string>

#include "flags/decision.h"

namespace parley::flags {

class SessionFlagTracker {
 public:
  explicit SessionFlagTracker(Decision initial);

  engine::Mode mode() const { return mode_; }
  const Decision& initial() const { return initial_; }
  const std::string& sessionId() const { return initial_.session_id; }

  // Returns the decision that switches this session to final-only, exactly once; nullopt when
  // nothing changes for this session.
  std::optional<Decision> onSnapshot(const FlagSnapshot& snapshot, bool kill_switch);

 private:
  Decision initial_;
  engine::Mode mode_;
};

}  // namespace parley::flags
