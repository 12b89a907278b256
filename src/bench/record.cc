#include "bench/record.h"

#include <algorithm>
#include <fstream>

#include "asr/arrival_model.h"
#include "asr/wer.h"

namespace parley::bench {

core::Status recordItem(asr::Recognizer& recognizer, std::span<const std::int16_t> pcm,
                        int chunk_ms, const core::Clock& compute_clock, CorpusItem& item) {
  if (chunk_ms < 10 || chunk_ms > 10000) {
    return core::Error::invalid("chunk_ms must be in [10, 10000] (got " + std::to_string(chunk_ms) +
                                ")");
  }
  const std::size_t chunk = static_cast<std::size_t>(chunk_ms) * asr::kSampleRate / 1000;
  item.items.clear();
  item.chunk_ms = chunk_ms;
  std::vector<engine::RecognizerEvent> events;
  asr::ArrivalModel arrival;  // docs/asr.md: done_i = max(done_{i-1}, a_i) + compute_i
  double compute_total = 0;
  auto emit = [&](double t) {
    for (auto& e : events) {
      ingest::TraceItem ti;
      ti.type = ingest::TraceItem::Type::kEvent;
      ti.t = t;
      ti.event = std::move(e);
      item.items.push_back(std::move(ti));
    }
    events.clear();
  };
  if (auto s = recognizer.startStream(); !s.ok()) return s;
  for (std::size_t i = 0; i < pcm.size(); i += chunk) {
    const std::size_t n = std::min(chunk, pcm.size() - i);
    const double c0 = compute_clock.now();
    auto s = recognizer.accept(pcm.subspan(i, n), &events);
    const double compute = compute_clock.now() - c0;
    if (!s.ok()) return s;
    const double a = static_cast<double>(i + n) / asr::kSampleRate;
    const double done = arrival.chunkDone(a, compute);
    compute_total += compute;
    ingest::TraceItem audio;
    audio.type = ingest::TraceItem::Type::kAudio;
    audio.t = a;
    audio.audio_time = a;
    item.items.push_back(audio);
    emit(done);
  }
  const double total = static_cast<double>(pcm.size()) / asr::kSampleRate;
  const double c0 = compute_clock.now();
  auto s = recognizer.finish(&events);
  const double compute = compute_clock.now() - c0;
  if (!s.ok()) return s;
  compute_total += compute;
  emit(arrival.chunkDone(total, compute));
  item.audio_seconds = total;
  item.compute_seconds = compute_total;
  return core::okStatus();
}

core::Result<std::vector<RealClip>> realClips(const std::string& dir) {
  std::ifstream in(dir + "/librivox/transcription");
  if (!in) {
    return core::Error::notFound("cannot read " + dir +
                                 "/librivox/transcription (Debian package pocketsphinx-testdata)");
  }
  std::vector<RealClip> clips;
  for (auto& t : asr::readTranscription(in)) {
    RealClip c;
    auto dash = t.id.rfind('-');
    c.name = "real-librivox-" + (dash == std::string::npos ? t.id : t.id.substr(dash + 1));
    c.path = dir + "/librivox/" + t.id + ".wav";
    c.reference = std::move(t.reference);
    clips.push_back(std::move(c));
  }
  clips.push_back({"real-goforward", dir + "/goforward.raw", "go forward ten meters"});
  return clips;
}

}  // namespace parley::bench
