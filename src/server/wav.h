// WAV encoding of synthesized speech for listeners: RIFF/WAVE, PCM, 16-bit little-endian,
// mono, at the given sample rate (16000 for captions). Browsers play it with
// AudioContext.decodeAudioData.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace parley::server {

std::string encodeWav(std::span<const std::int16_t> samples, int sample_rate);

}  // namespace parley::server
