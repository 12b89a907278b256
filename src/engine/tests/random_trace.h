// Random recognizer traces for property tests (shared by the engine's invariants test and the
// lines property test): Trace, makeTrace (a seeded generator of truthful or revising streams
// under random engine settings), makeRetractingTrace (streams that withdraw words already
// flagged stable, repeat partials and deliver stale partials) and replay (drives an Engine over
// a trace in virtual time, ticking at every deadline). Deterministic for a given std::mt19937
// state.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace parley::engine::random_trace {

struct Step {
  double t;
  enum { kEvent, kAudio, kTick, kModeOff, kModeOn } type;
  RecognizerEvent event;
  double audio = 0;
};

struct Trace {
  EngineConfig config;
  Mode mode = Mode::kPartial;
  std::vector<Step> steps;
  std::map<std::string, std::vector<std::string>> finals;  // result id -> final words
  bool no_signal = false;     // events carry no stability signal: the fallback commits
  long long late_events = 0;  // events sent for a result after its final (makeRetractingTrace)
};

// Random but truthful traces: every partial is a prefix of its result's final (possibly with
// its last words still wrong when `revise` is set), stability signals never lie about words
// that the final changes.
inline Trace makeTrace(std::mt19937& rng, bool revise) {
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto pick = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); };
  Trace tr;
  EngineConfig& c = tr.config;
  c.forward_policy = pick(0, 1) ? ForwardPolicy::kPhrase : ForwardPolicy::kSentence;
  const int fallback = pick(0, 2);
  c.stability_fallback = fallback == 0   ? StabilityFallback::kTimeout
                         : fallback == 1 ? StabilityFallback::kLocalAgreement
                                         : StabilityFallback::kFrontier;
  c.commit_lag = uni(0.1, 2);
  c.commit_min_hypotheses = pick(1, 5);
  c.max_rate_per_second = pick(1, 8);
  c.max_buffered_words = pick(10, 40);
  c.orphan_timeout = uni(2, 20);
  c.max_buffer_timeout = uni(2, 10);
  c.pause_threshold = uni(0.3, 3);
  c.local_agreement_n = pick(2, 4);
  c.phrase_max_words = pick(1, 6);
  c.health_timeout = uni(1, 12);
  c.dedup_cache_ttl = 0;  // words are unique anyway; dedup is tested on its own
  tr.mode = pick(0, 4) == 0 ? Mode::kFinalOnly : Mode::kPartial;
  const int signal = pick(0, 3);  // 0 stable flags, 1 score, 2 item scores, 3 none
  tr.no_signal = signal == 3;

  double t = 0, audio = 0;
  int word_id = 0;
  const int n_results = pick(1, 5);
  for (int r = 0; r < n_results; ++r) {
    std::string id = "r" + std::to_string(r);
    int n_words = pick(1, 25);
    std::vector<Word> final_words;
    for (int i = 0; i < n_words; ++i) {
      double start = audio + uni(0.05, 0.3) + (pick(0, 9) == 0 ? uni(0.5, 3) : 0);
      double end = start + uni(0.1, 0.5);
      audio = end;
      std::string text = "w" + std::to_string(word_id++);
      int p = pick(0, 9);
      if (p == 0)
        text += ".";
      else if (p == 1)
        text += ",";
      final_words.push_back({text, start, end, WordKind::kWord, {}, {}, {}});
    }
    bool orphan = pick(0, 9) == 0;  // no final for a long time, then maybe one
    std::size_t shown = 0;
    while (shown < final_words.size()) {
      shown = std::min(final_words.size(), shown + static_cast<std::size_t>(pick(0, 3)));
      RecognizerEvent ev;
      ev.result_id = id;
      ev.is_partial = true;
      ev.words.assign(final_words.begin(), final_words.begin() + static_cast<long>(shown));
      std::size_t wrong_from = ev.words.size();
      if (revise && !ev.words.empty() && pick(0, 2) == 0) {
        // The tail of the hypothesis is wrong for now (a later hypothesis fixes it).
        wrong_from = ev.words.size() - static_cast<std::size_t>(pick(
                                           1, std::min<int>(3, static_cast<int>(ev.words.size()))));
        for (std::size_t i = wrong_from; i < ev.words.size(); ++i)
          ev.words[i].text = "x" + std::to_string(pick(0, 1000000));
      }
      const std::size_t truthful = wrong_from;
      switch (signal) {
        case 0:
          for (std::size_t i = 0; i < ev.words.size(); ++i)
            ev.words[i].stable =
                i < truthful && pick(0, 2) != 0 && (i == 0 || *ev.words[i - 1].stable);
          break;
        case 1:
          ev.stability = truthful == ev.words.size() ? uni(0.5, 1.0) : uni(0.0, 0.69);
          break;
        case 2:
          for (std::size_t i = 0; i < ev.words.size(); ++i)
            ev.words[i].stability = i < truthful ? uni(0.5, 1) : uni(0, 0.69);
          break;
        default:
          break;
      }
      ev.start = ev.words.empty() ? audio : ev.words.front().start;
      ev.end = ev.words.empty() ? audio : ev.words.back().end;
      t += uni(0.01, 0.6);
      tr.steps.push_back({t, Step::kEvent, ev});
      if (pick(0, 2) == 0) {
        t += uni(0.0, 0.3);
        tr.steps.push_back({t, Step::kAudio, {}, audio + uni(0, 1)});
      }
      if (pick(0, 15) == 0)
        tr.steps.push_back({t + uni(0, 0.2), pick(0, 1) ? Step::kModeOff : Step::kModeOn, {}});
      if (pick(0, 20) == 0) {  // a recognizer stall while audio keeps coming
        for (int k = 0; k < 30; ++k) {
          t += 0.5;
          tr.steps.push_back({t, Step::kAudio, {}, audio + 0.5 * k});
        }
      }
      if (ev.words.size() == final_words.size() && pick(0, 1) == 0) break;
    }
    if (orphan) t += uni(5, 30);
    if (!orphan || pick(0, 1) == 0) {
      RecognizerEvent fin;
      fin.result_id = id;
      fin.is_partial = false;
      fin.words = final_words;
      fin.start = final_words.front().start;
      fin.end = final_words.back().end;
      t += uni(0.01, 1.0);
      tr.steps.push_back({t, Step::kEvent, fin});
    }
    std::vector<std::string> texts;
    for (const auto& w : final_words) texts.push_back(w.text);
    tr.finals[id] = texts;
  }
  return tr;
}

