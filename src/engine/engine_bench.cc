// Engine throughput (recognizer events per second on one core) and memory per idle session.
// Run from `make bench`: build-release/benchmarks/engine_bench.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "engine/engine.h"

// Live heap bytes, to measure session state honestly (not from the engine's own estimate).
static std::atomic<long long> g_live_bytes{0};
static std::atomic<bool> g_counting{false};
static std::atomic<long long> g_allocations{0};  // operator new calls while counting

void* operator new(std::size_t n) {
  auto* p = static_cast<std::size_t*>(std::malloc(n + sizeof(std::max_align_t)));
  if (!p) throw std::bad_alloc();
  *p = n;
  if (g_counting.load(std::memory_order_relaxed)) {
    g_live_bytes += static_cast<long long>(n);
    ++g_allocations;
  }
  return reinterpret_cast<char*>(p) + sizeof(std::max_align_t);
}
void operator delete(void* q) noexcept {
  if (!q) return;
  auto* p = reinterpret_cast<std::size_t*>(static_cast<char*>(q) - sizeof(std::max_align_t));
  if (g_counting.load(std::memory_order_relaxed)) g_live_bytes -= static_cast<long long>(*p);
  std::free(p);
}
void operator delete(void* q, std::size_t) noexcept { operator delete(q); }

namespace parley::engine {
namespace {

// An AWS-like stream: utterances of 8-20 words, one partial per new word with the leading
// words marked stable, then the final.
std::vector<std::pair<double, RecognizerEvent>> makeStream(int utterances, bool stable_flags) {
  std::mt19937 rng(7);
  std::vector<std::pair<double, RecognizerEvent>> events;
  double t = 0;
  const char* vocab[] = {"the",      "speaker", "said", "that", "we",      "would", "meet", "again",
                         "tomorrow", "morning", "at",   "nine", "o'clock", "in",    "hall", "b."};
  for (int u = 0; u < utterances; ++u) {
    int n = 8 + static_cast<int>(rng() % 13);
    RecognizerEvent ev;
    ev.result_id = "utt-" + std::to_string(u);
    for (int i = 0; i < n; ++i) {
      Word w{vocab[rng() % 16], t, t + 0.3, WordKind::kWord, {}, {}, {}};
      t += 0.35;
      ev.words.push_back(w);
      ev.is_partial = true;
      if (stable_flags) {
        for (int k = 0; k < static_cast<int>(ev.words.size()); ++k) {
          ev.words[static_cast<std::size_t>(k)].stable = k + 2 < static_cast<int>(ev.words.size());
        }
      }
      ev.start = ev.words.front().start;
      ev.end = t;
      events.emplace_back(t, ev);
    }
    ev.is_partial = false;
    events.emplace_back(t + 0.2, ev);
    t += 0.5;
  }
  return events;
}

// Events per second, and heap allocations per event (engine state and Segments; `out` is
// reused). With `audio`, an audio update (audio consumed up to the event's time) precedes each
// event, as the pipeline sends them; only events are counted.
void runStream(benchmark::State& state, bool stable_flags, ForwardPolicy policy,
               StabilityFallback fallback = EngineConfig{}.stability_fallback, bool audio = false) {
  auto events = makeStream(200, stable_flags);
  EngineConfig cfg;
  cfg.forward_policy = policy;
  cfg.stability_fallback = fallback;
  cfg.max_rate_per_second = 100;
  long long processed = 0;
  long long allocations = 0;
  Output out;
  for (auto _ : state) {
    Engine engine("bench", cfg);
    g_allocations = 0;
    g_counting = true;
    for (const auto& [t, ev] : events) {
      if (audio) engine.onAudio(t, t, out);
      engine.onEvent(ev, t, out);
      out.clear();
    }
    g_counting = false;
    allocations += g_allocations.load();
    processed += static_cast<long long>(events.size());
    benchmark::DoNotOptimize(engine.stats().segments);
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(processed), benchmark::Counter::kIsRate);
  state.counters["allocs_per_event"] =
      processed > 0 ? static_cast<double>(allocations) / static_cast<double>(processed) : 0;
}

void BM_EventsStableFlagsPhrase(benchmark::State& s) { runStream(s, true, ForwardPolicy::kPhrase); }
void BM_EventsStableFlagsSentence(benchmark::State& s) {
  runStream(s, true, ForwardPolicy::kSentence);
}
void BM_EventsLocalAgreementPhrase(benchmark::State& s) {
  runStream(s, false, ForwardPolicy::kPhrase);
}
void BM_EventsLocalAgreementPhraseWithAudio(benchmark::State& s) {
  runStream(s, false, ForwardPolicy::kPhrase, StabilityFallback::kLocalAgreement, true);
}
void BM_EventsFrontierPhraseWithAudio(benchmark::State& s) {
  runStream(s, false, ForwardPolicy::kPhrase, StabilityFallback::kFrontier, true);
}
BENCHMARK(BM_EventsStableFlagsPhrase);
BENCHMARK(BM_EventsStableFlagsSentence);
BENCHMARK(BM_EventsLocalAgreementPhrase);
BENCHMARK(BM_EventsLocalAgreementPhraseWithAudio);
BENCHMARK(BM_EventsFrontierPhraseWithAudio);

// Heap held by an idle session: one that has processed a few utterances and is waiting.
void BM_IdleSessionBytes(benchmark::State& state) {
  auto events = makeStream(5, true);
  const int kSessions = 1000;
  double per_session = 0;
  for (auto _ : state) {
    std::vector<Engine> engines;
    engines.reserve(kSessions);
    g_live_bytes = 0;
    g_counting = true;
    for (int i = 0; i < kSessions; ++i) {
      engines.emplace_back("session-" + std::to_string(100000 + i), EngineConfig{});
      Output out;
      for (const auto& [t, ev] : events) engines.back().onEvent(ev, t, out);
    }
    g_counting = false;
    per_session =
        static_cast<double>(g_live_bytes.load()) / kSessions + static_cast<double>(sizeof(Engine));
    state.counters["estimate_bytes"] = static_cast<double>(engines.back().stateBytes());
  }
  state.counters["bytes_per_idle_session"] = per_session;
}
BENCHMARK(BM_IdleSessionBytes)->Iterations(3);

}  // namespace
}  // namespace parley::engine
