// ArrivalModel: when the events of an offline decode would have arrived in a live session.
// Audio arrives in real time; the decoder works on chunk i (audio up to a_i) once the audio is
// there and it has finished chunk i-1, and spends compute_i on it, so
//   done_i = max(done_{i-1}, a_i) + compute_i
// and every event chunk i produced arrives at done_i. A decoder slower than real time falls
// behind and its lag accumulates; a fast one answers compute_i after each chunk. `parley
// transcribe` stamps trace events with these times (docs/asr.md).
#pragma once

namespace parley::asr {

class ArrivalModel {
 public:
  // Chunk ending at audio time `audio_end` (seconds, non-decreasing) took `compute` seconds.
  // Returns the arrival time of its events.
  double chunkDone(double audio_end, double compute) {
    done_ = (done_ > audio_end ? done_ : audio_end) + compute;
    return done_;
  }
  // Arrival time of the last chunk's events (0 before any).
  double done() const { return done_; }
  // How far behind the audio the decoder is after the last chunk (0 when keeping up).
  double lag(double audio_end) const { return done_ > audio_end ? done_ - audio_end : 0.0; }

 private:
  double done_ = 0;
};

}  // namespace parley::asr
