// Test doubles for the server's unit tests: a MessageSink that records what it was sent, and a
// SessionPipeline that turns every pushAudio() into one segment and one caption per target,
// synchronously (pure logic of the registry, no recognizer).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "pipeline/session_pipeline.h"
#include "server/message_sink.h"

namespace parley::server::testing {

class RecordingSink : public MessageSink {
 public:
  void send(OutMessage m) override {
    std::lock_guard lock(mu);
    if (closed_code) return;
    (m.binary ? binary : text).push_back(*m.data);
  }
  void close(int code, std::string reason) override {
    std::lock_guard lock(mu);
    if (!closed_code) closed_code = code;
    closed_reason = std::move(reason);
  }
  std::mutex mu;
  std::vector<std::string> text;
  std::vector<std::string> binary;
  int closed_code = 0;
  std::string closed_reason;
};

class FakePipeline : public pipeline::SessionPipeline {
 public:
  FakePipeline(pipeline::PipelineOptions o, SegmentCallback s, CaptionCallback c)
      : options(std::move(o)), on_segment(std::move(s)), on_caption(std::move(c)) {}
  core::Status pushAudio(std::span<const std::int16_t> pcm) override {
    pushed += pcm.size();
    engine::Segment seg;
    seg.session_id = options.session_id;
    seg.seq = ++seq;
    seg.text = "word" + std::to_string(seq);
    seg.kind = mode == engine::Mode::kPartial ? engine::SegmentKind::kPartial
                                              : engine::SegmentKind::kFinal;
    seg.audio_start = static_cast<double>(seq - 1);
    seg.audio_end = static_cast<double>(seq);
    on_segment(seg);
    for (const auto& lang : options.targets) {
      pipeline::Caption cap;
      cap.session_id = seg.session_id;
      cap.lang = lang;
      cap.segment = seg;
      cap.text = "palabra" + std::to_string(seq);
      cap.latency_s = 0.25;
      cap.audio = {1, 2, 3};
      on_caption(cap);
    }
    return core::okStatus();
  }
  void setMode(engine::Mode m) override { mode = m, ++mode_switches; }
  void addTarget(const std::string&) override {}
  void removeTarget(const std::string&) override {}
  void setLineConfig(const lines::LineConfig& c) override { line_configs.push_back(c); }
  void finish() override { ++finished; }
  pipeline::PipelineStats stats() const override { return {}; }

  pipeline::PipelineOptions options;
  SegmentCallback on_segment;
  CaptionCallback on_caption;
  long long seq = 0;
  std::size_t pushed = 0;
  engine::Mode mode = engine::Mode::kPartial;
  int mode_switches = 0;
  int finished = 0;
  std::vector<lines::LineConfig> line_configs;  // setLineConfig calls, in order
};

}  // namespace parley::server::testing
