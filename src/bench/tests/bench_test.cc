// The corpus format and transforms, the report schema, and the bench's determinism on the
// committed traces (bench/corpus): same input, same engine figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bench/corpus.h"
#include "bench/report.h"
#include "bench/runner.h"

namespace parley::bench {
namespace {

engine::RecognizerEvent event(const std::string& id, bool partial,
                              std::vector<std::pair<std::string, double>> words) {
  engine::RecognizerEvent ev;
  ev.result_id = id;
  ev.is_partial = partial;
  double start = 0;
  for (auto& [text, end] : words) {
    engine::Word w;
    w.text = text;
    w.start = start;
    w.end = end;
    ev.words.push_back(std::move(w));
    start = end;
  }
  ev.end = start;
  return ev;
}

ingest::TraceItem ev(double t, engine::RecognizerEvent e) {
  ingest::TraceItem i;
  i.type = ingest::TraceItem::Type::kEvent;
  i.t = t;
  i.event = std::move(e);
  return i;
}

ingest::TraceItem audio(double a) {
  ingest::TraceItem i;
  i.type = ingest::TraceItem::Type::kAudio;
  i.t = a;
  i.audio_time = a;
  return i;
}

// he (0.3) -> he was (0.6) -> he was not (0.9) -> final "he was not".
CorpusItem smallItem() {
  CorpusItem c;
  c.name = "small";
  c.kind = "synth";
  c.source = "pocketsphinx";
  c.reference = "He was not.";
  c.gold = {{"He", 0, 0.25}, {"was", 0.3, 0.55}, {"not.", 0.6, 0.85}};
  c.audio_seconds = 1.2;
  c.compute_seconds = 0.3;
  c.items = {audio(0.4),
             ev(0.45, event("utt-1", true, {{"he", 0.3}})),
             audio(0.7),
             ev(0.75, event("utt-1", true, {{"he", 0.3}, {"was", 0.6}})),
             audio(1.0),
             ev(1.05, event("utt-1", true, {{"he", 0.3}, {"was", 0.6}, {"not", 0.9}})),
             audio(1.1),
             audio(1.2),
             ev(1.3, event("utt-1", false, {{"he", 0.3}, {"was", 0.6}, {"not", 0.9}}))};
  return c;
}

TEST(Corpus, RoundTripsThroughTheTraceFormat) {
  CorpusItem c = smallItem();
  auto back = parseCorpusItem("small", formatCorpusItem(c));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, "synth");
  EXPECT_EQ(back->reference, c.reference);
  ASSERT_EQ(back->gold.size(), 3u);
  EXPECT_DOUBLE_EQ(back->gold[2].end, 0.85);
  ASSERT_EQ(back->items.size(), c.items.size());
  EXPECT_DOUBLE_EQ(back->items[1].t, 0.45);
  EXPECT_EQ(formatCorpusItem(*back), formatCorpusItem(c));
}

TEST(Corpus, RejectsTracesWithoutBenchFields) {
  auto r = parseCorpusItem("x", "{\"parley_trace\":1}\n{\"t\":0.1,\"audio\":0.1}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("bench"), std::string::npos);
}

TEST(Corpus, IdealTimingMovesEventsToTheirAudioTime) {
  auto parsed = parseCorpusItem("small", traceText(smallItem(), true));
  ASSERT_TRUE(parsed.ok());
  EXPECT_DOUBLE_EQ(parsed->items[1].t, 0.4);  // was 0.45: compute removed
  EXPECT_DOUBLE_EQ(parsed->items[3].t, 0.7);
  EXPECT_DOUBLE_EQ(parsed->items[8].t, 1.2);
}

TEST(Corpus, AwsStableFlagsFromLaterHypotheses) {
  CorpusItem aws = awsStableStream(smallItem(), 1);
  EXPECT_EQ(aws.source, "aws-transcribe");
  // "he": the next hypothesis keeps "he" -> Stable.
  ASSERT_TRUE(aws.items[1].event.words[0].stable.has_value());
  EXPECT_TRUE(*aws.items[1].event.words[0].stable);
  // "he was not": the final (next) keeps all three.
  for (const auto& w : aws.items[5].event.words) EXPECT_TRUE(w.stable.value_or(false));
  // Round trip through AWS TranscriptEvent JSON keeps the flags.
  auto back = parseCorpusItem("aws", formatCorpusItem(aws));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->items[1].event.words[0].stable.value_or(false));
}

TEST(Corpus, AwsStableFlagsStopAtAChange) {
  CorpusItem c = smallItem();
  c.items[3].event.words[0].text = "you";  // "he" -> "you was": "he" changes
  CorpusItem aws = awsStableStream(c, 2);
  EXPECT_FALSE(aws.items[1].event.words[0].stable.value_or(true));
}

TEST(Corpus, FrontierCommitIsCausal) {
  // lag 0.35: "he" (end 0.3) is Stable once the processed frontier reaches 0.65. The event at
  // 0.75 comes with frontier 0.7 (its audio line) -> "he" Stable, "was" (0.6) not.
  CorpusItem f = frontierStableStream(smallItem(), 0.35, 1);
  const auto& first = f.items[1].event;  // frontier 0.4: nothing
  EXPECT_FALSE(first.words[0].stable.value_or(true));
  const auto& second = f.items[3].event;
  EXPECT_TRUE(second.words[0].stable.value_or(false));
  EXPECT_FALSE(second.words[1].stable.value_or(true));
}

// The engine's stability_fallback=frontier on the same trace, replayed with audio updates as
// audio consumed by the recognizer (runner.h): the same commits as the prototype. "he" (end
// 0.3) is 0.35 behind the consumed audio once the event at 0.75 (audio 0.7 consumed) is out,
// "was" (0.6) at 1.05; "not" (0.9) never is before the final.
TEST(Runner, EngineFrontierMatchesThePrototypeOnASmallTrace) {
  auto native = modeFromSettings("f", {"stability_fallback=frontier", "commit_lag=0.35",
                                       "commit_min_hypotheses=1", "phrase_max_words=1"});
  ASSERT_TRUE(native.ok()) << native.error().message;
  auto segs = replayItem(smallItem(), *native, false);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].text, "he");
  EXPECT_DOUBLE_EQ(segs[0].emitted_at, 0.75);
  EXPECT_EQ(segs[1].text, "was");
  EXPECT_DOUBLE_EQ(segs[1].emitted_at, 1.05);
  EXPECT_EQ(segs[2].text, "not");
  EXPECT_EQ(segs[2].kind, engine::SegmentKind::kFinal);

  auto proto = modeFromSettings("p", {"phrase_max_words=1"});
  ASSERT_TRUE(proto.ok());
  proto->prototype_commit_lag = 0.35;
  proto->prototype_min_hypotheses = 1;
  auto psegs = replayItem(smallItem(), *proto, false);
  ASSERT_EQ(psegs.size(), segs.size());
  for (std::size_t i = 0; i < segs.size(); ++i) {
    EXPECT_EQ(psegs[i].text, segs[i].text);
    EXPECT_DOUBLE_EQ(psegs[i].emitted_at, segs[i].emitted_at);
  }

  // Ideal timing (no compute: audio consumed as it arrives): "he" commits on the audio line
  // 0.7 itself (the event at 0.45 is re-timed to 0.4).
  auto ideal = replayItem(smallItem(), *native, true);
  ASSERT_FALSE(ideal.empty());
  EXPECT_EQ(ideal[0].text, "he");
  EXPECT_DOUBLE_EQ(ideal[0].emitted_at, 0.7);
}

