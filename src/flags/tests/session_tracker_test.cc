#include "flags/session_tracker.h"

#include <gtest/gtest.h>

namespace parley::flags {
namespace {

// test-session-123 is bucket 35; golden-eagle-427 is bucket 73.
FlagSnapshot snap(bool enabled, int pct, Source source = Source::kCached) {
  FlagSnapshot s;
  s.source = source;
  s.enabled = enabled;
  s.rollout_percentage = pct;
  return s;
}

SessionFlagTracker start(const char* id, const FlagSnapshot& s) {
  return SessionFlagTracker(decide(s, id, false));
}

TEST(SessionFlagTracker, DisableSwitchesALiveSessionOnce) {
  auto t = start("test-session-123", snap(true, 100));
  EXPECT_EQ(t.mode(), engine::Mode::kPartial);
  EXPECT_FALSE(t.onSnapshot(snap(true, 100), false).has_value());
  auto sw = t.onSnapshot(snap(false, 100), false);
  ASSERT_TRUE(sw.has_value());
  EXPECT_EQ(sw->reason, Reason::kDisabled);
  EXPECT_EQ(t.mode(), engine::Mode::kFinalOnly);
  EXPECT_FALSE(t.onSnapshot(snap(false, 100), false).has_value()) << "only once";
}

TEST(SessionFlagTracker, NeverReEnablesMidStream) {
  auto t = start("test-session-123", snap(true, 100));
  ASSERT_TRUE(t.onSnapshot(snap(false, 100), false).has_value());
  EXPECT_FALSE(t.onSnapshot(snap(true, 100), false).has_value());
  EXPECT_EQ(t.mode(), engine::Mode::kFinalOnly);
  // A session that started final-only stays final-only when the rollout grows.
  auto out = start("golden-eagle-427", snap(true, 50));
  EXPECT_EQ(out.mode(), engine::Mode::kFinalOnly);
  EXPECT_FALSE(out.onSnapshot(snap(true, 100), false).has_value());
  EXPECT_EQ(out.mode(), engine::Mode::kFinalOnly);
}

TEST(SessionFlagTracker, PercentageDecreaseOnlySwitchesSessionsNowOut) {
  auto in35 = start("test-session-123", snap(true, 100));
  auto in73 = start("golden-eagle-427", snap(true, 100));
  EXPECT_FALSE(in35.onSnapshot(snap(true, 50), false).has_value());  // 35 < 50: still in
  auto sw = in73.onSnapshot(snap(true, 50), false);                  // 73 >= 50: out
  ASSERT_TRUE(sw.has_value());
  EXPECT_EQ(sw->reason, Reason::kSplit);
  EXPECT_EQ(in35.mode(), engine::Mode::kPartial);
  auto to10 = in35.onSnapshot(snap(true, 10), false);
  ASSERT_TRUE(to10.has_value());
  EXPECT_EQ(to10->reason, Reason::kSplit);
}

TEST(SessionFlagTracker, KillSwitchSwitchesEvenFromAStaleSnapshot) {
  auto t = start("test-session-123", snap(true, 100));
  auto sw = t.onSnapshot(snap(true, 100, Source::kStale), true);
  ASSERT_TRUE(sw.has_value());
  EXPECT_EQ(sw->reason, Reason::kDisabled);
}

TEST(SessionFlagTracker, StoreOutagesDoNotSwitchLiveSessions) {
  auto t = start("golden-eagle-427", snap(true, 100));
  EXPECT_FALSE(t.onSnapshot(snap(false, 0, Source::kDefault), false).has_value());
  EXPECT_FALSE(t.onSnapshot(snap(true, 10, Source::kStale), false).has_value());
  EXPECT_EQ(t.mode(), engine::Mode::kPartial);
  EXPECT_TRUE(t.onSnapshot(snap(true, 10, Source::kCached), false).has_value());
}

}  // namespace
}  // namespace parley::flags
