// core::summarize and core::percentile: the one definition of mean and nearest-rank
// percentiles (replay summary, parley run, the bench, the translate micro-benchmark).
#include "core/stats.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::core {
namespace {

TEST(Summary, NearestRankPercentiles) {
  // Sorted: 1 2 3 4 5 6 7 8 9 10. p50: ceil(5) = 5th -> 5; p95: ceil(9.5) = 10th -> 10.
  Summary d = summarize({10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
  EXPECT_EQ(d.count, 10);
  EXPECT_DOUBLE_EQ(d.mean, 5.5);
  EXPECT_DOUBLE_EQ(d.p50, 5);
  EXPECT_DOUBLE_EQ(d.p95, 10);
  EXPECT_DOUBLE_EQ(d.max, 10);

  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  Summary s = summarize(v);
  EXPECT_EQ(s.count, 100);
  EXPECT_DOUBLE_EQ(s.p50, 50);
  EXPECT_DOUBLE_EQ(s.p95, 95);
  EXPECT_DOUBLE_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);

  // The word latencies of a replay (seconds).
  Summary w = summarize({1.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1});
  EXPECT_EQ(w.count, 10);
  EXPECT_NEAR(w.mean, 0.55, 1e-12);
  EXPECT_DOUBLE_EQ(w.p50, 0.5);
  EXPECT_DOUBLE_EQ(w.p95, 1.0);
  EXPECT_DOUBLE_EQ(w.max, 1.0);
}

TEST(Summary, EmptyAndSingleSamples) {
  Summary empty = summarize({});
  EXPECT_EQ(empty.count, 0);
  EXPECT_DOUBLE_EQ(empty.mean, 0);
  EXPECT_DOUBLE_EQ(empty.p95, 0);
  Summary one = summarize({0.7});
  EXPECT_EQ(one.count, 1);
  EXPECT_DOUBLE_EQ(one.p50, 0.7);
  EXPECT_DOUBLE_EQ(one.p95, 0.7);
  EXPECT_DOUBLE_EQ(one.max, 0.7);
}

TEST(Percentile, NearestRank) {
  // Three values: p50 = ceil(1.5) = 2nd; p95 = ceil(2.85) = 3rd.
  EXPECT_DOUBLE_EQ(percentile({0.3, 0.1, 0.2}, 0.5), 0.2);
  EXPECT_DOUBLE_EQ(percentile({0.3, 0.1, 0.2}, 0.95), 0.3);
  EXPECT_DOUBLE_EQ(percentile({7}, 0.5), 7);
  EXPECT_DOUBLE_EQ(percentile({}, 0.5), 0);
  // An even sample: p50 is the lower middle value (the n/2-th), p0 the smallest.
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 0.5), 2);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 0.0), 1);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 1.0), 4);
  // p * n a rounding error above an integer still takes that integer's rank: 0.95 * 20 = 19.
  std::vector<double> twenty;
  for (int i = 1; i <= 20; ++i) twenty.push_back(i);
  EXPECT_DOUBLE_EQ(percentile(twenty, 0.95), 19);
  EXPECT_DOUBLE_EQ(percentile(twenty, 0.99), 20);
}

TEST(Percentile, AgreesWithSummarize) {
  std::vector<double> v = {0.31, 0.12, 0.98, 0.44, 0.27, 0.73, 0.05};
  Summary s = summarize(v);
  EXPECT_DOUBLE_EQ(s.p50, percentile(v, 0.5));
  EXPECT_DOUBLE_EQ(s.p95, percentile(v, 0.95));
}

}  // namespace
}  // namespace parley::core
