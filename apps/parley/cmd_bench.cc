// `parley bench`: the ruler. Records (or loads) the benchmark corpus, compares final-only, the
// runbook's policy and parley's policy on the same inputs, runs the tuning sweep, and writes
// report.json, report.md and report.html (docs/bench.md).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "asr/pocketsphinx/pocketsphinx_recognizer.h"
#include "asr/thread_cpu_clock.h"
#include "audio/audio.h"
#include "bench/corpus.h"
#include "bench/record.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "bench/synth.h"
#include "command.h"
#include "core/log.h"
#include "translate/apertium/apertium_translator.h"
#include "tts/espeak/espeak_synthesizer.h"

namespace parley::app {
namespace {

constexpr const char* kName = "bench";
constexpr const char* kDefaultCorpus = "bench/corpus";
constexpr const char* kDefaultTexts = "bench/texts/talks.txt";
constexpr const char* kDefaultOut = "bench-report";
constexpr int kDefaultAwsK = 2;
constexpr std::size_t kQuickSynthItems = 2;

void printHelp() {
  std::printf(
      "Usage: parley bench [--corpus DIR] [--out DIR] [--quick] [options]\n"
      "\n"
      "Measures the partial-results engine: word latency, committed disagreement, translation\n"
      "cost and quality, forwarded-stream WER, recognizer WER and RTF, engine throughput. It\n"
      "compares final-only (the baseline), the runbook's policy and parley's policy (the winner\n"
      "of a tuning sweep) on the same inputs and writes OUT/report.json (schema in\n"
      "docs/bench.md), OUT/report.md (tables) and OUT/report.html (tables and SVG charts).\n"
      "\n"
      "Inputs:\n"
      "  (default)        record the corpus now: the LibriVox clips and goforward.raw of\n"
      "                   pocketsphinx-testdata, and the text set spoken by espeak-ng (several\n"
      "                   voices, speeds, pauses; exact word times), decoded by pocketsphinx in\n"
      "                   100 ms chunks; plus AWS Transcribe-style streams with Stable flags\n"
      "  --corpus DIR     use the committed traces in DIR instead (no recognizer or\n"
      "                   synthesizer; default for --quick: %s)\n"
      "  --quick          committed traces, real speech and %zu synthesized talks, a small sweep:\n"
      "                   finishes in well under 2 minutes (the `make test` smoke test)\n"
      "\n"
      "Options:\n"
      "  --out DIR        report directory (default %s)\n"
      "  --texts FILE     text set for synthesized speech (default %s)\n"
      "  --record DIR     also save the recorded traces in DIR (e.g. bench/corpus)\n"
      "  --aws-k N        AWS-style stream: an item is Stable when unchanged over the next N\n"
      "                   hypotheses, 1..10 (default %d)\n"
      "  --no-translate   skip translation figures (no apertium)\n"
      "  --no-sweep       compare final-only, runbook and the engine defaults only\n"
      "  --timeline ITEM  corpus item shown in the timeline chart (default: first real clip)\n"
      "  --quiet          no progress bar and no summary\n"
      "  -h, --help       this help\n"
      "\n"
      "A progress bar goes to stderr when it is a terminal; the targets table of parley's\n"
      "policy on real speech goes to stdout at the end.\n"
      "Exit status: 0 ok (whether or not targets are met), 1 runtime failure (recognizer,\n"
      "synthesizer, translator or output), 2 usage error or unreadable corpus.\n",
      kDefaultCorpus, kQuickSynthItems, kDefaultOut, kDefaultTexts, kDefaultAwsK);
}

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  void operator()(double fraction, const std::string& what) const {
    if (!enabled_) return;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * std::clamp(fraction, 0.0, 1.0));
    std::fprintf(stderr, "\r[%s%s] %3d%% %-40.40s", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), static_cast<int>(fraction * 100),
                 what.c_str());
    std::fflush(stderr);
  }
  void done() const {
    if (enabled_) std::fputc('\n', stderr);
  }

 private:
  bool enabled_;
};