TEST(Runner, SweepHasEngineFrontierRowsAndOnePrototypeRow) {
  auto sweep = sweepCandidates(false);
  int frontier = 0, prototypes = 0;
  for (const auto& m : sweep) {
    if (m.prototype()) {
      ++prototypes;
      EXPECT_EQ(m.name, "p29");
      continue;
    }
    if (m.config.stability_fallback == engine::StabilityFallback::kFrontier) ++frontier;
  }
  EXPECT_EQ(frontier, 10);
  EXPECT_EQ(prototypes, 1);
  const auto& f27 = sweep[26];
  EXPECT_EQ(f27.name, "f27");
  EXPECT_DOUBLE_EQ(f27.config.commit_lag, 0.3);
  EXPECT_EQ(f27.config.commit_min_hypotheses, 2);
  EXPECT_EQ(f27.config.phrase_max_words, 1);
  for (const auto& m : sweepCandidates(true)) EXPECT_FALSE(m.prototype()) << m.name;
}

TEST(Bench, ThePrototypeNeverWins) {
  auto corpus = loadCorpus(std::string(PARLEY_SOURCE_DIR) + "/bench/corpus");
  ASSERT_TRUE(corpus.ok());
  BenchInput in;
  for (auto& c : *corpus) {
    if (c.name == "real-goforward") in.corpus.push_back(std::move(c));
  }
  ASSERT_EQ(in.corpus.size(), 1u);
  in.modes = {finalOnlyMode()};
  auto sweep = sweepCandidates(false);
  in.sweep = {sweep.front(), sweep.back()};  // c1 and the prototype p29
  ASSERT_TRUE(in.sweep.back().prototype());
  BenchResult r = runBench(in);
  ASSERT_EQ(r.sweep.size(), 2u);
  EXPECT_GT(r.sweep[1].real.partial_words, 0);  // the prototype row is measured...
  EXPECT_EQ(r.sweep_winner, "c1");              // ...but cannot be chosen
}

