#include "core/clock.h"

#include <chrono>

namespace parley::core {
namespace {
long long steadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Seconds Clock::wallTime() const { return wallTimeSeconds(); }

SystemClock::SystemClock() : epoch_ns_(steadyNs()) {}

Seconds SystemClock::now() const { return static_cast<double>(steadyNs() - epoch_ns_) * 1e-9; }

double wallTimeSeconds() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count()) *
         1e-6;
}

}  // namespace parley::core
