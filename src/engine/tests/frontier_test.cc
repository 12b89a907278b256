// Tests of `stability_fallback = frontier` (docs/engine.md, rule 3): both sides of the agreement
// count and of the commit lag, revisions, commits driven by audio updates alone, the priority of
// real stability signals, and exact deadlines (ticking at nextDeadline() only gives the same
// output as also ticking every 10 ms in between).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "engine/engine.h"

namespace parley::engine {
namespace {

// A word spanning [start, end] of audio.
Word word(const std::string& text, double start, double end) {
  return {text, start, end, WordKind::kWord, {}, {}, {}};
}

// A hypothesis from "a b c": word i spans [0.4 i, 0.4 i + 0.3]; event end = last word end.
RecognizerEvent hyp(const std::string& id, const std::string& text, bool partial = true) {
  RecognizerEvent ev;
  ev.result_id = id;
  ev.is_partial = partial;
  std::istringstream in(text);
  std::string w;
  double t = 0;
  while (in >> w) {
    ev.words.push_back(word(w, t, t + 0.3));
    t += 0.4;
  }
  ev.end = ev.words.empty() ? 0 : ev.words.back().end;
  return ev;
}

// Frontier commit, phrases of one word: a committed word is forwarded as soon as it commits, so
// the tests observe commitment directly.
EngineConfig frontierConfig(double lag = 0.3, int min_hypotheses = 2) {
  EngineConfig c;
  c.stability_fallback = StabilityFallback::kFrontier;
  c.commit_lag = lag;
  c.commit_min_hypotheses = min_hypotheses;
  c.phrase_max_words = 1;
  return c;
}

struct Harness {
  explicit Harness(EngineConfig c) : engine("s1", c) {}
  std::string event(const RecognizerEvent& ev, double now) {
    Output out;
    engine.onEvent(ev, now, out);
    return keep(out);
  }
  std::string audio(double a, double now) {
    Output out;
    engine.onAudio(a, now, out);
    return keep(out);
  }
  std::string tick(double now) {
    Output out;
    engine.onTick(now, out);
    return keep(out);
  }
  std::string keep(const Output& out) {
    std::string s;
    for (const auto& seg : out.segments) {
      all.push_back(seg);
      s += (s.empty() ? "" : " | ") + seg.text;
    }
    for (const auto& n : out.notices) notices.push_back(n);
    return s;
  }
  std::string stream() const {
    std::string s;
    for (const auto& seg : all) s += (s.empty() ? "" : " ") + seg.text;
    return s;
  }
  Engine engine;
  std::vector<Segment> all;
  std::vector<core::log::Record> notices;
};

TEST(Frontier, AgreementBelowTheMinimumHoldsAtTheMinimumCommits) {
  Harness h(frontierConfig(0.3, 2));
  h.audio(1.5, 5.0);  // every word is >= 0.3 s behind the frontier: only agreement decides
  EXPECT_EQ(h.event(hyp("r1", "we begin"), 5.0), "");  // 1 hypothesis < 2
  EXPECT_EQ(h.event(hyp("r1", "we begin"), 5.1), "we begin");
  EXPECT_EQ(h.all[0].reason, "phrase_words");
  EXPECT_DOUBLE_EQ(h.all[0].emitted_at, 5.1);

  Harness three(frontierConfig(0.3, 3));
  three.audio(1.5, 5.0);
  EXPECT_EQ(three.event(hyp("r1", "we begin"), 5.0), "");
  EXPECT_EQ(three.event(hyp("r1", "we begin"), 5.1), "");              // 2 < 3
  EXPECT_EQ(three.event(hyp("r1", "we begin now"), 5.2), "we begin");  // "now": 1 < 3
}

TEST(Frontier, LagBelowTheMinimumHoldsAtTheMinimumCommits) {
  Harness h(frontierConfig(0.3, 2));
  // "one" ends at 0.3 and "two" at 0.7; the events' own ends set the frontier to 0.7.
  h.event(hyp("r1", "one two"), 1.0);
  EXPECT_EQ(h.event(hyp("r1", "one two"), 1.1), "one");  // 0.7 - 0.3 >= 0.3; "two": 0 < 0.3
  EXPECT_EQ(h.audio(0.99, 1.2), "");                     // 0.99 - 0.7 = 0.29 < 0.3
  EXPECT_EQ(h.audio(1.0, 1.3), "two");                   // 1.0 - 0.7 = 0.3: at the minimum
  EXPECT_DOUBLE_EQ(h.all.back().emitted_at, 1.3);
}

TEST(Frontier, AnAudioUpdateAloneCommitsAndForwards) {
  EngineConfig c = frontierConfig(1.0, 2);
  c.phrase_max_words = 2;
  c.phrase_max_wait = 1.0;
  Harness h(c);
  // "good" ends at 0.3, "morning" at 0.7, "all" at 1.1: the frontier (event end) is 1.1.
  h.event(hyp("r1", "good morning all"), 1.0);
  h.event(hyp("r1", "good morning all"), 1.1);  // agreed, but no word is 1.0 s behind 1.1
  EXPECT_TRUE(h.all.empty());
  // Frontier commit needs no deadline of its own: only the orphan timeout is pending.
  ASSERT_TRUE(h.engine.nextDeadline().has_value());
  EXPECT_DOUBLE_EQ(*h.engine.nextDeadline(), 1.1 + c.orphan_timeout);
  EXPECT_EQ(h.tick(1.5), "");  // time alone commits nothing
  // Audio processed to 1.7: "good" and "morning" are 1.0 s behind; two committed words make
  // a phrase.
  EXPECT_EQ(h.audio(1.7, 1.6), "good morning");
  EXPECT_EQ(h.all.back().reason, "phrase_words");
  // Audio to 2.1 commits "all": one word waits for phrase_max_wait.
  EXPECT_EQ(h.audio(2.1, 1.7), "");
  ASSERT_TRUE(h.engine.nextDeadline().has_value());
  EXPECT_DOUBLE_EQ(*h.engine.nextDeadline(), 1.7 + c.phrase_max_wait);
  EXPECT_EQ(h.tick(2.7), "all");
  EXPECT_EQ(h.all.back().reason, "phrase_wait");
}

TEST(Frontier, MinHypothesesOneCommitsOnLagAlone) {
  Harness h(frontierConfig(0.3, 1));
  h.audio(2.0, 2.0);
  EXPECT_EQ(h.event(hyp("r1", "hello"), 2.0), "hello");  // first hypothesis, 2.0 - 0.3 >= 0.3
  RecognizerEvent ev = hyp("r1", "hello world");
  ev.words[1] = word("world", 1.8, 1.9);  // only 0.1 s behind the frontier
  ev.end = 1.9;
  EXPECT_EQ(h.event(ev, 2.1), "");
  EXPECT_EQ(h.audio(2.2, 2.2), "world");
}

TEST(Frontier, AChangedWordRestartsItsCountAndNothingForwardedIsResent) {
  Harness h(frontierConfig(0.3, 2));
  h.audio(1.3, 1.0);  // "a" (end 0.3) and "b" (0.7) are 0.3 behind; "x" (1.1) is not
  h.event(hyp("r1", "a b x"), 1.0);
  EXPECT_EQ(h.event(hyp("r1", "a b x"), 1.1), "a b");
  EXPECT_EQ(h.event(hyp("r1", "a b y"), 1.2), "");     // "x" changed: "y" has 1 hypothesis
  EXPECT_EQ(h.audio(3.0, 1.3), "");                    // more audio does not replace agreement
  EXPECT_EQ(h.event(hyp("r1", "a b y z"), 1.5), "y");  // "y": 2 hypotheses; "z": 1
  // A revision of a forwarded word ("b" -> "q"): nothing already forwarded is taken back or
  // sent again, and "q", "y", "z" restart their counts.
  EXPECT_EQ(h.event(hyp("r1", "a q y z"), 1.6), "");
  EXPECT_EQ(h.event(hyp("r1", "a b y z", false), 1.7), "z");
  EXPECT_EQ(h.stream(), "a b y z");
  EXPECT_EQ(h.engine.stats().discrepancies, 0);
}

TEST(Frontier, CommittedPrefixNeverShrinksWhileItsWordsAreUnchanged) {
  EngineConfig c = frontierConfig(0.3, 2);
  c.phrase_max_words = 3;  // hold committed words back so a shrink would show
  c.phrase_max_wait = 5.0;
  c.phrase_gap = 2.0;
  Harness held(c);
  held.audio(1.0, 1.0);
  held.event(hyp("r1", "a b c"), 1.0);
  held.event(hyp("r1", "a b c"), 1.1);  // "a" (0.3), "b" (0.7) committed; "c" ends at 1.1
  // The recognizer moves "b"'s end past the frontier lag: it stays committed.
  RecognizerEvent moved = hyp("r1", "a b c");
  moved.words[1].end = 1.2;  // 1.4 - 1.2 < 0.3 below: "b" would not commit afresh
  moved.end = 1.2;
  held.event(moved, 1.2);
  EXPECT_EQ(held.audio(1.4, 1.3), "a b c");  // "c" (end 1.1) commits: three committed words
}

TEST(Frontier, StabilitySignalsWinOverTheFallback) {
  Harness flags(frontierConfig(0.3, 1));
  flags.audio(5.0, 5.0);
  RecognizerEvent ev = hyp("r1", "a b c");
  ev.words[0].stable = true;
  ev.words[1].stable = false;
  ev.words[2].stable = false;
  EXPECT_EQ(flags.event(ev, 5.0), "a");  // the frontier rule would commit all three
  EXPECT_EQ(flags.audio(6.0, 5.1), "");
  EXPECT_TRUE(std::none_of(flags.notices.begin(), flags.notices.end(),
                           [](const auto& n) { return n.event == "stability_unavailable"; }));

  Harness score(frontierConfig(0.3, 1));
  score.audio(5.0, 5.0);
  RecognizerEvent low = hyp("r1", "a b c");
  low.stability = 0.5;
  EXPECT_EQ(score.event(low, 5.0), "");
  EXPECT_EQ(score.audio(6.0, 5.1), "");
}

TEST(Frontier, WarnsOnceNamingThePolicy) {
  Harness h(frontierConfig());
  h.event(hyp("r1", "a"), 1.0);
  h.event(hyp("r2", "b"), 1.1);
  ASSERT_EQ(h.notices.size(), 1u);
  EXPECT_EQ(h.notices[0].event, "stability_unavailable");
  EXPECT_NE(h.notices[0].message.find("frontier"), std::string::npos);
  EXPECT_EQ(h.engine.stats().stability_unavailable, 1);
}

// A stream like pocketsphinx's: audio every 0.1 s; a partial only when the text changes, with
// some revisions; two results. Returns every step as (time, kind, payload).
struct Step {
  double t;
  bool is_audio;
  double audio;
  RecognizerEvent event;
};

std::vector<Step> pocketsphinxLikeStream() {
  const std::vector<std::string> words = {"so",     "the", "plan", "for",   "today", "is",
                                          "simple", "we",  "walk", "north", "then",  "east"};
  std::vector<Step> steps;
  int result = 0;
  std::size_t shown = 0;
  std::size_t in_result = 0;
  for (int k = 1; k <= 60; ++k) {
    const double a = 0.1 * k;
    steps.push_back({a, true, a, {}});
    // A new word roughly every 0.35 s of audio; a wrong guess every third word.
    const auto target = std::min(words.size(), static_cast<std::size_t>(a / 0.35));
    if (target > shown || (k % 7 == 0 && shown > 0)) {
      const bool guess = target > shown && target % 3 == 0;
      shown = target;
      RecognizerEvent ev;
      ev.result_id = "u" + std::to_string(result);
      ev.is_partial = true;
      for (std::size_t i = in_result; i < shown; ++i) {
        const double start = 0.35 * static_cast<double>(i);
        ev.words.push_back(word(words[i], start, start + 0.3));
      }
      if (guess && !ev.words.empty()) ev.words.back().text += "_guess";
      ev.end = a - 0.05;
      steps.push_back({a + 0.03, false, 0, ev});
    }
    if (k == 30 || k == 60) {  // end of an utterance: the final
      RecognizerEvent fin;
      fin.result_id = "u" + std::to_string(result);
      fin.is_partial = false;
      for (std::size_t i = in_result; i < shown; ++i) {
        const double start = 0.35 * static_cast<double>(i);
        fin.words.push_back(word(words[i], start, start + 0.3));
      }
      fin.end = a;
      steps.push_back({a + 0.06, false, 0, fin});
      ++result;
      in_result = shown;
    }
  }
  return steps;
}

// Replays `steps`, ticking at every deadline before each step; with `extra_ticks`, also every
// 10 ms in between (ticks at times that are not deadlines must change nothing).
std::vector<Segment> run(const EngineConfig& c, const std::vector<Step>& steps, bool extra_ticks) {
  Engine e("s", c);
  Output out;
  std::vector<Segment> segs;
  auto collect = [&] {
    segs.insert(segs.end(), out.segments.begin(), out.segments.end());
    out.clear();
  };
  long long grid = 0;
  for (const auto& s : steps) {
    for (int guard = 0; guard < 100000; ++guard) {
      double next = std::numeric_limits<double>::infinity();
      if (auto d = e.nextDeadline()) next = *d;
      const double g = 0.01 * static_cast<double>(grid + 1) - 0.005;
      const bool on_grid = extra_ticks && g < next;
      if (on_grid) next = g;
      if (next > s.t) break;
      if (on_grid) ++grid;
      e.onTick(next, out);
      collect();
    }
    if (s.is_audio)
      e.onAudio(s.audio, s.t, out);
    else
      e.onEvent(s.event, s.t, out);
    collect();
  }
  e.finish(100, out);
  collect();
  return segs;
}

TEST(Frontier, TicksBetweenDeadlinesChangeNothing) {
  const auto steps = pocketsphinxLikeStream();
  for (int words : {1, 2, 4}) {
    for (double lag : {0.1, 0.3, 0.6}) {
      SCOPED_TRACE("phrase_max_words=" + std::to_string(words) + " lag=" + std::to_string(lag));
      EngineConfig c = frontierConfig(lag, 2);
      c.phrase_max_words = words;
      c.max_rate_per_second = 2;  // the rate limit's release deadlines take part too
      auto at_deadlines = run(c, steps, false);
      auto with_extra = run(c, steps, true);
      ASSERT_EQ(at_deadlines.size(), with_extra.size());
      std::size_t partial = 0;
      for (std::size_t i = 0; i < at_deadlines.size(); ++i) {
        EXPECT_EQ(at_deadlines[i].text, with_extra[i].text) << i;
        EXPECT_EQ(at_deadlines[i].reason, with_extra[i].reason) << i;
        EXPECT_EQ(at_deadlines[i].emitted_at, with_extra[i].emitted_at) << i;
        partial += at_deadlines[i].kind == SegmentKind::kPartial ? 1 : 0;
      }
      EXPECT_GT(partial, 0u);  // the stream does commit words from partials
    }
  }
}

}  // namespace
}  // namespace parley::engine