TEST(Runner, FinalTokensUseGoldTimes) {
  auto fin = finalTokens(smallItem());
  ASSERT_EQ(fin.size(), 3u);
  EXPECT_EQ(fin[0].text, "he");
  EXPECT_DOUBLE_EQ(fin[0].end, 0.25);  // gold, not the recognizer's 0.3
  EXPECT_DOUBLE_EQ(fin[2].end, 0.85);
}

TEST(Runner, FinalOnlyLatencyIsFinalArrivalMinusWordEnd) {
  auto segs = replayItem(smallItem(), finalOnlyMode(), false);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].text, "he was not");
  EXPECT_DOUBLE_EQ(segs[0].emitted_at, 1.3);
}

BenchInput committedInput() {
  auto corpus = loadCorpus(std::string(PARLEY_SOURCE_DIR) + "/bench/corpus");
  EXPECT_TRUE(corpus.ok()) << (corpus.ok() ? "" : corpus.error().message);
  BenchInput in;
  if (!corpus.ok()) return in;
  // The two shortest real clips keep the test quick under the sanitizers.
  for (auto& c : *corpus) {
    if (c.name == "real-librivox-0880" || c.name == "real-goforward") {
      in.corpus.push_back(std::move(c));
    }
  }
  in.modes = {finalOnlyMode(), runbookMode(), engineDefaultsMode()};
  in.sweep = sweepCandidates(true);
  in.sweep.resize(std::min<std::size_t>(in.sweep.size(), 2));
  return in;
}

std::string withoutClockFigures(const BenchResult& r) {
  auto j = nlohmann::json::parse(reportJson(r, {}));
  j.erase("engine");  // events/s reads a clock
  return j.dump();
}

TEST(Bench, DeterministicOnCommittedTraces) {
  BenchInput in = committedInput();
  ASSERT_FALSE(in.corpus.empty());
  BenchResult a = runBench(in);
  BenchResult b = runBench(in);
  EXPECT_EQ(withoutClockFigures(a), withoutClockFigures(b));
  EXPECT_FALSE(a.sweep_winner.empty());
  EXPECT_GT(a.engine_events_per_second, 0);
}

TEST(Bench, ReportMatchesItsSchema) {
  BenchInput in = committedInput();
  ASSERT_FALSE(in.corpus.empty());
  BenchResult r = runBench(in);
  const std::string text = reportJson(r, {});
  auto problems = checkReportSchema(text);
  EXPECT_TRUE(problems.empty()) << problems.front();
  // Final-only forwards nothing from partials; a partial mode forwards earlier on average.
  const ModeFigures* fo = nullptr;
  const ModeFigures* parley = nullptr;
  for (const auto& f : r.figures) {
    if (f.group == "real" && f.mode == "final-only") fo = &f;
    if (f.group == "real" && f.mode == "parley") parley = &f;
  }
  ASSERT_TRUE(fo && parley);
  EXPECT_EQ(fo->partial_words, 0);
  EXPECT_GT(parley->partial_words, 0);
  EXPECT_LT(parley->latency_compute.mean, fo->latency_compute.mean);
  EXPECT_FALSE(reportMarkdown(r, {}).empty());
  EXPECT_NE(reportHtml(r, {}).find("<svg"), std::string::npos);
}

// A translator for the line ruler: upper case, one call per text.
TimedTranslation upper(const std::string& text) {
  TimedTranslation t;
  for (char c : text)
    t.text.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return t;
}

TEST(LinesRuler, FinalOnlyLaneShowsEachTokenAtTheFinal) {
  const CorpusItem item = smallItem();
  const std::vector<const CorpusItem*> items = {&item};
  const auto fo = finalOnlyTranslations(items, upper);
  ASSERT_EQ(fo.size(), 1u);
  EXPECT_EQ(fo[0].joined, "HE WAS NOT");
  const auto lanes = lineModes(engineDefaultsMode().config, engine::Mode::kPartial);
  ASSERT_EQ(lanes.front().name, "final-only");
  const LineFigures f = runLineMode(items, fo, lanes.front(), "synth", upper);
  EXPECT_EQ(f.lines, 1);
  EXPECT_EQ(f.revisions, 1);
  EXPECT_EQ(f.final_tokens, 3);
  // The final arrives at 1.3 s; the gold ends are 0.25, 0.55, 0.85.
  ASSERT_EQ(f.first_display.count, 3);
  EXPECT_NEAR(f.first_display.max, 1.05, 1e-9);
  EXPECT_NEAR(f.time_to_stable.p50, 0.75, 1e-9);
  EXPECT_DOUBLE_EQ(f.normalized_erasure, 0);
  EXPECT_DOUBLE_EQ(f.final_chrf, 1.0);
  EXPECT_DOUBLE_EQ(f.final_chrf_unsplit, 1.0);
  EXPECT_DOUBLE_EQ(f.spoken_chrf, 1.0);
  EXPECT_DOUBLE_EQ(f.mt_chars_ratio, 1.0);
}

