// RecognizerWorker: runs one Recognizer on its own thread, fed from a bounded queue of audio
// chunks, so that the thread receiving audio (a WebSocket, a capture callback) never waits for
// the decoder.
//
// Overflow policy: push() never blocks. When max_queued_chunks chunks are already waiting, the
// new chunk is refused (Error kUnavailable, counted in WorkerStats::chunks_dropped) and the
// caller keeps going. So that word times stay aligned with the real stream, the refused audio is
// remembered as a gap: the worker decodes the same duration of silence before the next accepted
// chunk (silence costs little: the decoder's VAD skips the search). Words spoken during the gap
// are lost; a sustained overflow means the decoder cannot keep up and the session should fall
// back (the pipeline watches chunks_dropped).
//
// Threads: push(), stats() and finish() may be called from any one producer thread; the event
// callback runs on the worker thread, one event at a time, and must not call back into the
// worker. finish() drains the queue, closes the last utterance and joins the thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "asr/recognizer.h"
#include "core/clock.h"
#include "core/result.h"
#include "engine/types.h"

namespace parley::asr {

struct WorkerConfig {
  // Chunks waiting for the decoder before push() refuses more; valid 1..100000. At 100 ms
  // chunks the default holds 5 s of audio.
  int max_queued_chunks = 50;
  // Decode refused audio as silence of the same duration (keeps times aligned, see above).
  bool fill_dropped_with_silence = true;

  std::vector<std::string> validate() const;
};

struct WorkerEvent {
  engine::RecognizerEvent event;
  double audio_time = 0;       // audio the recognizer had consumed when it produced the event
  double compute_seconds = 0;  // time spent in the accept()/finish() call that produced it
};

struct WorkerStats {
  long long chunks_accepted = 0;
  long long chunks_dropped = 0;  // refused by push() because the queue was full
  long long samples_accepted = 0;
  long long samples_dropped = 0;
  long long events = 0;
  int queue_depth = 0;         // chunks waiting now
  int max_queue_depth = 0;     // highest depth seen
  double compute_seconds = 0;  // total time in the recognizer
  double audio_seconds = 0;    // audio decoded (including silence filled in for dropped audio)
};

class RecognizerWorker {
 public:
  using EventCallback = std::function<void(const WorkerEvent&)>;

  // `compute_clock` measures compute_seconds and is read on the worker thread; nullptr means a
  // steady wall clock owned by the worker.
  RecognizerWorker(std::unique_ptr<Recognizer> recognizer, WorkerConfig config,
                   EventCallback on_event, const core::Clock* compute_clock = nullptr);
  // Finishes (drains and joins) if finish() was not called.
  ~RecognizerWorker();

  RecognizerWorker(const RecognizerWorker&) = delete;
  RecognizerWorker& operator=(const RecognizerWorker&) = delete;

  // Starts the recognizer's stream and the worker thread. Errors: kInvalidInput for an invalid
  // config, or the recognizer's startStream() error.
  core::Status start();

  // Queues a copy of `pcm` (16 kHz s16le mono). Never waits for the decoder. Errors:
  // kUnavailable when the queue is full (chunk dropped, see the overflow policy), kUsage before
  // start() or after finish(), or the recognizer's first error once it has failed.
  core::Status push(std::span<const int16_t> pcm);

  // Decodes everything queued, closes the last utterance, joins the thread. Returns the
  // recognizer's first error, if any. Idempotent.
  core::Status finish();

  WorkerStats stats() const;

 private:
  struct Chunk {
    long long silence_before = 0;  // samples of silence standing in for dropped audio
    std::vector<int16_t> pcm;
  };

  void run();
  void deliver(std::vector<engine::RecognizerEvent>& events, double compute);

  std::unique_ptr<Recognizer> recognizer_;
  WorkerConfig config_;
  EventCallback on_event_;
  std::unique_ptr<core::Clock> own_clock_;
  const core::Clock* clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> queue_;           // guarded by mu_
  long long pending_silence_ = 0;     // guarded by mu_: dropped samples not yet queued
  bool started_ = false;              // guarded by mu_
  bool finishing_ = false;            // guarded by mu_
  std::optional<core::Error> error_;  // guarded by mu_: the recognizer's first error
  WorkerStats stats_;                 // guarded by mu_
  std::thread thread_;
};

}  // namespace parley::asr