// Records the real clips and the synthesized talks with pocketsphinx. Returns an exit code.
int recordCorpus(const std::string& texts_path, const Progress& progress,
                 std::vector<bench::CorpusItem>* corpus) {
  auto clips = bench::realClips();
  if (!clips.ok()) {
    std::fprintf(stderr, "parley bench: %s\n", clips.error().message.c_str());
    return 2;
  }
  auto talks = bench::readTalks(texts_path);
  if (!talks.ok()) {
    std::fprintf(stderr, "parley bench: %s\n", talks.error().message.c_str());
    return 2;
  }
  asr::pocketsphinx::PocketsphinxConfig ps_config;  // the fast configuration
  auto recognizer = asr::pocketsphinx::createRecognizer(ps_config);
  if (!recognizer.ok()) {
    std::fprintf(stderr, "parley bench: %s\n", recognizer.error().message.c_str());
    return 1;
  }
  auto synth = tts::EspeakSynthesizer::create();
  if (!synth.ok()) {
    std::fprintf(stderr, "parley bench: %s\n", synth.error().message.c_str());
    return 1;
  }
  asr::ThreadCpuClock cpu;
  const auto plan = bench::synthPlan(talks->size());
  const double total = static_cast<double>(clips->size() + plan.size());
  double done = 0;
  for (const auto& clip : *clips) {
    progress(done++ / total, "recording " + clip.name);
    auto audio = audio::readAudioFile(clip.path);
    if (!audio.ok()) {
      std::fprintf(stderr, "parley bench: %s\n", audio.error().message.c_str());
      return 1;
    }
    bench::CorpusItem item;
    item.name = clip.name;
    item.kind = "real";
    item.source = (*recognizer)->name();
    item.reference = clip.reference;
    if (auto s = bench::recordItem(**recognizer, audio->samples, 100, cpu, item); !s.ok()) {
      std::fprintf(stderr, "parley bench: %s\n", s.error().message.c_str());
      return 1;
    }
    corpus->push_back(std::move(item));
  }
  for (const auto& p : plan) {
    progress(done++ / total, "synthesizing " + p.name);
    auto speech = bench::synthesizeTalk(**synth, (*talks)[p.talk], p);
    if (!speech.ok()) {
      std::fprintf(stderr, "parley bench: %s\n", speech.error().message.c_str());
      return 1;
    }
    bench::CorpusItem item;
    item.name = p.name;
    item.kind = "synth";
    item.source = (*recognizer)->name();
    item.reference = speech->reference;
    item.gold = std::move(speech->gold);
    item.voice = p.voice;
    item.speed_wpm = p.words_per_minute;
    item.pause_seconds = p.pause_seconds;
    if (auto s = bench::recordItem(**recognizer, speech->samples, 100, cpu, item); !s.ok()) {
      std::fprintf(stderr, "parley bench: %s\n", s.error().message.c_str());
      return 1;
    }
    corpus->push_back(std::move(item));
  }
  return 0;
}

