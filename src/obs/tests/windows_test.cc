#include "obs/windows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace parley::obs {
namespace {

TEST(WindowedCounter, SumsHalfOpenWindows) {
  WindowedCounter c;
  c.add(0.5, 1);    // slot 1: (0, 1]
  c.add(300, 2);    // slot 300: belongs to (0, 300]
  c.add(300.5, 4);  // slot 301
  c.add(600, 8);
  EXPECT_EQ(c.sum(0, 300), 3);
  EXPECT_EQ(c.sum(300, 600), 12);
  EXPECT_EQ(c.sum(0, 600), 15);
  EXPECT_EQ(c.sum(600, 900), 0);
}

TEST(WindowedCounter, LateSamplesAndPrune) {
  WindowedCounter c;
  c.add(10, 1);
  c.add(5, 2);  // earlier than the newest slot
  c.add(10, 1);
  EXPECT_EQ(c.sum(0, 10), 4);
  EXPECT_EQ(c.sum(5, 10), 2);
  c.prune(6);
  EXPECT_EQ(c.sum(0, 10), 2);
}

TEST(HistogramQuantile, MatchesPrometheusInterpolation) {
  std::vector<double> bounds = {1, 2, 5};
  // 10 observations all in (1, 2]: the median interpolates to the middle of the bucket.
  std::vector<double> cum = {0, 10, 10, 10};
  EXPECT_DOUBLE_EQ(histogramQuantile(0.5, bounds, cum), 1.5);
  // Rank in the first bucket interpolates from 0.
  cum = {10, 10, 10, 10};
  EXPECT_DOUBLE_EQ(histogramQuantile(0.5, bounds, cum), 0.5);
  // Rank in +Inf: the highest finite bound.
  cum = {0, 0, 0, 10};
  EXPECT_DOUBLE_EQ(histogramQuantile(0.95, bounds, cum), 5);
  cum = {0, 0, 0, 0};
  EXPECT_TRUE(std::isnan(histogramQuantile(0.95, bounds, cum)));
}

TEST(WindowedHistogram, P95AboveBoundIffMoreThanFivePercentAbove) {
  WindowedHistogram h({1, 5, 7, 10});
  for (int i = 0; i < 95; ++i) h.observe(1 + i * 0.01, 0.5);
  for (int i = 0; i < 5; ++i) h.observe(2, 6.0);
  // Exactly 5% above 5 s: p95 is not above 5.
  EXPECT_LE(h.quantile(0.95, 0, 300), 5.0);
  h.observe(3, 6.0);  // now 6 of 101 above
  EXPECT_GT(h.quantile(0.95, 0, 300), 5.0);
  EXPECT_LE(h.quantile(0.95, 0, 300), 7.0);
  EXPECT_EQ(h.count(0, 300), 101);
  EXPECT_EQ(h.count(2, 300), 1);  // window (2, 300]: only the observation at t=3
}

TEST(SignalWindows, SessionsActiveDuringWindow) {
  SignalWindows w;
  w.sessionStarted(engine::Mode::kPartial, "a", 10);
  w.sessionStarted(engine::Mode::kPartial, "b", 100);
  w.sessionStarted(engine::Mode::kFinalOnly, "c", 100);
  w.sessionEnded("a", 50);
  EXPECT_EQ(w.sessionsActive(engine::Mode::kPartial, 0, 60), 1);
  EXPECT_EQ(w.sessionsActive(engine::Mode::kPartial, 60, 200), 1);
  EXPECT_EQ(w.sessionsActive(engine::Mode::kPartial, 0, 200), 2);
  EXPECT_EQ(w.sessionsActive(engine::Mode::kFinalOnly, 0, 200), 1);
  w.prune(50 + 3660 + 1);  // "a" ended before the horizon: forgotten
  EXPECT_EQ(w.sessionsActive(engine::Mode::kPartial, 0, 5000), 1);
}

TEST(SignalWindows, ComplainingListenersCountsEachListenerOnce) {
  SignalWindows w;
  for (double t : {10.0, 20.0, 30.0}) w.complaintFrom(engine::Mode::kPartial, "s/1", t);
  w.complaintFrom(engine::Mode::kPartial, "s/2", 40);
  w.complaintFrom(engine::Mode::kFinalOnly, "t/1", 40);
  EXPECT_EQ(w.complainingListeners(engine::Mode::kPartial, 0, 100), 2);
  EXPECT_EQ(w.complainingListeners(engine::Mode::kFinalOnly, 0, 100), 1);
  EXPECT_EQ(w.complainingListeners(engine::Mode::kPartial, 30, 100), 1);  // (from, to]: only s/2
  EXPECT_EQ(w.complainingListeners(engine::Mode::kPartial, 0, 10), 1);
  EXPECT_EQ(w.complainingListeners(engine::Mode::kPartial, 40, 100), 0);
  w.prune(35 + 3660);  // s/1's complaints are past the horizon: forgotten
  EXPECT_EQ(w.complainingListeners(engine::Mode::kPartial, 0, 5000), 1);
}

TEST(SignalWindows, ErrorsAllIncludesUnattributed) {
  SignalWindows w;
  w.add(Signal::kErrors, engine::Mode::kPartial, 10, 2);
  w.add(Signal::kErrors, engine::Mode::kFinalOnly, 20, 1);
  w.addUnattributedError(30, 4);
  EXPECT_EQ(w.sum(Signal::kErrors, engine::Mode::kPartial, 0, 300), 2);
  EXPECT_EQ(w.errorsAll(0, 300), 7);
}

}  // namespace
}  // namespace parley::obs