// Streams whose partials are not monotonic, as AWS Transcribe sends them at times: a result's
// words sit at fixed audio positions; its hypotheses grow, shrink (withdrawing words, even words
// flagged Stable by an earlier partial), show a different word at a position and change back,
// are repeated verbatim, and arrive out of order (an older partial after a newer one, before and
// after the final). The final may keep or drop the withdrawn words. With `stable_flags` every
// partial carries Stable flags (a leading run, often all of it, and flags may be wrong); without
// them no partial carries any stability signal (the pocketsphinx path) and a random
// stability_fallback commits. Every word of a result has a unique text and its own audio slot.
inline Trace makeRetractingTrace(std::mt19937& rng, bool stable_flags) {
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto pick = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); };
  Trace tr;
  EngineConfig& c = tr.config;
  c.forward_policy = pick(0, 1) ? ForwardPolicy::kPhrase : ForwardPolicy::kSentence;
  const int fallback = pick(0, 2);
  c.stability_fallback = fallback == 0   ? StabilityFallback::kTimeout
                         : fallback == 1 ? StabilityFallback::kLocalAgreement
                                         : StabilityFallback::kFrontier;
  c.stability_timeout = uni(0.5, 3);
  c.commit_lag = uni(0.1, 1);
  c.commit_min_hypotheses = pick(1, 3);
  c.max_rate_per_second = pick(1, 8);
  c.max_buffered_words = pick(10, 40);
  c.orphan_timeout = uni(2, 20);
  c.max_buffer_timeout = uni(2, 10);
  c.pause_threshold = uni(0.3, 3);
  c.local_agreement_n = pick(2, 4);
  c.phrase_max_words = pick(1, 6);
  c.phrase_max_wait = uni(0, 1);
  c.health_timeout = uni(1, 12);
  c.dedup_cache_ttl = 0;  // words are unique anyway; dedup is tested on its own
  tr.mode = pick(0, 9) == 0 ? Mode::kFinalOnly : Mode::kPartial;
  tr.no_signal = !stable_flags;

  double t = 0, audio = 0;
  int word_id = 0;
  const int n_results = pick(1, 4);
  for (int r = 0; r < n_results; ++r) {
    const std::string id = "r" + std::to_string(r);
    // Positions 0..n-1 with fixed audio slots; the final keeps the first n_final of them.
    const int n = pick(1, 16);
    const int n_final = pick(0, 2) == 0 ? std::max(1, n - pick(1, 3)) : n;
    std::vector<Word> truth, other;  // per position: the final's word, a wrong one
    for (int i = 0; i < n; ++i) {
      double start = audio + uni(0.05, 0.3) + (pick(0, 9) == 0 ? uni(0.5, 3) : 0);
      double end = start + uni(0.1, 0.5);
      audio = end;
      const int id_no = word_id++;
      std::string text = "w" + std::to_string(id_no);
      if (pick(0, 9) == 0) text += ".";
      truth.push_back({text, start, end, WordKind::kWord, {}, {}, {}});
      other.push_back({"v" + std::to_string(id_no), start, end, WordKind::kWord, {}, {}, {}});
    }
    std::vector<RecognizerEvent> sent;  // partials of this result, in delivery order
    auto deliver = [&](RecognizerEvent ev) {
      t += uni(0.01, 0.5);
      tr.steps.push_back({t, Step::kEvent, ev});
      if (pick(0, 3) == 0) {
        t += uni(0.0, 0.3);
        tr.steps.push_back({t, Step::kAudio, {}, ev.end + uni(0, 1.5)});
      }
      if (pick(0, 30) == 0)
        tr.steps.push_back({t + uni(0, 0.2), pick(0, 1) ? Step::kModeOff : Step::kModeOn, {}});
    };
    std::size_t shown = 0;
    std::vector<bool> wrong(static_cast<std::size_t>(n), false);  // position shows `other`
    const int steps = pick(1, 14);
    for (int k = 0; k < steps || shown < static_cast<std::size_t>(n_final); ++k) {
      const int op = pick(0, 9);
      if (op <= 4 || shown == 0) {  // grow
        shown = std::min<std::size_t>(static_cast<std::size_t>(n),
                                      shown + static_cast<std::size_t>(pick(1, 3)));
      } else if (op <= 7) {  // withdraw the last words
        shown -=
            static_cast<std::size_t>(pick(1, static_cast<int>(std::min<std::size_t>(3, shown))));
      }
      // A position near the end changes its word (or changes back).
      if (shown > 0 && pick(0, 3) == 0) {
        const std::size_t p = shown - 1 -
                              static_cast<std::size_t>(
                                  pick(0, static_cast<int>(std::min<std::size_t>(2, shown - 1))));
        wrong[p] = !wrong[p];
      }
      if (k >= steps) {  // converge: drop wrong words before the final
        std::fill(wrong.begin(), wrong.end(), false);
        shown = std::max<std::size_t>(shown, static_cast<std::size_t>(n_final));
      }
      RecognizerEvent ev;
      ev.result_id = id;
      ev.is_partial = true;
      for (std::size_t i = 0; i < shown; ++i) ev.words.push_back(wrong[i] ? other[i] : truth[i]);
      if (stable_flags) {
        const std::size_t run =
            pick(0, 2) != 0 ? shown : static_cast<std::size_t>(pick(0, static_cast<int>(shown)));
        for (std::size_t i = 0; i < shown; ++i) ev.words[i].stable = i < run;
      }
      ev.start = ev.words.empty() ? audio : ev.words.front().start;
      ev.end = ev.words.empty() ? audio : ev.words.back().end;
      deliver(ev);
      sent.push_back(ev);
      if (pick(0, 4) == 0) deliver(ev);  // repeated verbatim
      if (sent.size() > 1 && pick(0, 4) == 0) {
        // An older partial arrives after a newer one.
        deliver(sent[static_cast<std::size_t>(pick(0, static_cast<int>(sent.size()) - 2))]);
      }
    }
    const bool orphan = pick(0, 9) == 0;  // no final for a long time, then maybe one
    if (orphan) t += uni(5, 30);
    std::vector<std::string> texts;
    if (!orphan || pick(0, 1) == 0) {
      RecognizerEvent fin;
      fin.result_id = id;
      fin.is_partial = false;
      fin.words.assign(truth.begin(), truth.begin() + n_final);
      fin.start = fin.words.front().start;
      fin.end = fin.words.back().end;
      deliver(fin);
      for (const auto& w : fin.words) texts.push_back(w.text);
      tr.finals[id] = texts;
      if (pick(0, 3) == 0) {  // a stale partial after the final: a late event
        deliver(sent[static_cast<std::size_t>(pick(0, static_cast<int>(sent.size()) - 1))]);
        ++tr.late_events;
      }
    }
  }
  return tr;
}

