// Driver: drives one session's Engine through session time. The single code path of every
// caller: the live delivery thread (pipeline::SessionPipeline), the offline reruns of recorded
// recognition (pipeline/mode_compare.h), `parley replay`, the golden scenarios and the bench
// (replay/replay.h). So the goldens test what runs live.
//
// Time never goes backwards: a call with an earlier `now` is treated as happening at the latest
// time seen. Before anything happens at `now`, every engine deadline <= now is ticked, exactly at
// the deadline (Engine::nextDeadline()), which is what an engine ticked continuously would do.
// A deadline that does not move after a tick would be an engine bug: it is ticked at most 3
// times in a row, then left until time moves on.
//
// Output: what the engine produces accumulates in output() until the caller takes it, or, with
// an output handler, is handed to the handler after every engine call (each tick, each input),
// so a consumer sees it in the order it was produced. Notices are stamped with the engine time
// of the call that produced them (Record::ts) and the session ID when they carry none.
//
// Pure like the engine: no I/O, no clock, no locks. Not thread-safe: one thread drives a driver.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "engine/config.h"
#include "engine/engine.h"
#include "engine/types.h"

namespace parley::engine {

class Driver {
 public:
  Driver(std::string session_id, EngineConfig config, Mode mode);

  // Called after every engine call with the output of that call (and anything not yet taken);
  // the handler takes what it wants and the driver clears the rest.
  using OutputHandler = std::function<void(Output&)>;
  void setOutputHandler(OutputHandler handler) { handler_ = std::move(handler); }

  // Ticks every deadline <= now.
  void advanceTo(double now);
  // Audio consumed up to `audio_time` stream seconds, at `now`.
  void audio(double audio_time, double now);
  void event(const RecognizerEvent& event, double now);
  void setMode(Mode mode, double now);
  // Ticks the deadlines still pending, in order and however far ahead of now(), at most
  // `max_ticks` of them: the session runs on without input until nothing is left to do (what
  // a replay does after its trace's last line, before finish(now())).
  void tickPending(int max_ticks);
  // End of stream: forwards everything still buffered at `now`.
  void finish(double now);

  std::optional<double> nextDeadline() const { return engine_.nextDeadline(); }
  double now() const { return now_; }
  const Engine& engine() const { return engine_; }

  // Segments (seq order) and notices produced since the caller last cleared it.
  Output& output() { return out_; }

 private:
  double clampTime(double now);
  // Ticks once at max(deadline, now()); false when the deadline did not move 3 times in a row.
  bool tick(double deadline, int& stuck);
  // After an engine call at `at`: stamps its notices, hands the output to the handler.
  void produced(std::size_t notices_before, double at);

  Engine engine_;
  Output out_;
  OutputHandler handler_;
  double now_ = 0;
};

}  // namespace parley::engine
