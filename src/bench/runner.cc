#include "bench/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

#include "asr/thread_cpu_clock.h"
#include "asr/wer.h"
#include "bench/synth.h"
#include "core/stats.h"
#include "core/words.h"
#include "engine/engine.h"
#include "ingest/config_file.h"
#include "replay/replay.h"
#include "translate/translator.h"

namespace parley::bench {

namespace {

std::string streamText(const std::vector<engine::Segment>& segments) {
  std::string out;
  for (const auto& s : segments) {
    if (s.text.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out += s.text;
  }
  return out;
}

// Translations of the bench, cached by text so that every mode pays the same apertium time for
// the same segment text (each call still counts its characters). The wall time of the first
// call for a text is kept, so that a mode can be charged it for every call it makes.
class MemoTranslator {
 public:
  explicit MemoTranslator(translate::Translator* t) : t_(t) {}
  std::string operator()(const std::string& text) { return timed(text).text; }
  TimedTranslation timed(const std::string& text) {
    auto it = memo_.find(text);
    if (it != memo_.end()) return it->second;
    TimedTranslation out;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = t_->translate(text);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.ok = r.ok();
    if (r.ok()) out.text = *r;
    return memo_.emplace(text, std::move(out)).first->second;
  }

 private:
  translate::Translator* t_;
  std::map<std::string, TimedTranslation> memo_;
};

std::string lowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool isPocketsphinx(const CorpusItem& item) { return item.source == "pocketsphinx"; }

struct ItemRuns {
  std::vector<engine::Segment> ideal;
  std::vector<engine::Segment> compute;
};

// Per-item figures (computation-aware run) accumulated into a ModeFigures.
void accumulate(const CorpusItem& item, const ItemRuns& runs, const std::vector<FinalToken>& fin,
                ModeFigures& f, asr::WerCounts& fwd_wer, asr::WerCounts& final_wer) {
  auto cc = compareStream(forwardedTokens(runs.compute), fin);
  f.items += 1;
  f.segments += static_cast<long long>(runs.compute.size());
  f.final_words += cc.final_words;
  f.matched_words += cc.matched_words;
  f.partial_words += cc.partial_words;
  f.partial_disagreements += cc.partial_disagreements;
  f.latencies_compute.insert(f.latencies_compute.end(), cc.latencies.begin(), cc.latencies.end());
  fwd_wer += asr::wordErrors(item.reference, streamText(runs.compute));
  std::string finals;
  for (const auto& t : fin) finals += (finals.empty() ? "" : " ") + t.text;
  final_wer += asr::wordErrors(item.reference, finals);
}

}  // namespace

std::string groupOf(const CorpusItem& item) {
  std::string g = item.real() ? "real" : "synth";
  if (item.source == "aws-transcribe") g += "-aws";
  return g;
}

ModeSpec finalOnlyMode() {
  ModeSpec m;
  m.name = "final-only";
  m.description = "finals only (docs/engine.md, rule 12): the baseline";
  m.mode = engine::Mode::kFinalOnly;
  return m;
}

ModeSpec runbookMode() {
  ModeSpec m;
  m.name = "runbook";
  m.description =
      "the runbook's policy: forward_policy=sentence, stability_fallback=timeout (3 s), "
      "min_stability 0.85, pause 2 s, buffer timeout 5 s";
  m.config.forward_policy = engine::ForwardPolicy::kSentence;
  m.config.stability_fallback = engine::StabilityFallback::kTimeout;
  m.config.stability_timeout = 3.0;
  m.config.min_stability_threshold = 0.85;
  m.config.pause_threshold = 2.0;
  m.config.max_buffer_timeout = 5.0;
  m.settings = {"forward_policy=sentence", "stability_fallback=timeout",
                "stability_timeout=3",     "min_stability_threshold=0.85",
                "pause_threshold=2",       "max_buffer_timeout=5"};
  return m;
}

ModeSpec engineDefaultsMode() {
  ModeSpec m;
  m.name = "engine-defaults";
  m.description = "the engine's current defaults (src/engine/config.h)";
  return m;
}

std::vector<ModeSpec> sweepCandidates(bool quick) {
  std::vector<std::vector<std::string>> grid;
  for (int n : {2, 3, 4}) {
    for (int words : {2, 3, 4}) {
      for (const char* wait : {"0.5", "1"}) {
        grid.push_back({"stability_fallback=local_agreement",
                        "local_agreement_n=" + std::to_string(n), "forward_policy=phrase",
                        "phrase_max_words=" + std::to_string(words),
                        std::string("phrase_max_wait=") + wait});
      }
    }
  }
  if (quick) grid = {grid[0], grid[7], grid[13]};
  std::vector<ModeSpec> out;
  for (std::size_t i = 0; i < grid.size(); ++i) {
    auto m = modeFromSettings("c" + std::to_string(i + 1), grid[i]);
    if (m.ok()) out.push_back(std::move(*m));
  }
  // Frontier commit (stability_fallback=frontier: commit_lag, commit_min_hypotheses) with
  // phrase forwarding.
  std::vector<std::pair<const char*, int>> frontier = {
      {"0.2", 1}, {"0.3", 1}, {"0.4", 1}, {"0.2", 2}, {"0.3", 2}};
  if (quick) frontier = {{"0.3", 1}};
  for (const auto& [lag, min_hyps] : frontier) {
    for (const char* words : {"1", "3"}) {
      auto m =
          modeFromSettings("f" + std::to_string(out.size() + 1),
                           {"stability_fallback=frontier", std::string("commit_lag=") + lag,
                            "commit_min_hypotheses=" + std::to_string(min_hyps),
                            "forward_policy=phrase", std::string("phrase_max_words=") + words});
      if (m.ok()) out.push_back(std::move(*m));
    }
  }
  if (quick) return out;
  // The bench prototype of f27 (docs/bench.md), to compare with the engine's implementation.
  auto proto = modeFromSettings("p" + std::to_string(out.size() + 1),
                                {"forward_policy=phrase", "phrase_max_words=1"});
  if (proto.ok()) {
    proto->prototype_commit_lag = 0.3;
    proto->prototype_min_hypotheses = 2;
    const char* what = "commit_lag=0.3 commit_min_hypotheses=2 (bench prototype of f27)";
    proto->settings.insert(proto->settings.begin(), what);
    proto->description = what;
    out.push_back(std::move(*proto));
  }
  return out;
}

ModeSpec parleyMode(const engine::EngineConfig& config, std::vector<std::string> settings) {
  ModeSpec m;
  m.name = "parley";
  m.description = "parley's policy (the sweep's winner)";
  m.config = config;
  m.settings = std::move(settings);
  return m;
}

core::Result<ModeSpec> modeFromSettings(const std::string& name,
                                        const std::vector<std::string>& settings) {
  ModeSpec m;
  m.name = name;
  for (const auto& s : settings) {
    if (auto st = ingest::applySetAssignment(m.config, s); !st.ok()) return st.error();
  }
  m.settings = settings;
  std::string d;
  for (const auto& s : settings) d += (d.empty() ? "" : ", ") + s;
  m.description = d;
  return m;
}

// The trace with audio updates meaning "audio the recognizer has consumed" (engine.h), the
// way frontier commit needs them. With recognizer compute, the chunk before is consumed when a
// chunk arrives, so each audio line reports the previous line's audio; an event comes out when
// its chunk is consumed, so after each event an audio update (same time) reports the last audio
// line's audio. The update comes after the event: the hypothesis it confirms is the event's,
// not the one before (which the recognizer has just replaced).
CorpusItem consumedAudio(const CorpusItem& item) {
  CorpusItem out = item;
  out.items.clear();
  double received = 0;
  for (const auto& t : item.items) {
    if (t.type == ingest::TraceItem::Type::kAudio) {
      ingest::TraceItem a = t;
      a.audio_time = received;
      received = t.audio_time;
      out.items.push_back(a);
      continue;
    }
    out.items.push_back(t);
    if (t.type == ingest::TraceItem::Type::kEvent) {
      ingest::TraceItem a;
      a.type = ingest::TraceItem::Type::kAudio;
      a.t = t.t;
      a.audio_time = received;
      out.items.push_back(a);
    }
  }
  return out;
}

std::string replayInput(const CorpusItem& item, const ModeSpec& mode, bool ideal_timing) {
  // Frontier commit reads the audio frontier, so its rows replay audio as consumed (above).
  // Ideal timing has no compute: audio is consumed as it arrives.
  if (mode.config.stability_fallback == engine::StabilityFallback::kFrontier && !ideal_timing &&
      !mode.prototype() && isPocketsphinx(item) && mode.mode == engine::Mode::kPartial) {
    return traceText(consumedAudio(item), false);
  }
  const bool proto =
      mode.prototype() && isPocketsphinx(item) && mode.mode == engine::Mode::kPartial;
  return proto ? traceText(frontierStableStream(item, mode.prototype_commit_lag,
                                                mode.prototype_min_hypotheses),
                           ideal_timing)
               : traceText(item, ideal_timing);
}

std::vector<engine::Segment> replayItem(const CorpusItem& item, const ModeSpec& mode,
                                        bool ideal_timing) {
  std::istringstream in(replayInput(item, mode, ideal_timing));
  replay::ReplayOptions opts;
  opts.config = mode.config;
  opts.mode = mode.mode;
  opts.session_id = item.name;
  return std::move(replay::replayTrace(in, opts).segments);
}

std::vector<FinalToken> finalTokens(const CorpusItem& item) {
  std::vector<FinalToken> out;
  for (const auto& w : finalWords(item)) {
    std::string t = core::normalizeWord(w.text);
    if (!t.empty()) out.push_back({std::move(t), w.end});
  }
  if (item.gold.empty()) return out;
  std::vector<std::string> ref, hyp;
  std::vector<double> gold_end;
  for (const auto& g : item.gold) {
    std::string t = core::normalizeWord(g.text);
    if (t.empty()) continue;
    ref.push_back(std::move(t));
    gold_end.push_back(g.end);
  }
  for (const auto& f : out) hyp.push_back(f.text);
  for (const auto& p : core::alignWords(ref, hyp)) {
    if (p.op == core::EditOp::kMatch) out[p.hyp].end = gold_end[p.ref];
  }
  return out;
}

std::vector<TargetCheck> checkTargets(const ModeFigures& m, const ModeFigures& fo) {
  std::vector<TargetCheck> out;
  out.push_back({"latency_p50", "<= 0.5 s", m.latency_compute.p50, m.latency_compute.p50 <= 0.5});
  out.push_back({"latency_p95", "<= 1.2 s", m.latency_compute.p95, m.latency_compute.p95 <= 1.2});
  const double fifth = fo.latency_compute.p50 / 5.0;
  out.push_back({"latency_p50_vs_final_only", "<= final-only p50 / 5",
                 fo.latency_compute.p50 > 0 ? m.latency_compute.p50 / fo.latency_compute.p50 : 0,
                 m.latency_compute.p50 <= fifth + 1e-12});
  out.push_back({"committed_disagreement", "<= 3% of final words", m.disagreement_pct,
                 m.disagreement_pct <= 3.0});
  out.push_back({"forwarded_wer_delta", "<= final-only WER + 1 point",
                 m.forwarded_wer - fo.forwarded_wer, m.forwarded_wer <= fo.forwarded_wer + 1.0});
  if (m.chrf_vs_final_only >= 0) {
    out.push_back(
        {"chrf_vs_final_only", ">= 0.90", m.chrf_vs_final_only, m.chrf_vs_final_only >= 0.90});
  }
  if (m.mt_chars_ratio >= 0) {
    out.push_back(
        {"mt_chars_ratio", "<= 1.15x final-only", m.mt_chars_ratio, m.mt_chars_ratio <= 1.15});
  }
  return out;
}

namespace {

// Runs `mode` over the items of one group (no translation).
struct GroupRun {
  ModeFigures figures;
  std::vector<ItemRuns> runs;  // parallel to the group's items
};

GroupRun runGroup(const std::vector<const CorpusItem*>& items,
                  const std::vector<std::vector<FinalToken>>& finals, const ModeSpec& mode,
                  const std::string& group) {
  GroupRun g;
  ModeFigures& f = g.figures;
  f.mode = mode.name;
  f.group = group;
  asr::WerCounts fwd_wer, final_wer;
  std::vector<double> ideal;
  long long ideal_dis = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    ItemRuns r;
    r.ideal = replayItem(*items[i], mode, true);
    r.compute = replayItem(*items[i], mode, false);
    auto ci = compareStream(forwardedTokens(r.ideal), finals[i]);
    ideal.insert(ideal.end(), ci.latencies.begin(), ci.latencies.end());
    ideal_dis += ci.partial_disagreements;
    accumulate(*items[i], r, finals[i], f, fwd_wer, final_wer);
    g.runs.push_back(std::move(r));
  }
  f.latency_ideal = core::summarize(ideal);
  f.latency_compute = core::summarize(f.latencies_compute);
  const double words = static_cast<double>(std::max<long long>(1, f.final_words));
  f.disagreement_pct = 100.0 * static_cast<double>(f.partial_disagreements) / words;
  f.disagreement_pct_ideal = 100.0 * static_cast<double>(ideal_dis) / words;
  f.forwarded_wer = 100.0 * fwd_wer.wer();
  f.final_wer = 100.0 * final_wer.wer();
  return g;
}

void translateGroup(GroupRun& run, const GroupRun& final_only,
                    const std::vector<const CorpusItem*>& items, MemoTranslator& mt,
                    bool with_reference) {
  ModeFigures& f = run.figures;
  std::string partial_tr, final_tr, reference_tr;
  long long fo_chars = 0, fo_tts = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (const auto& s : run.runs[i].compute) {
      if (s.text.empty()) continue;
      std::string t = mt(s.text);
      ++f.mt_calls;
      f.mt_chars += static_cast<long long>(s.text.size());
      f.tts_chars += static_cast<long long>(t.size());
      partial_tr += (partial_tr.empty() ? "" : " ") + t;
    }
    for (const auto& s : final_only.runs[i].compute) {
      if (s.text.empty()) continue;
      std::string t = mt(s.text);
      fo_chars += static_cast<long long>(s.text.size());
      fo_tts += static_cast<long long>(t.size());
      final_tr += (final_tr.empty() ? "" : " ") + t;
    }
    if (with_reference) {
      for (const auto& sentence : splitSentences(items[i]->reference)) {
        reference_tr += (reference_tr.empty() ? "" : " ") + mt(sentence);
      }
    }
  }
  f.mt_chars_ratio =
      fo_chars > 0 ? static_cast<double>(f.mt_chars) / static_cast<double>(fo_chars) : 0;
  f.tts_chars_ratio =
      fo_tts > 0 ? static_cast<double>(f.tts_chars) / static_cast<double>(fo_tts) : 0;
  // Case-insensitive: each segment is capitalised for MT on its own (translate::prepareForMt),
  // which is not a translation difference a listener hears.
  f.chrf_vs_final_only = chrF(lowerAscii(partial_tr), lowerAscii(final_tr));
  if (with_reference) f.chrf_vs_reference = chrF(lowerAscii(partial_tr), lowerAscii(reference_tr));
}

GroupFigures groupFigures(const std::string& group, const std::vector<const CorpusItem*>& items) {
  GroupFigures g;
  g.group = group;
  asr::WerCounts wer;
  for (const auto* item : items) {
    ++g.items;
    g.audio_seconds += item->audio_seconds;
    g.compute_seconds += item->compute_seconds;
    std::string finals;
    for (const auto& w : finalWords(*item)) finals += (finals.empty() ? "" : " ") + w.text;
    auto c = asr::wordErrors(item->reference, finals);
    wer += c;
    for (const auto& t : item->items) {
      if (t.type != ingest::TraceItem::Type::kEvent) continue;
      t.event.is_partial ? ++g.partial_events : ++g.final_events;
    }
    for (const auto& hyps : hypothesesByResult(*item)) {
      g.erased_tokens += erasedTokens(hyps);
      if (!hyps.empty()) g.final_words += static_cast<long long>(hyps.back().size());
    }
  }
  g.reference_words = wer.reference_words;
  g.final_wer = 100.0 * wer.wer();
  g.rtf = g.audio_seconds > 0 ? g.compute_seconds / g.audio_seconds : 0;
  g.normalized_erasure =
      g.final_words > 0 ? static_cast<double>(g.erased_tokens) / static_cast<double>(g.final_words)
                        : 0;
  return g;
}

bool meetsEngineTargets(const ModeFigures& m, const ModeFigures& fo) {
  for (const auto& c : checkTargets(m, fo)) {
    if (!c.pass) return false;
  }
  return true;
}

int failedTargets(const ModeFigures& m, const ModeFigures& fo) {
  int n = 0;
  for (const auto& c : checkTargets(m, fo)) n += c.pass ? 0 : 1;
  return n;
}

Timeline makeTimeline(const CorpusItem& item, const ModeSpec& mode) {
  Timeline tl;
  tl.item = item.name;
  tl.mode = mode.name;
  tl.audio_seconds = item.audio_seconds;
  for (const auto& t : item.items) {
    if (t.type != ingest::TraceItem::Type::kEvent) continue;
    tl.hypotheses.push_back({t.t, t.event.is_partial, engine::joinWords(t.event.words)});
  }
  for (const auto& s : replayItem(item, mode, false)) {
    tl.segments.push_back(
        {s.emitted_at, engine::segmentKindName(s.kind), s.reason, s.text, s.audio_end});
  }
  for (const auto& f : finalTokens(item)) tl.words.push_back({f.text, f.end});
  return tl;
}

void measureEngine(const std::vector<CorpusItem>& corpus, const ModeSpec& mode, BenchResult& r) {
  std::vector<const CorpusItem*> items;
  for (const auto& c : corpus) {
    if (isPocketsphinx(c)) items.push_back(&c);
  }
  if (items.empty()) return;
  asr::ThreadCpuClock cpu;
  long long events = 0;
  double elapsed = 0;
  engine::Output out;
  const double t0 = cpu.now();
  while (elapsed < 0.5) {
    for (const auto* item : items) {
      engine::Engine e(item->name, mode.config, mode.mode);
      for (const auto& t : item->items) {
        out.clear();
        if (t.type == ingest::TraceItem::Type::kAudio) {
          e.onAudio(t.audio_time, t.t, out);
        } else if (t.type == ingest::TraceItem::Type::kEvent) {
          e.onEvent(t.event, t.t, out);
          ++events;
        }
      }
      out.clear();
      e.finish(1e9, out);
      r.engine_idle_session_bytes = std::max(r.engine_idle_session_bytes, e.stateBytes());
    }
    elapsed = cpu.now() - t0;
  }
  r.engine_events_measured = events;
  r.engine_events_per_second = elapsed > 0 ? static_cast<double>(events) / elapsed : 0;
}

}  // namespace

