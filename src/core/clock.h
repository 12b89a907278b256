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
};

// Time that only moves when told to. Thread-safe reads and writes.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Seconds start = 0.0) : now_(start) {}
  Seconds now() const override { return now_.load(std::memory_order_acquire); }
  void set(Seconds t) { now_.store(t, std::memory_order_release); }
  void advance(Seconds dt) { set(now() + dt); }

 private:
  std::atomic<Seconds> now_;
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
