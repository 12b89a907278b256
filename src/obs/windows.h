// Time-windowed signals for alarms and the rollback controller: counters, a latency histogram
// and the set of sessions seen, kept per decision (partial | final_only) in 1-second slots over
// a bounded horizon, and summed over any window (from, to]. Pure: every call takes the time
// (seconds on the caller's clock) explicitly, so tests and replays drive it with plain numbers.
// Not thread-safe (obs::Monitor adds the lock).
#pragma once

#include <deque>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "obs/metric_table.h"

namespace parley::obs {

// Amounts added at times t, summed over windows at slot resolution: slot k holds
// t in ((k-1)*slot, k*slot], and a window (from, to] covers slots floor(from/slot)+1 ..
// ceil(to/slot). Slots older than the horizon are dropped by prune().
class WindowedCounter {
 public:
  explicit WindowedCounter(double slot_seconds = 1.0) : slot_(slot_seconds) {}
  void add(double t, double amount);
  double sum(double from, double to) const;
  void prune(double before);

 private:
  double slot_;
  std::deque<std::pair<long long, double>> slots_;  // ascending slot index
};

// Observations counted into fixed buckets (upper bounds, plus +Inf), per slot.
class WindowedHistogram {
 public:
  explicit WindowedHistogram(std::vector<double> bounds, double slot_seconds = 1.0);
  void observe(double t, double value);
  // Cumulative bucket counts over the window (size bounds()+1, the last is +Inf = total).
  std::vector<double> cumulative(double from, double to) const;
  double count(double from, double to) const;
  // Quantile q in [0,1] over the window, interpolated inside the bucket exactly like
  // Prometheus' histogram_quantile(); NaN when the window holds no observation.
  double quantile(double q, double from, double to) const;
  void prune(double before);
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  double slot_;
  std::deque<std::pair<long long, std::vector<double>>> slots_;  // per-bucket (not cumulative)
};

// histogram_quantile() on cumulative counts with the given upper bounds (last entry = +Inf).
double histogramQuantile(double q, std::span<const double> bounds,
                         std::span<const double> cumulative);

// What the windows track besides latency.
enum class Signal {
  kDropped = 0,   // partial results dropped by the rate limit
  kOrphaned,      // orphaned results flushed
  kFallback,      // recognizer-health fallbacks
  kErrors,        // errors (including errors tied to no session)
  kEvents,        // recognizer events processed: the error rate's denominator
  kComplaints,    // listener complaints
  kErasedTokens,  // caption line tokens taken back by a revision
  kFinalTokens,   // tokens of final line revisions: the erasure's denominator
};
inline constexpr int kSignalCount = 8;

class SignalWindows {
 public:
  // horizon: how far back windows can reach (the longest window used plus one period).
  explicit SignalWindows(double horizon_seconds = 3660.0);

  void add(Signal s, engine::Mode d, double t, double amount);
  // An error not tied to a session: counted in errorsAll() only.
  void addUnattributedError(double t, double amount);
  void observeWordLatency(engine::Mode d, double t, double seconds);
  void sessionStarted(engine::Mode d, const std::string& session_id, double t);
  void sessionEnded(const std::string& session_id, double t);

  double sum(Signal s, engine::Mode d, double from, double to) const;
  // Errors of both decisions plus unattributed ones.
  double errorsAll(double from, double to) const;
  const WindowedHistogram& wordLatency(engine::Mode d) const {
    return latency_[static_cast<int>(d)];
  }
  // Sessions of decision d running at any time during (from, to].
  int sessionsActive(engine::Mode d, double from, double to) const;

  // A counted complaint at time t from `listener` (any ID unique per listener, e.g.
  // "<session>/<connection>"). complainingListeners() counts each listener once, however often
  // it complained: the rollback controller's complaints row.
  void complaintFrom(engine::Mode d, const std::string& listener, double t);
  // Distinct listeners of decision d with a complaint at a time in (from, to] (exact times).
  int complainingListeners(engine::Mode d, double from, double to) const;

  // Drops data older than now - horizon. Cheap; call it whenever time advances.
  void prune(double now);

 private:
  struct SessionSpan {
    engine::Mode decision;
    double start;
    double end;  // +inf while running
  };
  double horizon_;
  std::vector<WindowedCounter> counters_;  // [signal * kModeCount + decision]
  WindowedCounter unattributed_errors_;
  std::vector<WindowedHistogram> latency_;
  std::map<std::string, SessionSpan> sessions_;
  struct Complainer {
    engine::Mode decision;
    std::deque<double> times;  // ascending as added; pruned with the horizon
  };
  std::map<std::string, Complainer> complainers_;
};

}  // namespace parley::obs
