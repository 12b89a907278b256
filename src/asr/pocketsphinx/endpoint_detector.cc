#include "asr/pocketsphinx/endpoint_detector.h"

#include <cstdio>

namespace parley::asr::pocketsphinx {

std::vector<std::string> EndpointConfig::validate() const {
  std::vector<std::string> problems;
  if (!(max_utterance_seconds >= 1.0 && max_utterance_seconds <= 600.0)) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "max_utterance_seconds must be in [1, 600] s (got %g)",
                  max_utterance_seconds);
    problems.emplace_back(buf);
  }
  return problems;
}

EndpointDetector::EndpointDetector(EndpointConfig config) : config_(config) {}

EndpointDetector::Decision EndpointDetector::update(bool in_speech, double audio_time) {
  if (!in_utterance_) {
    if (!in_speech) return Decision::kNone;
    in_utterance_ = true;
    utterance_start_ = audio_time;
    return Decision::kSpeechStarted;
  }
  if (!in_speech) {
    in_utterance_ = false;
    reason_ = "speech_end";
    return Decision::kEndUtterance;
  }
  if (audio_time - utterance_start_ >= config_.max_utterance_seconds) {
    // The decoder still hears speech: the next chunk opens a new utterance at once.
    in_utterance_ = false;
    reason_ = "max_length";
    return Decision::kEndUtterance;
  }
  return Decision::kNone;
}

void EndpointDetector::reset() {
  in_utterance_ = false;
  utterance_start_ = 0;
  reason_ = "";
}

}  // namespace parley::asr::pocketsphinx
