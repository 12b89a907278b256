// Unit tests for each rule of docs/engine.md, driven with explicit times (a manual clock).
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <sstream>

namespace parley::engine {
namespace {

// Builds a hypothesis from "a b c." style text: word i spans [t0 + 0.4 i, t0 + 0.4 i + 0.3].
RecognizerEvent hyp(const std::string& id, const std::string& text, bool partial = true,
                    double t0 = 0.0, double step = 0.4) {
  RecognizerEvent ev;
  ev.result_id = id;
  ev.is_partial = partial;
  std::istringstream in(text);
  std::string w;
  double t = t0;
  while (in >> w) {
    ev.words.push_back({w, t, t + 0.3, WordKind::kWord, {}, {}, {}});
    t += step;
  }
  ev.start = t0;
  ev.end = ev.words.empty() ? t0 : ev.words.back().end;
  return ev;
}

RecognizerEvent stable(RecognizerEvent ev, std::size_t n_stable) {
  for (std::size_t i = 0; i < ev.words.size(); ++i) ev.words[i].stable = i < n_stable;
  return ev;
}

RecognizerEvent scored(RecognizerEvent ev, double stability) {
  ev.stability = stability;
  return ev;
}

// The values these tests were written for, independent of the shipped defaults (which the
// benchmark chooses): local agreement over 2 hypotheses, phrases of 4 words, 1 s wait.
EngineConfig testConfig() {
  EngineConfig c;
  c.local_agreement_n = 2;
  c.phrase_max_words = 4;
  c.phrase_max_wait = 1.0;
  return c;
}

EngineConfig sentenceConfig() {
  EngineConfig c = testConfig();
  c.forward_policy = ForwardPolicy::kSentence;
  return c;
}

std::string texts(const Output& out) {
  std::string s;
  for (const auto& seg : out.segments) {
    if (!s.empty()) s += " | ";
    s += seg.text;
  }
  return s;
}

std::string allText(const std::vector<Segment>& segs) {
  std::string s;
  for (const auto& seg : segs) {
    if (!s.empty()) s += " ";
    s += seg.text;
  }
  return s;
}

struct Harness {
  explicit Harness(EngineConfig c = testConfig(), Mode m = Mode::kPartial) : engine("s1", c, m) {}
  Output event(const RecognizerEvent& ev, double now) {
    Output out;
    engine.onEvent(ev, now, out);
    keep(out);
    return out;
  }
  Output tick(double now) {
    Output out;
    engine.onTick(now, out);
    keep(out);
    return out;
  }
  Output audio(double a, double now) {
    Output out;
    engine.onAudio(a, now, out);
    keep(out);
    return out;
  }
  void keep(const Output& out) {
    all.insert(all.end(), out.segments.begin(), out.segments.end());
    for (const auto& n : out.notices) notices.push_back(n.event);
  }
  bool noticed(const std::string& ev) const {
    return std::find(notices.begin(), notices.end(), ev) != notices.end();
  }
  Engine engine;
  std::vector<Segment> all;
  std::vector<std::string> notices;
};

// --- Rule 3: commitment -------------------------------------------------------------------------

TEST(Stable, LeadingRunOfStableItemsIsForwardedAtSentenceEnd) {
  Harness h(sentenceConfig());
  auto out = h.event(stable(hyp("r1", "hello there world. how"), 3), 1.0);
  EXPECT_EQ(texts(out), "hello there world.");
  EXPECT_EQ(out.segments[0].kind, SegmentKind::kPartial);
  EXPECT_EQ(out.segments[0].reason, "sentence");
  EXPECT_EQ(out.segments[0].seq, 1);
  out = h.event(hyp("r1", "hello there world. how are you?", false), 2.0);
  EXPECT_EQ(texts(out), "how are you?");
  EXPECT_EQ(out.segments[0].kind, SegmentKind::kFinal);
  EXPECT_EQ(allText(h.all), "hello there world. how are you?");
}

TEST(Stable, UnstableItemsAreNotForwarded) {
  Harness h(sentenceConfig());
  auto out = h.event(stable(hyp("r1", "hello there world."), 2), 1.0);
  EXPECT_TRUE(out.segments.empty());  // committed words exist, but no boundary among them
  out = h.event(stable(hyp("r1", "hello there world."), 0), 1.5);
  EXPECT_TRUE(out.segments.empty());
}

TEST(StabilityScore, BothSidesOfTheThreshold) {
  {
    Harness h(sentenceConfig());
    auto out = h.event(scored(hyp("r1", "good morning everyone."), 0.85), 1.0);
    EXPECT_EQ(texts(out), "good morning everyone.");
  }
  {
    Harness h(sentenceConfig());
    auto out = h.event(scored(hyp("r1", "good morning everyone."), 0.84), 1.0);
    EXPECT_TRUE(out.segments.empty());
  }
  {
    EngineConfig c = sentenceConfig();
    c.min_stability_threshold = 0.95;
    Harness h(c);
    auto out = h.event(scored(hyp("r1", "good morning everyone."), 0.9), 1.0);
    EXPECT_TRUE(out.segments.empty());
  }
}

TEST(StabilityScore, PerItemScores) {
  Harness h(sentenceConfig());
  auto ev = hyp("r1", "one. two. three.");
  ev.words[0].stability = 0.99;
  ev.words[1].stability = 0.9;
  ev.words[2].stability = 0.2;
  auto out = h.event(ev, 1.0);
  EXPECT_EQ(texts(out), "one. two.");
}

TEST(TimeoutFallback, HoldsThreeSecondsThenCommitsAndWarnsOnce) {
  EngineConfig c = sentenceConfig();
  c.stability_fallback = StabilityFallback::kTimeout;
  Harness h(c);
  auto out = h.event(hyp("r1", "we begin now."), 1.0);
  EXPECT_TRUE(out.segments.empty());
  EXPECT_TRUE(h.noticed("stability_unavailable"));
  ASSERT_TRUE(h.engine.nextDeadline().has_value());
  EXPECT_DOUBLE_EQ(*h.engine.nextDeadline(), 4.0);
  EXPECT_TRUE(h.tick(3.9).segments.empty());
  out = h.tick(4.0);
  EXPECT_EQ(texts(out), "we begin now.");
  h.event(hyp("r2", "again."), 5.0);
  EXPECT_EQ(h.engine.stats().stability_unavailable, 1);
}

TEST(TimeoutFallback, ARevisedWordRestartsItsClock) {
  EngineConfig c = sentenceConfig();
  c.stability_fallback = StabilityFallback::kTimeout;
  Harness h(c);
  h.event(hyp("r1", "we begin"), 1.0);
  h.event(hyp("r1", "we began now."), 3.0);
  auto out = h.tick(4.0);  // "we" committed (seen since 1.0); "began now." only since 3.0
  EXPECT_TRUE(out.segments.empty());
  out = h.tick(6.0);
  EXPECT_EQ(texts(out), "we began now.");
}

TEST(LocalAgreement, PrefixAgreedByTwoHypothesesIsCommitted) {
  Harness h(sentenceConfig());  // default fallback: local_agreement, n = 2
  auto out = h.event(hyp("r1", "this is. a"), 1.0);
  EXPECT_TRUE(out.segments.empty());  // a single hypothesis agrees with nothing
  out = h.event(hyp("r1", "this is. a test"), 1.2);
  EXPECT_EQ(texts(out), "this is.");
}

TEST(LocalAgreement, ThreeHypothesesWhenNIsThree) {
  EngineConfig c = sentenceConfig();
  c.local_agreement_n = 3;
  Harness h(c);
  h.event(hyp("r1", "this is. a"), 1.0);
  EXPECT_TRUE(h.event(hyp("r1", "this is. a test"), 1.2).segments.empty());
  EXPECT_EQ(texts(h.event(hyp("r1", "this is. a test of"), 1.4)), "this is.");
}

// --- Rule 4: boundaries
// ---------------------------------------------------------------------------

TEST(Pause, AudioGapBetweenWordsEndsASentence) {
  Harness h(sentenceConfig());
  auto ev = stable(hyp("r1", "first part second part"), 4);
  ev.words[2].start = ev.words[1].end + 2.0;
  ev.words[2].end = ev.words[2].start + 0.3;
  ev.words[3].start = ev.words[2].end + 0.1;
  ev.words[3].end = ev.words[3].start + 0.3;
  auto out = h.event(ev, 4.0);
  EXPECT_EQ(texts(out), "first part");
  EXPECT_EQ(out.segments[0].reason, "pause");
}

TEST(Pause, ShorterGapIsNotAPause) {
  Harness h(sentenceConfig());
  auto ev = stable(hyp("r1", "first part second part"), 4);
  ev.words[2].start = ev.words[1].end + 1.9;
  ev.words[2].end = ev.words[2].start + 0.3;
  EXPECT_TRUE(h.event(ev, 4.0).segments.empty());
}

TEST(Pause, SilenceWhileAudioKeepsArriving) {
  Harness h(sentenceConfig());
  h.event(stable(hyp("r1", "no punctuation here"), 3), 1.2);  // last word ends at 1.1
  EXPECT_TRUE(h.audio(3.0, 3.0).segments.empty());
  auto out = h.audio(3.1, 3.1);
  EXPECT_EQ(texts(out), "no punctuation here");
  EXPECT_EQ(out.segments[0].reason, "pause");
}

TEST(BufferTimeout, CommittedTextOlderThanMaxBufferTimeoutIsForwarded) {
  Harness h(sentenceConfig());
  h.event(stable(hyp("r1", "one two three four"), 2), 1.0);
  EXPECT_DOUBLE_EQ(*h.engine.nextDeadline(), 6.0);
  EXPECT_TRUE(h.tick(5.9).segments.empty());
  auto out = h.tick(6.0);
  EXPECT_EQ(texts(out), "one two");
  EXPECT_EQ(out.segments[0].kind, SegmentKind::kTimeout);
}

TEST(Phrase, ForwardsAfterPhraseMaxWords) {
  Harness h;  // phrase policy by default
  auto out = h.event(stable(hyp("r1", "one two three four five"), 3), 1.0);
  EXPECT_TRUE(out.segments.empty());
  out = h.event(stable(hyp("r1", "one two three four five"), 4), 1.1);
  EXPECT_EQ(texts(out), "one two three four");
  EXPECT_EQ(out.segments[0].reason, "phrase_words");
}

TEST(Phrase, ClauseBoundary) {
  Harness h;
  auto out = h.event(stable(hyp("r1", "well, you see"), 2), 1.0);
  EXPECT_EQ(texts(out), "well,");
  EXPECT_EQ(out.segments[0].reason, "clause");
}

TEST(Phrase, MaxWait) {
  Harness h;
  h.event(stable(hyp("r1", "one two three"), 1), 1.0);
  EXPECT_DOUBLE_EQ(*h.engine.nextDeadline(), 2.0);
  auto out = h.tick(2.0);
  EXPECT_EQ(texts(out), "one");
  EXPECT_EQ(out.segments[0].reason, "phrase_wait");
}

TEST(Phrase, SentencePolicyWaitsWherePhraseForwards) {
  Harness h(sentenceConfig());
  EXPECT_TRUE(h.event(stable(hyp("r1", "well, you see"), 2), 1.0).segments.empty());
  EXPECT_TRUE(h.tick(2.0).segments.empty());
}

// --- Rule 5: rate limit -----------------------------------------------------------------------

TEST(RateLimit, BurstIsCoalescedAndCounted) {
  Harness h(sentenceConfig());
  std::string text;
  for (int i = 0; i < 20; ++i) {
    text += (text.empty() ? "" : " ") + std::string("w") + std::to_string(i) + ".";
    h.event(stable(hyp("r1", text), static_cast<std::size_t>(i + 1)), 1.0 + 0.05 * i);
  }
  // 20 updates within one second: five segments go out, the other updates wait.
  EXPECT_EQ(h.all.size(), 5u);
  EXPECT_EQ(h.engine.stats().partial_results_dropped, 15);
  ASSERT_TRUE(h.engine.nextDeadline().has_value());
  double release = *h.engine.nextDeadline();
  EXPECT_DOUBLE_EQ(release, 2.0);
  h.tick(release);
  EXPECT_EQ(h.all.size(), 6u);  // the coalesced rest in one segment
  EXPECT_EQ(allText(h.all), text);
}

TEST(RateLimit, FinalsAreNeverLimited) {
  EngineConfig c = sentenceConfig();
  c.max_rate_per_second = 1;
  Harness h(c);
  h.event(stable(hyp("r1", "a."), 1), 1.0);
  h.event(stable(hyp("r1", "a. b."), 2), 1.1);
  EXPECT_EQ(h.all.size(), 1u);
  h.event(hyp("r1", "a. b. c.", false), 1.2);
  EXPECT_EQ(allText(h.all), "a. b. c.");
}

// --- Rule 6: dedup ----------------------------------------------------------------------------

TEST(Dedup, SameResultTextUnderAnotherIdIsSuppressed) {
  Harness h;
  h.event(hyp("r1", "Thank you.", false), 1.0);
  auto out = h.event(hyp("r2", "thank you", false), 2.0);
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(h.engine.stats().duplicates_detected, 1);
  out = h.event(hyp("r3", "thank you", false), 13.0);  // r2 remembered at 2.0: expired at 12.0
  EXPECT_EQ(texts(out), "thank you");
}

TEST(Dedup, DisabledWithZeroTtl) {
  EngineConfig c = testConfig();
  c.dedup_cache_ttl = 0;
  Harness h(c);
  h.event(hyp("r1", "yes.", false), 1.0);
  EXPECT_EQ(texts(h.event(hyp("r2", "yes.", false), 1.5)), "yes.");
  EXPECT_EQ(h.engine.stats().duplicates_detected, 0);
}

TEST(Dedup, NormalizesCaseAndPunctuation) {
  EXPECT_EQ(normalizeForDedup("  Hello,   World!  \"It's\" "), "hello world its");
}

// --- Rule 7: finals
// -------------------------------------------------------------------------------

TEST(Final, ForwardsOnlyTheRemainder) {
  Harness h;
  h.event(stable(hyp("r1", "one two three four five six"), 4), 1.0);
  auto out = h.event(hyp("r1", "one two three four five six seven", false), 2.0);
  EXPECT_EQ(texts(out), "five six seven");
  EXPECT_EQ(h.engine.stats().discrepancies, 0);
}

TEST(Final, ContradictionIsLoggedNeverResent) {
  Harness h;
  h.event(stable(hyp("r1", "I scream for ice"), 4), 1.0);
  ASSERT_EQ(allText(h.all), "I scream for ice");
  auto out = h.event(hyp("r1", "ice cream for ice cream", false), 2.0);
  EXPECT_EQ(texts(out), "cream");
  EXPECT_EQ(h.engine.stats().discrepancies, 1);
  EXPECT_EQ(h.engine.stats().discrepancy_warnings, 1);  // 2 of 4 words: 50%
  EXPECT_TRUE(h.noticed("discrepancy"));
}

// --- Rule 1: withdrawn words are never re-sent ----------------------------------------------

bool rangesIncrease(const std::vector<Segment>& segs) {
  for (std::size_t i = 1; i < segs.size(); ++i) {
    if (segs[i].audio_start <= segs[i - 1].audio_end) return false;
  }
  return true;
}

// AWS-style: a partial whose items were all Stable is forwarded, the next partial of the result
// withdraws its last word, the one after proposes it again with more words, then the final.
TEST(AtMostOnce, WithdrawnStableWordIsNotResentWhenProposedAgain) {
  Harness h;  // phrase policy: 4 committed words are a phrase
  auto out = h.event(stable(hyp("r1", "one two three four"), 4), 1.0);
  EXPECT_EQ(texts(out), "one two three four");
  out = h.event(stable(hyp("r1", "one two three"), 3), 1.5);
  EXPECT_TRUE(out.segments.empty());
  out = h.event(stable(hyp("r1", "one two three four five six seven eight"), 8), 2.0);
  EXPECT_EQ(texts(out), "five six seven eight");
  out = h.event(hyp("r1", "one two three four five six seven eight nine.", false), 2.5);
  EXPECT_EQ(texts(out), "nine.");
  EXPECT_EQ(allText(h.all), "one two three four five six seven eight nine.");
  EXPECT_TRUE(rangesIncrease(h.all));
  EXPECT_EQ(h.engine.stats().discrepancies, 0);
}

// The withdrawn slot comes back as another word, and the final keeps that word: the forwarded
// word is not taken back or re-sent; the final counts and logs it as a discrepancy.
TEST(AtMostOnce, WithdrawnStableWordReplacedIsADiscrepancyNeverResent) {
  Harness h;
  h.event(stable(hyp("r1", "one two three four"), 4), 1.0);
  h.event(stable(hyp("r1", "one two three"), 3), 1.5);
  auto out = h.event(stable(hyp("r1", "one two three for five six seven eight"), 8), 2.0);
  EXPECT_EQ(texts(out), "five six seven eight");
  out = h.event(hyp("r1", "one two three for five six seven eight", false), 2.5);
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(allText(h.all), "one two three four five six seven eight");
  EXPECT_TRUE(rangesIncrease(h.all));
  EXPECT_EQ(h.engine.stats().discrepancies, 1);
  EXPECT_TRUE(h.noticed("discrepancy"));
}

// An older partial delivered after a newer one is a withdrawal too.
TEST(AtMostOnce, StalePartialAfterANewerOneResendsNothing) {
  Harness h;
  h.event(stable(hyp("r1", "one two three four"), 4), 1.0);
  h.event(stable(hyp("r1", "one two"), 2), 1.1);  // stale
  h.event(stable(hyp("r1", "one two"), 2), 1.2);  // and repeated
  auto out = h.event(stable(hyp("r1", "one two three four five six seven eight"), 8), 2.0);
  EXPECT_EQ(texts(out), "five six seven eight");
  EXPECT_TRUE(rangesIncrease(h.all));
}

// --- Rules 8, 9, 10 ---------------------------------------------------------------------------

TEST(Orphan, ResultWithoutUpdateIsFlushedAfterTimeout) {
  Harness h(sentenceConfig());
  h.event(stable(hyp("r1", "left hanging words"), 1), 1.0);
  EXPECT_DOUBLE_EQ(*h.engine.nextDeadline(), 6.0);  // buffer timeout for the committed word
  h.tick(6.0);
  EXPECT_EQ(allText(h.all), "left");
  EXPECT_DOUBLE_EQ(*h.engine.nextDeadline(), 16.0);
  auto out = h.tick(16.0);
  EXPECT_EQ(texts(out), "hanging words");
  EXPECT_EQ(out.segments[0].kind, SegmentKind::kOrphan);
  EXPECT_EQ(h.engine.stats().orphaned_results_flushed, 1);
  EXPECT_TRUE(h.noticed("orphan_flushed"));
  // A final arriving later forwards only what is new.
  out = h.event(hyp("r1", "left hanging words here", false), 20.0);
  EXPECT_EQ(texts(out), "here");
}

TEST(Overflow, OldestWordsAreForwardedBeyondCapacity) {
  EngineConfig c = sentenceConfig();
  c.max_buffered_words = 10;
  Harness h(c);
  std::string text;
  for (int i = 0; i < 12; ++i) text += "w" + std::to_string(i) + " ";
  auto out = h.event(stable(hyp("r1", text), 5), 1.0);
  ASSERT_EQ(out.segments.size(), 1u);
  EXPECT_EQ(out.segments[0].kind, SegmentKind::kOverflow);
  EXPECT_EQ(out.segments[0].text, "w0 w1");
  EXPECT_EQ(h.engine.stats().overflow_words, 2);
}

TEST(Late, EventForFinalizedResultIsIgnoredAndCounted) {
  Harness h;
  h.event(hyp("r1", "done.", false), 1.0);
  auto out = h.event(hyp("r1", "done. late", true), 1.5);
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(h.engine.stats().late_events, 1);
}

TEST(Invalid, BadEventIsRejectedAndCounted) {
  Harness h;
  auto ev = hyp("r1", "bad times");
  ev.words[1].end = ev.words[1].start - 1;
  EXPECT_TRUE(h.event(ev, 1.0).segments.empty());
  EXPECT_EQ(h.engine.stats().invalid_events, 1);
  EXPECT_EQ(h.engine.stats().events, 0);
}

// --- Rule 11: recognizer health -----------------------------------------------------------------

TEST(Health, FallsBackWhenAudioArrivesWithoutEventsAndRecovers) {
  Harness h;
  h.audio(0.1, 0.1);
  h.event(stable(hyp("r1", "hello there friend"), 2), 1.0);
  for (double t = 1.5; t < 11.0; t += 0.5) h.audio(t, t);
  EXPECT_FALSE(h.engine.inFallback());
  h.audio(11.0, 11.0);
  EXPECT_TRUE(h.engine.inFallback());
  EXPECT_EQ(h.engine.stats().transcribe_fallback_triggered, 1);
  EXPECT_TRUE(h.noticed("transcribe_unhealthy"));
  // committed words were flushed at the fallback; partials are not forwarded meanwhile
  EXPECT_EQ(allText(h.all), "hello there");
  h.event(stable(hyp("r2", "new words here now"), 4), 12.0);
  EXPECT_FALSE(h.engine.inFallback());
  EXPECT_EQ(allText(h.all), "hello there new words here now");
}

// --- Rule 12: final-only mode and mode switches -----------------------------------------------

TEST(FinalOnly, OnlyFinalsAreForwarded) {
  Harness h(testConfig(), Mode::kFinalOnly);
  EXPECT_TRUE(h.event(stable(hyp("r1", "one two three four five."), 5), 1.0).segments.empty());
  EXPECT_FALSE(h.engine.nextDeadline().has_value() && *h.engine.nextDeadline() < 16.0);
  auto out = h.event(hyp("r1", "one two three four five.", false), 3.0);
  EXPECT_EQ(texts(out), "one two three four five.");
  EXPECT_EQ(out.segments[0].kind, SegmentKind::kFinal);
}

TEST(ModeSwitch, DisablingFlushesCommittedWordsThenFinalOnly) {
  Harness h(sentenceConfig());
  h.event(stable(hyp("r1", "alpha beta gamma delta"), 2), 1.0);
  EXPECT_TRUE(h.all.empty());
  Output out;
  h.engine.setMode(Mode::kFinalOnly, 1.5, out);
  h.keep(out);
  EXPECT_EQ(texts(out), "alpha beta");
  EXPECT_EQ(out.segments[0].reason, "mode_switch");
  EXPECT_TRUE(
      h.event(stable(hyp("r1", "alpha beta gamma delta epsilon."), 5), 2.0).segments.empty());
  h.event(hyp("r1", "alpha beta gamma delta epsilon.", false), 3.0);
  EXPECT_EQ(allText(h.all), "alpha beta gamma delta epsilon.");
  EXPECT_EQ(h.engine.stats().mode_switches, 1);
}

// --- Rule 13 and plumbing ---------------------------------------------------------------------

TEST(Sessions, AreIndependent) {
  Engine a("a", EngineConfig{}), b("b", EngineConfig{});
  Output oa, ob;
  a.onEvent(hyp("r1", "same words here.", false), 1.0, oa);
  b.onEvent(hyp("r1", "same words here.", false), 1.0, ob);
  ASSERT_EQ(oa.segments.size(), 1u);
  ASSERT_EQ(ob.segments.size(), 1u);  // no cross-session dedup
  EXPECT_EQ(oa.segments[0].session_id, "a");
  EXPECT_EQ(ob.segments[0].seq, 1);
}

TEST(Stats, PartialToFinalRatio) {
  Harness h;
  h.event(hyp("r1", "a"), 0.1);
  h.event(hyp("r1", "a b"), 0.2);
  h.event(hyp("r1", "a b c"), 0.3);
  h.event(hyp("r1", "a b c", false), 0.4);
  EXPECT_DOUBLE_EQ(h.engine.stats().partialToFinalRatio(), 3.0);
}

TEST(Finish, ForwardsWhatIsLeft) {
  Harness h;
  h.event(hyp("r1", "never finalized"), 1.0);
  Output out;
  h.engine.finish(2.0, out);
  EXPECT_EQ(texts(out), "never finalized");
  EXPECT_EQ(out.segments[0].reason, "end_of_stream");
}

TEST(Segment, WordsCarryAudioTimes) {
  Harness h;
  auto out = h.event(hyp("r1", "a b c", false, 2.0), 3.0);
  ASSERT_EQ(out.segments.size(), 1u);
  EXPECT_DOUBLE_EQ(out.segments[0].audio_start, 2.0);
  EXPECT_DOUBLE_EQ(out.segments[0].audio_end, 3.1);
  EXPECT_EQ(out.segments[0].words.size(), 3u);
}

TEST(Punctuation, PunctItemsAttachToThePreviousWord) {
  RecognizerEvent ev = hyp("r1", "hello world", false);
  ev.words.push_back({".", 0.7, 0.7, WordKind::kPunct, {}, {}, {}});
  Harness h;
  EXPECT_EQ(texts(h.event(ev, 1.0)), "hello world.");
}

}  // namespace
}  // namespace parley::engine
