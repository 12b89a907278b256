// SPEC section 3, invariants 1 and 2, over 10,000+ randomized traces from a fixed seed:
// no word is forwarded twice and no word of a final is lost, under every policy, fallback,
// rate limit, mode switch, stall and orphan the generator can produce (each stability fallback,
// frontier included, is drawn for a third of the traces).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/engine.h"
#include "engine/tests/random_trace.h"

namespace parley::engine {
namespace {

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

}  // namespace
}  // namespace parley::engine
