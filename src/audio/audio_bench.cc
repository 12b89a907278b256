// Resampling cost: the synthesizer's 22050 -> 16000 Hz and a 44.1 kHz stereo file's decode.
#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "audio/audio.h"

namespace parley::audio {
namespace {

std::vector<std::int16_t> tone(int rate, double seconds) {
  std::vector<std::int16_t> v(static_cast<std::size_t>(rate * seconds));
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<std::int16_t>(
        10000 * std::sin(2 * std::numbers::pi * 440 * static_cast<double>(i) / rate));
  }
  return v;
}

// One synthesized sentence (~2 s at 22050 Hz) to 16 kHz.
void BM_Resample22050To16000(benchmark::State& state) {
  const auto in = tone(22050, 2.0);
  for (auto _ : state) {
    auto out = resample(std::span<const std::int16_t>(in), 22050, 16000);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long long>(in.size()));
  state.counters["audio_s_per_s"] = benchmark::Counter(
      2.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Resample22050To16000)->Unit(benchmark::kMillisecond);

// Decoding 10 s of 44.1 kHz stereo 16-bit WAV to 16 kHz mono.
void BM_DecodeWav44kStereo(benchmark::State& state) {
  const auto mono = tone(44100, 10.0);
  std::vector<std::int16_t> stereo;
  for (auto s : mono) {
    stereo.push_back(s);
    stereo.push_back(s);
  }
  std::string bytes = encodeWav(stereo, 44100);
  bytes[22] = 2;                              // channels = 2
  const std::uint32_t byte_rate = 44100 * 4;  // rate * block align
  for (int i = 0; i < 4; ++i) bytes[28 + i] = static_cast<char>((byte_rate >> (8 * i)) & 0xFF);
  bytes[32] = 4;  // block align
  for (auto _ : state) {
    auto a = decodeWav(bytes);
    benchmark::DoNotOptimize(a);
  }
  state.counters["audio_s_per_s"] = benchmark::Counter(
      10.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeWav44kStereo)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parley::audio