TEST(LinesRuler, EveryReviseLaneEndsWithTheFinalTranslation) {
  const CorpusItem item = smallItem();
  const std::vector<const CorpusItem*> items = {&item};
  const auto fo = finalOnlyTranslations(items, upper);
  int revise = 0;
  for (const auto& lane : lineModes(engineDefaultsMode().config, engine::Mode::kPartial)) {
    const LineFigures f = runLineMode(items, fo, lane, "synth", upper);
    SCOPED_TRACE(lane.name);
    EXPECT_EQ(f.results, 1);
    EXPECT_EQ(f.split_results, 0);
    EXPECT_EQ(f.final_tokens, 3);
    if (!lane.revise) continue;
    ++revise;
    // One result, one line: its last revision is the translation of the final.
    EXPECT_DOUBLE_EQ(f.final_chrf_unsplit, 1.0);
    EXPECT_DOUBLE_EQ(f.spoken_chrf, 1.0);  // every word spoken once, none dropped
    EXPECT_EQ(f.spoken_mismatches, 0);
    EXPECT_GE(f.mt_calls, 1);
    // Nothing is shown before the word was spoken, and every token is stable by the final.
    EXPECT_GE(f.first_display.p50, 0);
    EXPECT_LE(f.time_to_stable.max, 1.3 - 0.25 + 1e-9);
  }
  EXPECT_GE(revise, 10);
}

TEST(LinesRuler, TargetsNameEveryFigure) {
  LineFigures f;
  f.time_to_stable.p50 = 1.0;
  f.time_to_stable.p95 = 2.5;  // misses
  f.first_display.p50 = 0.5;
  f.normalized_erasure = 0.1;
  f.final_chrf = 0.99;
  f.final_chrf_unsplit = 1.0;
  f.spoken_chrf = 0.95;
  f.speech_start.p50 = 1.0;
  f.mt_chars_ratio = 3.0;
  int failed = 0;
  for (const auto& c : checkLineTargets(f)) {
    if (!c.pass) {
      ++failed;
      EXPECT_EQ(c.name, "time_to_stable_p95");
    }
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(checkLineTargets(f).size(), 9u);
}

TEST(Bench, SchemaCheckNamesLineFields) {
  BenchResult r;
  r.groups.push_back({});
  r.groups.back().group = "real";
  LineFigures f;
  f.group = "real";
  f.mode = "revise-none-s2";
  r.lines.push_back(f);
  auto j = nlohmann::json::parse(reportJson(r, {}));
  for (const auto& p : checkReportSchema(j.dump())) {
    EXPECT_EQ(p.find("$.lines"), std::string::npos) << p;
  }
  j["lines"][0].erase("time_to_stable");
  j["lines"][0]["final_chrf_unsplit"] = "high";
  j["lines"][0]["group"] = "elsewhere";
  bool stable = false, unsplit = false, group = false;
  for (const auto& p : checkReportSchema(j.dump())) {
    stable |= p == "$.lines[0].time_to_stable must be an object";
    unsplit |= p == "$.lines[0].final_chrf_unsplit must be a number or null";
    group |= p == "$.lines[0].group is not one of $.groups";
  }
  EXPECT_TRUE(stable);
  EXPECT_TRUE(unsplit);
  EXPECT_TRUE(group);
}

TEST(Bench, SchemaCheckNamesMissingFields) {
  auto j = nlohmann::json::parse(reportJson(BenchResult{}, {}));
  j.erase("figures");
  j["schema"] = "other";
  auto problems = checkReportSchema(j.dump());
  bool figures = false, schema = false;
  for (const auto& p : problems) {
    figures |= p.find("$.figures") != std::string::npos;
    schema |= p.find("$.schema") != std::string::npos;
  }
  EXPECT_TRUE(figures);
  EXPECT_TRUE(schema);
  EXPECT_FALSE(checkReportSchema("[1,2]").empty());
}

}  // namespace
}  // namespace parley::bench
