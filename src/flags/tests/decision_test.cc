#include "flags/decision.h"

#include <gtest/gtest.h>

#include <string>

#include "core/hash.h"

namespace parley::flags {
namespace {

FlagSnapshot snap(bool enabled, int pct, Source source = Source::kCached) {
  FlagSnapshot s;
  s.source = source;
  s.enabled = enabled;
  s.rollout_percentage = pct;
  s.version = 3;
  return s;
}

TEST(Decision, BucketsOfTheSpecExamples) {
  EXPECT_EQ(decide(snap(true, 100), "golden-eagle-427", false).bucket, 73);
  EXPECT_EQ(decide(snap(true, 100), "test-session-123", false).bucket, 35);
}

TEST(Decision, EnabledWhenBucketIsBelowPercentage) {
  // golden-eagle-427 is bucket 73: out at 73%, in at 74%.
  Decision out = decide(snap(true, 73), "golden-eagle-427", false);
  EXPECT_FALSE(out.enabled);
  EXPECT_EQ(out.reason, Reason::kSplit);
  Decision in = decide(snap(true, 74), "golden-eagle-427", false);
  EXPECT_TRUE(in.enabled);
  EXPECT_EQ(in.reason, Reason::kCached);
  EXPECT_EQ(in.mode(), engine::Mode::kPartial);
  EXPECT_EQ(decide(snap(true, 0), "golden-eagle-427", false).reason, Reason::kSplit);
}

TEST(Decision, PrecedenceKillSwitchThenDisabledThenBucket) {
  // Kill switch wins over an enabled 100% store value.
  Decision killed = decide(snap(true, 100), "test-session-123", true);
  EXPECT_FALSE(killed.enabled);
  EXPECT_EQ(killed.reason, Reason::kDisabled);
  EXPECT_NE(killed.detail.find("PARTIAL_RESULTS_ENABLED"), std::string::npos);
  // Without the kill switch, enabled=false wins over the bucket (35 < 100).
  Decision disabled = decide(snap(false, 100), "test-session-123", false);
  EXPECT_FALSE(disabled.enabled);
  EXPECT_EQ(disabled.reason, Reason::kDisabled);
  EXPECT_NE(disabled.detail.find("enabled=false"), std::string::npos);
  // Both sides of the bucket rule for test-session-123 (bucket 35).
  EXPECT_EQ(decide(snap(true, 35), "test-session-123", false).reason, Reason::kSplit);
  EXPECT_TRUE(decide(snap(true, 36), "test-session-123", false).enabled);
}

TEST(Decision, ReasonOfAnEnabledDecisionIsItsSource) {
  EXPECT_EQ(decide(snap(true, 100, Source::kStatic), "a", false).reason, Reason::kStatic);
  EXPECT_EQ(decide(snap(true, 100, Source::kCached), "a", false).reason, Reason::kCached);
  EXPECT_EQ(decide(snap(true, 100, Source::kStale), "a", false).reason, Reason::kStale);
  EXPECT_EQ(decide(snap(true, 100, Source::kDefault), "a", false).reason, Reason::kDefault);
  Decision stale_off = decide(snap(false, 100, Source::kStale), "a", false);
  EXPECT_EQ(stale_off.reason, Reason::kDisabled);
  EXPECT_EQ(stale_off.source, Source::kStale);
}

TEST(Decision, EmptySessionIdIsAnErrorAndFinalOnly) {
  Decision d = decide(snap(true, 100), "", false);
  EXPECT_FALSE(d.enabled);
  EXPECT_EQ(d.reason, Reason::kError);
  EXPECT_EQ(d.mode(), engine::Mode::kFinalOnly);
}

TEST(Decision, CarriesVersionAndConfig) {
  FlagSnapshot s = snap(true, 100);
  s.config.min_stability_threshold = 0.91;
  Decision d = decide(s, "x", false);
  EXPECT_EQ(d.version, 3);
  EXPECT_EQ(d.rollout_percentage, 100);
  EXPECT_DOUBLE_EQ(d.config.min_stability_threshold, 0.91);
}

// The cohort property over 10,000 session IDs: in at 10% implies in at 50% implies in at 100%,
// and the shares are close to the percentages.
TEST(Decision, RolloutCohortsAreNestedOver10000Sessions) {
  int in10 = 0, in50 = 0, in100 = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string id = "session-" + std::to_string(i);
    bool a = decide(snap(true, 10), id, false).enabled;
    bool b = decide(snap(true, 50), id, false).enabled;
    bool c = decide(snap(true, 100), id, false).enabled;
    if (a) {
      EXPECT_TRUE(b) << id;
    }
    if (b) {
      EXPECT_TRUE(c) << id;
    }
    EXPECT_TRUE(c);
    in10 += a;
    in50 += b;
    in100 += c;
    EXPECT_EQ(a, core::bucketOf(id) < 10);
  }
  EXPECT_EQ(in100, 10000);
  EXPECT_NEAR(in10, 1000, 150);
  EXPECT_NEAR(in50, 5000, 300);
}

TEST(Decision, DescribesRolloutStates) {
  EXPECT_EQ(describeRollout(false, 50), "disabled: every session runs final-only");
  EXPECT_EQ(describeRollout(true, 10), "canary: 10% of new sessions get partial results");
  EXPECT_EQ(describeRollout(true, 50), "partial rollout: 50% of new sessions get partial results");
  EXPECT_EQ(describeRollout(true, 100), "fully rolled out: every new session gets partial results");
  EXPECT_EQ(describeRollout(true, 0), "enabled at 0%: no new session gets partial results");
}

TEST(Decision, EveryReasonHasANameAndMeaning) {
  for (Reason r : {Reason::kStatic, Reason::kCached, Reason::kStale, Reason::kDefault,
                   Reason::kDisabled, Reason::kSplit, Reason::kError}) {
    EXPECT_STRNE(reasonName(r), "");
    EXPECT_STRNE(reasonMeaning(r), "");
  }
  EXPECT_STREQ(reasonName(Reason::kSplit), "SPLIT");
  EXPECT_STREQ(sourceName(Source::kStale), "STALE");
}

}  // namespace
}  // namespace parley::flags