BenchResult runBench(const BenchInput& in) {
  BenchResult r;
  std::map<std::string, std::vector<const CorpusItem*>> groups;
  for (const auto& c : in.corpus) groups[groupOf(c)].push_back(&c);
  std::map<std::string, std::vector<std::vector<FinalToken>>> finals;
  for (const auto& [g, items] : groups) {
    for (const auto* i : items) finals[g].push_back(finalTokens(*i));
    r.groups.push_back(groupFigures(g, items));
  }
  const double total_steps =
      static_cast<double>(groups.size() * (in.modes.size() + 1) + in.sweep.size() + 4);
  double step = 0;
  auto tick = [&](const std::string& what) {
    step += 1;
    if (in.progress) in.progress(std::min(1.0, step / total_steps), what);
  };

  std::vector<ModeSpec> modes = in.modes;
  // Tuning sweep: engine figures on the real and synthesized pocketsphinx groups.
  if (!in.sweep.empty()) {
    const ModeSpec fo_mode = finalOnlyMode();
    ModeFigures fo_real, fo_synth;
    if (groups.count("real"))
      fo_real = runGroup(groups["real"], finals["real"], fo_mode, "real").figures;
    if (groups.count("synth")) {
      fo_synth = runGroup(groups["synth"], finals["synth"], fo_mode, "synth").figures;
    }
    for (const auto& spec : in.sweep) {
      SweepRow row;
      row.spec = spec;
      if (groups.count("real"))
        row.real = runGroup(groups["real"], finals["real"], spec, "real").figures;
      if (groups.count("synth")) {
        row.synth = runGroup(groups["synth"], finals["synth"], spec, "synth").figures;
      }
      row.real.latencies_compute.clear();
      row.synth.latencies_compute.clear();
      row.meets_targets = meetsEngineTargets(row.real, fo_real);
      r.sweep.push_back(std::move(row));
      tick("sweep " + spec.name);
    }
    // Winner: meets every target on real speech with the lowest p50 (then p95, then
    // disagreement); if none does, the fewest failed targets, then the same order. Only
    // engine settings can win (not the bench prototype).
    const SweepRow* best = nullptr;
    auto key = [&](const SweepRow& s) {
      return std::make_tuple(failedTargets(s.real, fo_real), s.real.latency_compute.p50,
                             s.real.latency_compute.p95, s.real.disagreement_pct);
    };
    for (const auto& s : r.sweep) {
      if (s.spec.prototype()) continue;
      if (!best || key(s) < key(*best)) best = &s;
    }
    if (best) r.sweep_winner = best->spec.name;
    if (best) {
      ModeSpec winner = best->spec;
      winner.name = "parley";
      winner.description = "parley's policy: the sweep's winner (" + best->spec.name + ")";
      modes.push_back(std::move(winner));
    }
  }

  std::unique_ptr<MemoTranslator> mt;
  if (in.translator) mt = std::make_unique<MemoTranslator>(in.translator);
  for (const auto& [g, items] : groups) {
    std::vector<GroupRun> runs;
    for (const auto& mode : modes) {
      runs.push_back(runGroup(items, finals[g], mode, g));
      tick(g + " / " + mode.name);
    }
    for (std::size_t m = 0; m < runs.size(); ++m) {
      if (mt) translateGroup(runs[m], runs[0], items, *mt, g.rfind("synth", 0) == 0);
      runs[m].figures.latencies_compute.shrink_to_fit();
      r.figures.push_back(std::move(runs[m].figures));
    }
  }

  // Caption lines (lines_ruler.h): the append-only lanes and the revise lanes over parley's
  // engine settings, on the pocketsphinx groups, with the same translations.
  if (mt && !modes.empty()) {
    const RulerTranslateFn timed = [&mt](const std::string& text) { return mt->timed(text); };
    // The lanes run over the engine as shipped (engine-defaults), plus the agree lane over
    // parley's engine settings (the sweep's winner) when they differ.
    const ModeSpec* shipped = &modes.back();
    for (const auto& m : modes) {
      if (m.name == "engine-defaults") shipped = &m;
    }
    auto lanes = lineModes(shipped->config, shipped->mode);
    if (shipped != &modes.back()) {
      LineModeSpec lane;
      lane.name = "revise-agree-" + modes.back().name;
      lane.description = "as revise-agree, over " + modes.back().name + "'s engine settings";
      lane.mode = modes.back().mode;
      lane.config = modes.back().config;
      lane.revise = true;
      lane.lines = lines::lineConfigFrom(modes.back().config);
      lane.lines.policy = lines::DisplayPolicy::kAgree;
      lanes.push_back(std::move(lane));
    }
    for (const char* g : {"real", "synth"}) {
      auto it = groups.find(g);
      if (it == groups.end()) continue;
      const auto final_only = finalOnlyTranslations(it->second, timed);
      for (const auto& lane : lanes) {
        r.lines.push_back(runLineMode(it->second, final_only, lane, g, timed));
      }
      tick(std::string(g) + " / caption lines");
    }
  }

  // Timeline of one utterance in the last compared mode (parley's).
  const CorpusItem* tl_item = nullptr;
  for (const auto& c : in.corpus) {
    if ((in.timeline_item.empty() && c.real() && isPocketsphinx(c)) || c.name == in.timeline_item) {
      tl_item = &c;
      break;
    }
  }
  if (!tl_item && !in.corpus.empty()) tl_item = &in.corpus.front();
  if (tl_item && !modes.empty()) r.timeline = makeTimeline(*tl_item, modes.back());
  tick("timeline");
  if (!modes.empty()) measureEngine(in.corpus, modes.back(), r);
  r.modes = modes;
  tick("engine throughput");
  return r;
}

}  // namespace parley::bench
