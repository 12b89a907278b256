// docs/engine.md, rules 1 and 2, over 10,000+ randomized traces from a fixed seed:
// no word is forwarded twice and no word of a final is lost, under every policy, fallback,
// rate limit, mode switch, stall and orphan the generator can produce (each stability fallback,
// frontier included, is drawn for a third of the traces). Rules 1 and 7 over 8,000 traces whose
// partials withdraw forwarded words (flagged Stable or not), repeat and arrive out of order.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "engine/engine.h"
#include "engine/tests/random_trace.h"

namespace parley::engine {
namespace {

using random_trace::makeRetractingTrace;
using random_trace::makeTrace;
using random_trace::replay;
using random_trace::ReplayRun;
using random_trace::Trace;

void checkInvariants(const Trace& tr, const ReplayRun& run, bool exact, int trace_no) {
  // seq is 1, 2, 3, ... with no gap.
  for (std::size_t i = 0; i < run.segments.size(); ++i) {
    ASSERT_EQ(run.segments[i].seq, static_cast<long long>(i + 1)) << "trace " << trace_no;
    ASSERT_FALSE(run.segments[i].words.empty()) << "trace " << trace_no;
  }
  std::map<std::string, std::vector<std::string>> forwarded;
  for (const auto& seg : run.segments) {
    for (const auto& w : seg.words) forwarded[seg.result_id].push_back(w.text);
  }
  for (const auto& [id, final_words] : tr.finals) {
    const auto& got = forwarded[id];
    if (exact) {
      // Partials never contradicted the final: segments of the result == its final, exactly
      // (nothing lost, nothing repeated, in order).
      ASSERT_EQ(got, final_words) << "trace " << trace_no << " result " << id;
    } else {
      // Revisions: no word is forwarded twice; the final's own segment is a contiguous run of
      // the final ending with its last word; and a final word is missing from the forwarded
      // stream only where a (wrong) partial word was forwarded in its place, never re-sent.
      std::map<std::string, int> seen;
      int wrong = 0;
      for (const auto& w : got) {
        if (w[0] == 'w') {
          ASSERT_EQ(++seen[w], 1) << "trace " << trace_no << " word " << w << " twice";
        } else {
          ++wrong;
        }
      }
      int missing = 0;
      for (const auto& w : final_words) missing += seen.count(w) ? 0 : 1;
      ASSERT_LE(missing, wrong) << "trace " << trace_no << " result " << id;
      for (const auto& seg : run.segments) {
        if (seg.result_id != id || seg.kind != SegmentKind::kFinal) continue;
        std::vector<std::string> tail;
        for (const auto& w : seg.words) tail.push_back(w.text);
        ASSERT_LE(tail.size(), final_words.size());
        ASSERT_TRUE(std::equal(tail.rbegin(), tail.rend(), final_words.rbegin()))
            << "trace " << trace_no << " result " << id;
      }
    }
  }
}

TEST(Invariants, TruthfulPartialsForwardEveryFinalWordExactlyOnce) {
  std::mt19937 rng(20261128);
  std::map<StabilityFallback, int> partial_segments;  // from traces without a stability signal
  for (int i = 0; i < 10000; ++i) {
    Trace tr = makeTrace(rng, /*revise=*/false);
    ReplayRun run = replay(tr);
    checkInvariants(tr, run, /*exact=*/true, i);
    if (HasFatalFailure()) return;
    if (!tr.no_signal) continue;
    for (const auto& seg : run.segments) {
      partial_segments[tr.config.stability_fallback] += seg.kind == SegmentKind::kPartial ? 1 : 0;
    }
  }
  // Every fallback was exercised: it committed and forwarded words from partials.
  EXPECT_GT(partial_segments[StabilityFallback::kTimeout], 100);
  EXPECT_GT(partial_segments[StabilityFallback::kLocalAgreement], 100);
  EXPECT_GT(partial_segments[StabilityFallback::kFrontier], 100);
}

TEST(Invariants, RevisingPartialsNeverRepeatAWordAndEndWithTheFinal) {
  std::mt19937 rng(424242);
  for (int i = 0; i < 5000; ++i) {
    Trace tr = makeTrace(rng, /*revise=*/true);
    ReplayRun run = replay(tr);
    checkInvariants(tr, run, /*exact=*/false, i);
    if (HasFatalFailure()) return;
  }
}

// The audio slot of a generated word: "w17", "w17." and "v17" all sit at slot 17.
int slotOf(const std::string& text) { return std::stoi(text.substr(1)); }

struct RetractCoverage {
  long long withdrawn = 0;  // partials shorter than the words already forwarded for the result
  long long regrown = 0;    // ... followed by a partial longer than them again
  long long discrepancies = 0;
  long long late_events = 0;
};

// Rule 1 (never re-send) and rule 7 (withdrawn forwarded words are a counted, logged
// discrepancy) on one makeRetractingTrace run.
void checkNeverResent(const Trace& tr, const ReplayRun& run, const std::string& at) {
  for (std::size_t i = 0; i < run.segments.size(); ++i) {
    ASSERT_EQ(run.segments[i].seq, static_cast<long long>(i + 1)) << at;
    ASSERT_FALSE(run.segments[i].words.empty()) << at;
  }
  // Per result, in emission order: segments and their words cover strictly increasing,
  // non-overlapping audio, and no audio slot is forwarded twice.
  std::map<std::string, double> last_end;
  std::map<std::string, std::vector<std::string>> forwarded;
  std::map<std::string, std::map<int, int>> slot_count;
  long long words = 0;
  long long by_kind[5] = {};
  for (const auto& seg : run.segments) {
    const std::string& id = seg.result_id;
    ASSERT_EQ(seg.audio_start, seg.words.front().start) << at;
    ASSERT_EQ(seg.audio_end, seg.words.back().end) << at;
    auto it = last_end.find(id);
    double prev_end = it == last_end.end() ? -1.0 : it->second;
    ASSERT_GT(seg.audio_start, prev_end)
        << at << " result " << id << ": segment " << seg.seq << " (" << seg.text << ") starts at "
        << seg.audio_start << " s, before the end of the previous one (" << prev_end << " s)";
    for (const auto& w : seg.words) {
      ASSERT_GT(w.start, prev_end) << at << " result " << id << " word " << w.text;
      prev_end = w.end;
      forwarded[id].push_back(w.text);
      ASSERT_EQ(++slot_count[id][slotOf(w.text)], 1)
          << at << " result " << id << ": slot of " << w.text << " forwarded twice";
      if (w.kind == WordKind::kWord) ++words;
    }
    last_end[id] = prev_end;
    ++by_kind[static_cast<int>(seg.kind)];
  }
  // Every final word was forwarded once: itself, or (a discrepancy) the word that partials had
  // put at its audio slot. A result whose forwarded words differ from its final in any way is
  // one discrepancy, logged once.
  long long mismatched = 0;
  for (const auto& [id, final_words] : tr.finals) {
    for (const auto& w : final_words) {
      ASSERT_EQ(slot_count[id][slotOf(w)], 1)
          << at << " result " << id << ": final word " << w << " neither forwarded nor covered";
    }
    if (forwarded[id] != final_words) ++mismatched;
    for (const auto& seg : run.segments) {
      if (seg.result_id != id || seg.kind != SegmentKind::kFinal) continue;
      ASSERT_LE(seg.words.size(), final_words.size()) << at;
      ASSERT_TRUE(
          std::equal(seg.words.rbegin(), seg.words.rend(), final_words.rbegin(),
                     [](const ForwardedWord& a, const std::string& b) { return a.text == b; }))
          << at << " result " << id << ": the final segment is not the final's tail";
    }
  }
  const EngineStats& st = run.stats;
  ASSERT_EQ(st.discrepancies, mismatched) << at;
  ASSERT_EQ(std::count(run.notices.begin(), run.notices.end(), "discrepancy"), st.discrepancies)
      << at;
  ASSERT_LE(st.discrepancy_warnings, st.discrepancies) << at;
  ASSERT_EQ(st.late_events, tr.late_events) << at;
  ASSERT_EQ(st.final_events, static_cast<long long>(tr.finals.size())) << at;
  ASSERT_EQ(st.events, st.partial_events + st.final_events) << at;
  ASSERT_EQ(st.invalid_events, 0) << at;
  ASSERT_EQ(st.segments, static_cast<long long>(run.segments.size())) << at;
  for (int k = 0; k < 5; ++k) ASSERT_EQ(st.segments_by_kind[k], by_kind[k]) << at;
  ASSERT_EQ(st.words_forwarded, words) << at;
}

// Replays makeRetractingTrace for `seeds` seeds (seed_base + i, one per trace) and checks each.
RetractCoverage checkRetractingTraces(bool stable_flags, unsigned seed_base, int seeds) {
  RetractCoverage cov;
  for (int i = 0; i < seeds; ++i) {
    const unsigned seed = seed_base + static_cast<unsigned>(i);
    std::mt19937 rng(seed);
    Trace tr = makeRetractingTrace(rng, stable_flags);
    // Observe what the stream did to words already forwarded.
    std::map<std::string, std::size_t> forwarded;  // result -> words forwarded so far
    std::map<std::string, bool> withdrawn;
    random_trace::ReplayHooks hooks;
    hooks.before_event = [&](const RecognizerEvent& e) {
      if (!e.is_partial) return;
      const std::size_t f = forwarded[e.result_id];
      if (f > 0 && e.words.size() < f) {
        ++cov.withdrawn;
        withdrawn[e.result_id] = true;
      } else if (withdrawn[e.result_id] && e.words.size() > f) {
        ++cov.regrown;
        withdrawn[e.result_id] = false;
      }
    };
    hooks.on_segment = [&](const Segment& s) { forwarded[s.result_id] += s.words.size(); };
    ReplayRun run = replay(tr, hooks);
    checkNeverResent(tr, run, "seed " + std::to_string(seed));
    if (::testing::Test::HasFatalFailure()) return cov;
    cov.discrepancies += run.stats.discrepancies;
    cov.late_events += run.stats.late_events;
  }
  return cov;
}

TEST(Invariants, WithdrawnStableWordsAreNeverResent) {
  RetractCoverage cov = checkRetractingTraces(/*stable_flags=*/true, 370000, 4000);
  if (HasFatalFailure()) return;
  // The streams did what they are for: forwarded words withdrawn, then proposed again.
  EXPECT_GT(cov.withdrawn, 10000);
  EXPECT_GT(cov.regrown, 3000);
  EXPECT_GT(cov.discrepancies, 1500);
  EXPECT_GT(cov.late_events, 1000);
}

TEST(Invariants, WithdrawnWordsWithoutStabilitySignalAreNeverResent) {
  RetractCoverage cov = checkRetractingTraces(/*stable_flags=*/false, 380000, 4000);
  if (HasFatalFailure()) return;
  EXPECT_GT(cov.withdrawn, 5000);
  EXPECT_GT(cov.regrown, 1500);
  EXPECT_GT(cov.discrepancies, 1000);
  EXPECT_GT(cov.late_events, 1000);
}

}  // namespace
}  // namespace parley::engine