struct ReplayRun {
  std::vector<Segment> segments;
  std::vector<std::string> notices;  // the `event` of every notice, in order
  EngineStats stats;                 // the engine's counters after finish()
};

// Observers of a replay: each event before the engine sees it, each segment after it was
// emitted (either may be empty).
struct ReplayHooks {
  std::function<void(const RecognizerEvent&)> before_event;
  std::function<void(const Segment&)> on_segment;
};

inline ReplayRun replay(const Trace& tr, const ReplayHooks& hooks = {}) {
  Engine engine("inv", tr.config, tr.mode);
  Output out;
  ReplayRun run;
  double now = 0;
  auto collect = [&] {
    if (hooks.on_segment) {
      for (const auto& seg : out.segments) hooks.on_segment(seg);
    }
    run.segments.insert(run.segments.end(), out.segments.begin(), out.segments.end());
    for (const auto& n : out.notices) run.notices.push_back(n.event);
    out.clear();
  };
  for (const auto& s : tr.steps) {
    for (int guard = 0; guard < 1000; ++guard) {
      auto d = engine.nextDeadline();
      if (!d || *d > s.t) break;
      engine.onTick(*d, out);
      collect();
    }
    now = std::max(now, s.t);
    switch (s.type) {
      case Step::kEvent:
        if (hooks.before_event) hooks.before_event(s.event);
        engine.onEvent(s.event, now, out);
        break;
      case Step::kAudio:
        engine.onAudio(s.audio, now, out);
        break;
      case Step::kTick:
        engine.onTick(now, out);
        break;
      case Step::kModeOff:
        engine.setMode(Mode::kFinalOnly, now, out);
        break;
      case Step::kModeOn:
        engine.setMode(Mode::kPartial, now, out);
        break;
    }
    collect();
  }
  engine.finish(now + 100, out);
  collect();
  run.stats = engine.stats();
  return run;
}

}  // namespace parley::engine::random_trace
