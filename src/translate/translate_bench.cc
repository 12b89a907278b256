// Per-sentence translation latency: the long-lived null-flush pipeline against a fresh
// `apertium eng-spa` process per sentence (what a naive integration does). Reports median and
// p95 in milliseconds as counters.
//   build-<dir>/benchmarks/translate_bench
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/stats.h"
#include "translate/apertium/apertium_translator.h"

namespace parley::translate {
namespace {

const std::vector<std::string> kSentences = {
    "Hello world.",
    "I would like a coffee.",
    "The weather is nice today.",
    "Where is the station?",
    "We are going to the beach tomorrow.",
    "My brother has a red car and he drives it to work every day.",
    "The children are playing in the park.",
    "She reads a book every night before she goes to sleep.",
    "Thank you very much for coming to this meeting.",
    "The house is very big.",
};

// CPU seconds (user + system) used so far by the processes of a process group, from /proc:
// what the pipeline costs, independent of how loaded the machine is.
double groupCpuSeconds(int pgid) {
  double ticks = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    std::vector<std::string> f;
    while (rest >> field) f.push_back(field);
    // After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12).
    if (f.size() > 12 && std::stoi(f[2]) == pgid) ticks += std::stod(f[11]) + std::stod(f[12]);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double childrenCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

void report(benchmark::State& state, const std::vector<double>& ms) {
  state.counters["p50_ms"] = core::percentile(ms, 0.5);
  state.counters["p95_ms"] = core::percentile(ms, 0.95);
}

void BM_LongLivedPipeline(benchmark::State& state) {
  auto t = ApertiumTranslator::create({});
  if (!t.ok()) {
    state.SkipWithError(t.error().message.c_str());
    return;
  }
  std::vector<double> ms;
  std::size_t i = 0;
  const int pgid = (*t)->processGroup();
  const double cpu0 = groupCpuSeconds(pgid);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = (*t)->translate(kSentences[i++ % kSentences.size()]);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!r.ok()) state.SkipWithError(r.error().message.c_str());
  }
  report(state, ms);
  state.counters["cpu_ms"] =
      (groupCpuSeconds(pgid) - cpu0) * 1000 / static_cast<double>(state.iterations());
}
BENCHMARK(BM_LongLivedPipeline)->Unit(benchmark::kMillisecond)->Iterations(300);

void BM_FreshApertiumProcess(benchmark::State& state) {
  const std::string input = "/tmp/parley_translate_bench_input.txt";
  std::vector<double> ms;
  std::size_t i = 0;
  const double cpu0 = childrenCpuSeconds();
  for (auto _ : state) {
    state.PauseTiming();
    std::ofstream(input) << kSentences[i++ % kSentences.size()] << "\n";
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    FILE* p = popen(("apertium eng-spa < " + input).c_str(), "r");
    std::string out;
    char buf[512];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    if (!p || pclose(p) != 0 || out.empty()) state.SkipWithError("apertium eng-spa failed");
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::remove(input.c_str());
  report(state, ms);
  state.counters["cpu_ms"] =
      (childrenCpuSeconds() - cpu0) * 1000 / static_cast<double>(state.iterations());
}
BENCHMARK(BM_FreshApertiumProcess)->Unit(benchmark::kMillisecond)->Iterations(20);

}  // namespace
}  // namespace parley::translate