int benchMain(int argc, char** argv) {
  const std::vector<OptionSpec> spec = {
      {"--corpus"},   {"--out"},          {"--quick", false},        {"--texts"},
      {"--record"},   {"--aws-k"},        {"--no-translate", false}, {"--no-sweep", false},
      {"--timeline"}, {"--quiet", false}, {"--help", false},         {"-h", false}};
  std::string error;
  auto args = Args::parse(argc, argv, spec, &error);
  if (!args) return usageError(kName, error);
  if (args->wantsHelp()) {
    printHelp();
    return 0;
  }
  if (!args->requirePositionals(0, &error, {}, "no positional arguments")) {
    return usageError(kName, error);
  }
  auto k =
      parseNumber(args->getOr("--aws-k", std::to_string(kDefaultAwsK)), "--aws-k", 1, 10, &error);
  if (!k) return usageError(kName, error);
  const bool quick = args->has("--quick");
  const bool quiet = args->has("--quiet");
  const Progress progress(!quiet && isatty(STDERR_FILENO) == 1);
  const auto started = std::chrono::steady_clock::now();

  std::vector<bench::CorpusItem> base;
  std::string corpus_desc;
  if (quick || args->has("--corpus")) {
    const std::string dir = args->getOr("--corpus", kDefaultCorpus);
    auto loaded = bench::loadCorpus(dir);
    if (!loaded.ok()) {
      std::fprintf(stderr, "parley bench: %s\n", loaded.error().message.c_str());
      return 2;
    }
    std::size_t synth = 0;
    for (auto& item : *loaded) {
      if (item.source != "pocketsphinx") continue;  // AWS streams are rebuilt below
      if (quick && !item.real() && synth++ >= kQuickSynthItems) continue;
      base.push_back(std::move(item));
    }
    corpus_desc = dir;
  } else {
    if (int rc = recordCorpus(args->getOr("--texts", kDefaultTexts), progress, &base); rc != 0) {
      return rc;
    }
    corpus_desc = "recorded now (pocketsphinx fast configuration, 100 ms chunks)";
  }
  std::vector<bench::CorpusItem> corpus = base;
  for (const auto& item : base)
    corpus.push_back(bench::awsStableStream(item, static_cast<int>(*k)));
  if (auto dir = args->get("--record")) {
    for (const auto& item : corpus) {
      if (auto s = bench::saveCorpusItem(*dir, item); !s.ok()) {
        std::fprintf(stderr, "parley bench: %s\n", s.error().message.c_str());
        return 1;
      }
    }
  }

  std::unique_ptr<translate::Translator> translator;
  if (!args->has("--no-translate")) {
    auto t = translate::ApertiumTranslator::create({});
    if (!t.ok()) {
      std::fprintf(stderr, "parley bench: %s\n", t.error().message.c_str());
      return 1;
    }
    translator = std::move(*t);
  }

  bench::BenchInput input;
  input.corpus = std::move(corpus);
  input.modes = {bench::finalOnlyMode(), bench::runbookMode(), bench::engineDefaultsMode()};
  if (!args->has("--no-sweep")) input.sweep = bench::sweepCandidates(quick);
  input.translator = translator.get();
  input.timeline_item = args->getOr("--timeline", "");
  input.progress = [&](double f, const std::string& what) { progress(f, what); };
  bench::BenchResult result = bench::runBench(input);
  progress.done();

  bench::ReportMeta meta;
  meta.corpus = corpus_desc;
  meta.quick = quick;
  meta.aws_stable_k = static_cast<int>(*k);
  meta.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string out = args->getOr("--out", kDefaultOut);
  if (auto s = bench::writeReports(out, result, meta); !s.ok()) {
    std::fprintf(stderr, "parley bench: %s\n", s.error().message.c_str());
    return 1;
  }
  if (!quiet) {
    std::printf("%s", bench::summaryText(result).c_str());
    std::printf("reports: %s/report.json, %s/report.md, %s/report.html\n", out.c_str(), out.c_str(),
                out.c_str());
  }
  return 0;
}

int checkReportMain(int argc, char** argv) {
  constexpr const char* kOneReport = "expected one REPORT_JSON file";
  std::string error;
  auto args = Args::parse(argc, argv, {{"--help", false}, {"-h", false}}, &error);
  if (!args) return usageError("bench check-report", error);
  if (args->wantsHelp()) {
    std::printf(
        "Usage: parley bench check-report REPORT_JSON\n\n"
        "Checks a report.json written by `parley bench` against the documented schema\n"
        "(docs/bench.md): prints every problem found.\n"
        "Exit status: 0 valid, 1 unreadable file, 2 usage error or schema violations.\n");
    return 0;
  }
  if (!args->requirePositionals(1, &error, kOneReport, kOneReport)) {
    return usageError("bench check-report", error);
  }
  std::ifstream in(args->positionals()[0], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "parley bench check-report: cannot read %s\n",
                 args->positionals()[0].c_str());
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto problems = bench::checkReportSchema(ss.str());
  for (const auto& p : problems) std::printf("%s\n", p.c_str());
  if (!problems.empty()) return 2;
  std::printf("%s: valid %s report\n", args->positionals()[0].c_str(), bench::kReportSchema);
  return 0;
}

}  // namespace

PARLEY_COMMAND("bench check-report", "check a bench report.json against its schema",
               checkReportMain);
PARLEY_COMMAND("bench", "measure latency, disagreement, cost and quality of forwarding policies",
               benchMain);

}  // namespace parley::app
