#include "asr/thread_cpu_clock.h"

#include <ctime>

namespace parley::asr {

core::Seconds ThreadCpuClock::now() const {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace parley::asr
