// Synthesis cost per sentence (espeak-ng in process, including the 22050 -> 16000 resampling),
// through the public API (queue + espeak thread), and the real-time factor.
//   build-<dir>/benchmarks/tts_bench
#include <benchmark/benchmark.h>

#include <time.h>

#include <string>
#include <vector>

#include "tts/espeak/espeak_synthesizer.h"

namespace parley::tts {
namespace {

// CPU seconds of the whole process (the espeak thread does the work; callers only wait), which
// a loaded machine inflates far less than wall time.
double processCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

const std::vector<std::string> kSpanish = {
    "Hola Mundo.",
    "Me gustaría un café.",
    "El tiempo es agradable hoy.",
    "Mi hermano tiene un coche rojo y lo conduce para trabajar cada día.",
    "Los niños están jugando en el parque.",
};

void BM_SynthesizeSpanishSentence(benchmark::State& state) {
  auto synth = EspeakSynthesizer::create({});
  if (!synth.ok()) {
    state.SkipWithError(synth.error().message.c_str());
    return;
  }
  double audio_s = 0;
  std::size_t i = 0;
  const double cpu0 = processCpuSeconds();
  for (auto _ : state) {
    auto s = (*synth)->synthesize(kSpanish[i++ % kSpanish.size()], "es");
    if (!s.ok()) state.SkipWithError(s.error().message.c_str());
    audio_s += s.ok() ? s->seconds() : 0;
  }
  state.counters["cpu_ms_per_sentence"] =
      (processCpuSeconds() - cpu0) * 1000 / static_cast<double>(state.iterations());
  state.counters["audio_s_per_sentence"] = audio_s / static_cast<double>(state.iterations());
  // Audio seconds produced per second of wall time (1 / real-time factor).
  state.counters["x_realtime"] = benchmark::Counter(audio_s, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SynthesizeSpanishSentence)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SynthesizeWithTimingsEnglish(benchmark::State& state) {
  auto synth = EspeakSynthesizer::create({});
  if (!synth.ok()) {
    state.SkipWithError(synth.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto s = (*synth)->synthesizeWithTimings(
        "The quick brown fox jumps over the lazy dog. Then it sleeps.", "en-us", 160);
    if (!s.ok()) state.SkipWithError(s.error().message.c_str());
  }
}
BENCHMARK(BM_SynthesizeWithTimingsEnglish)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace parley::tts
