// Time sources. Everything in parley that needs "now" receives a Clock (or a plain double of
// seconds) from its caller, so tests and replays drive time with a ManualClock and the engine
// never reads the wall clock.
#pragma once

#include <atomic>

namespace parley::core {

// Seconds as a double: audio times, arrival times and engine clock readings share this unit.
using Seconds = double;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic seconds since an arbitrary epoch fixed at construction.
  virtual Seconds now() const = 0;
  // Seconds since the Unix epoch, for timestamps that are stored and limits that survive a
  // restart (a session's creation time). The default reads the system's wall clock.
  virtual Seconds wallTime() const;
};

// Time that only moves when told to. Thread-safe reads and writes. Its wall time moves with it:
// `wall_at_zero` + now() (a fixed date by default, so tests never see the real one).
class ManualClock final : public Clock {
 public:
  static constexpr Seconds kDefaultWallAtZero = 1.7e9;  // 2023-11-14
  explicit ManualClock(Seconds start = 0.0, Seconds wall_at_zero = kDefaultWallAtZero)
      : now_(start), wall_at_zero_(wall_at_zero) {}
  Seconds now() const override { return now_.load(std::memory_order_acquire); }
  Seconds wallTime() const override { return wall_at_zero_ + now(); }
  void set(Seconds t) { now_.store(t, std::memory_order_release); }
  void advance(Seconds dt) { set(now() + dt); }

 private:
  std::atomic<Seconds> now_;
  const Seconds wall_at_zero_;
};

// Steady (monotonic) clock, zero at construction.
class SystemClock final : public Clock {
 public:
  SystemClock();
  Seconds now() const override;

 private:
  long long epoch_ns_;
};

// Seconds since the Unix epoch, for timestamps written to logs and stores (never for durations).
double wallTimeSeconds();

}  // namespace parley::core
