// ThreadCpuClock: a core::Clock reading the CPU time consumed by the calling thread. It measures
// how much computation a decode took, unaffected by other processes sharing the cores (a wall
// clock on a busy 2-core machine also counts time spent waiting for a core). Readings from
// different threads are unrelated: take both readings of a difference on the same thread.
#pragma once

#include "core/clock.h"

namespace parley::asr {

class ThreadCpuClock final : public core::Clock {
 public:
  core::Seconds now() const override;
};

}  // namespace parley::asr
