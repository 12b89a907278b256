// Caption lines, unit by unit: the tracker's lines (commits, tentative tail, splits, finals
// aligned by time, orphans, end of stream) and the view's revisions (display policies, settled
// prefix, speech, corrections, translation errors), with the fake translator of
// fake_translator.h (adjective-noun reordering, so prefixes translate differently).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lines/feed.h"
#include "lines/lines.h"
#include "lines/tests/fake_translator.h"

namespace parley::lines {
namespace {

using engine::SegmentKind;
using fake::fakeTranslate;
using fake::fakeTranslator;

// Words of `text` (split on spaces), word i of the utterance at [0.5 i, 0.5 i + 0.4] + shift.
std::vector<engine::Word> timed(std::string_view text, int first = 0, double shift = 0) {
  std::vector<engine::Word> out;
  int i = first;
  for (const auto& t : tokens(text)) {
    const double start = 0.5 * i + shift;
    out.push_back({t, start, start + 0.4, engine::WordKind::kWord, {}, {}, {}});
    ++i;
  }
  return out;
}

engine::RecognizerEvent event(const std::string& id, bool partial,
                              std::vector<engine::Word> words) {
  engine::RecognizerEvent e;
  e.result_id = id;
  e.is_partial = partial;
  e.words = std::move(words);
  e.start = e.words.empty() ? 0 : e.words.front().start;
  e.end = e.words.empty() ? 0 : e.words.back().end;
  return e;
}

engine::RecognizerEvent partial(const std::string& id, std::string_view text) {
  return event(id, true, timed(text));
}
engine::RecognizerEvent finalEvent(const std::string& id, std::string_view text, double shift = 0) {
  return event(id, false, timed(text, 0, shift));
}

engine::Segment segment(const std::string& id, SegmentKind kind, std::string_view text, int first,
                        std::string reason = "") {
  engine::Segment s;
  s.result_id = id;
  s.kind = kind;
  s.reason = reason.empty() ? engine::segmentKindName(kind) : reason;
  for (const auto& w : timed(text, first)) s.words.push_back({w.text, w.start, w.end, w.kind});
  s.text = engine::joinWords(s.words);
  if (!s.words.empty()) {
    s.audio_start = s.words.front().start;
    s.audio_end = s.words.back().end;
  }
  return s;
}
engine::Segment commit(const std::string& id, std::string_view text, int first) {
  return segment(id, SegmentKind::kPartial, text, first);
}

LineConfig config(DisplayPolicy policy, int speak_min_words = 4) {
  LineConfig c;
  c.policy = policy;
  c.speak_min_words = speak_min_words;
  return c;
}

struct Feed {
  explicit Feed(LineConfig c, TranslateFn fn = fakeTranslator()) : feed(c, std::move(fn)) {}
  std::vector<Revision> ev(const engine::RecognizerEvent& e) { return add(feed.onEvent(e)); }
  std::vector<Revision> seg(const engine::Segment& s) { return add(feed.onSegment(s)); }
  std::vector<Revision> finish() { return add(feed.finish()); }
  std::vector<Revision> add(std::vector<Revision> r) {
    all.insert(all.end(), r.begin(), r.end());
    return r;
  }
  std::vector<Revision> ofLine(long long line) const {
    std::vector<Revision> out;
    for (const auto& r : all) {
      if (r.line == line) out.push_back(r);
    }
    return out;
  }
  int finals(long long line) const {
    int n = 0;
    for (const auto& r : ofLine(line)) n += r.final ? 1 : 0;
    return n;
  }
  std::string spoken(long long line) const {
    std::string out;
    for (const auto& r : ofLine(line)) {
      if (!r.speak.empty()) out += (out.empty() ? "" : " ") + r.speak;
    }
    return out;
  }
  LineFeed feed;
  std::vector<Revision> all;
};

TEST(LinesFakeTranslator, ReordersAdjectiveNounPairs) {
  EXPECT_EQ(fakeTranslate("the black"), "el negro");
  EXPECT_EQ(fakeTranslate("The black dog."), "el perro negro.");
  EXPECT_EQ(fakeTranslate("I saw"), "yo vi");
  EXPECT_EQ(fakeTranslate("zebra"), "zebra");
}

TEST(LinesTracker, AHypothesisAloneNeverCreatesALine) {
  LineTracker t(LineConfig{});
  EXPECT_TRUE(t.onEvent(partial("r1", "I saw")).empty());
  EXPECT_TRUE(t.onEvent(partial("r1", "I saw the")).empty());
  EXPECT_EQ(t.linesOpened(), 0);
  // Committed words open the line; the hypothesis beyond them is its tentative tail.
  auto lines = t.onSegment(commit("r1", "I saw", 0));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].line, 1);
  EXPECT_EQ(lines[0].text(), "I saw");
  EXPECT_EQ(lines[0].textWithTentative(), "I saw the");
  // The same tail again: nothing changed. A longer tail: the line, with it.
  EXPECT_TRUE(t.onEvent(partial("r1", "I saw the")).empty());
  lines = t.onEvent(partial("r1", "I saw the black"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].textWithTentative(), "I saw the black");
  EXPECT_EQ(lines[0].tentative.size(), 2u);
  EXPECT_FALSE(lines[0].final);
}

TEST(LinesTracker, ACommittedPunctuationItemIsNotPartOfTheTentativeTail) {
  // AWS style: "," is an item of its own at the end time of the word before it.
  const engine::Word everyone{"everyone", 0, 0.4, engine::WordKind::kWord, {}, {}, {}};
  const engine::Word comma{",", 0.4, 0.4, engine::WordKind::kPunct, {}, {}, {}};
  const engine::Word and_{"and", 0.5, 0.9, engine::WordKind::kWord, {}, {}, {}};
  LineTracker t(LineConfig{});
  t.onEvent(event("r1", true, {everyone, comma, and_}));
  engine::Segment s;
  s.result_id = "r1";
  s.words = {{"everyone", 0, 0.4, engine::WordKind::kWord},
             {",", 0.4, 0.4, engine::WordKind::kPunct}};
  auto lines = t.onSegment(s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text(), "everyone,");
  EXPECT_EQ(lines[0].textWithTentative(), "everyone, and");
  // Before the comma is committed, it is tentative.
  LineTracker u(LineConfig{});
  u.onEvent(event("r1", true, {everyone, comma, and_}));
  s.words.pop_back();
  lines = u.onSegment(s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].textWithTentative(), "everyone, and");
  EXPECT_EQ(lines[0].tentative.size(), 2u);
}

TEST(Lines, CommittedInThreeSegmentsThenConfirmedByAnEqualFinal) {
  Feed run(config(DisplayPolicy::kNone));
  run.ev(partial("r1", "I saw"));
  EXPECT_TRUE(run.all.empty());
  run.seg(commit("r1", "I saw", 0));
  run.ev(partial("r1", "I saw the black"));  // tentative only: kNone shows nothing new
  run.seg(commit("r1", "the black", 2));
  run.ev(partial("r1", "I saw the black dog."));
  run.seg(commit("r1", "dog.", 4));
  run.ev(finalEvent("r1", "I saw the black dog."));
  run.seg(segment("r1", SegmentKind::kFinal, "", 5));  // the engine's (empty) final: no change
  run.finish();

  const auto& r = run.all;
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].text, "yo vi");
  EXPECT_EQ(r[0].stable_chars, 0u);
  EXPECT_EQ(r[1].text, "yo vi el negro");
  EXPECT_EQ(r[1].stable_chars, 5u);  // "yo vi": unchanged across two translations
  EXPECT_EQ(r[2].text, "yo vi el perro negro.");
  EXPECT_EQ(r[2].stable_chars, 8u);  // "yo vi el": "negro" moved
  EXPECT_EQ(r[2].erased_tokens, 1);
  EXPECT_EQ(r[3].text, fakeTranslate("I saw the black dog."));
  EXPECT_TRUE(r[3].final);
  EXPECT_TRUE(r[3].confirmed);
  EXPECT_EQ(r[3].stable_chars, r[3].text.size());
  EXPECT_EQ(r[3].source_text, "I saw the black dog.");
  EXPECT_FALSE(r[3].settled_changed);
  EXPECT_FALSE(r[3].spoken_mismatch);
  EXPECT_EQ(r[3].speak, "yo vi el perro negro.");  // never 4 settled words: all at the final
  for (std::size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].line, 1);
    EXPECT_EQ(r[i].rev, static_cast<int>(i + 1));
  }
  EXPECT_EQ(run.finals(1), 1);
  EXPECT_DOUBLE_EQ(r[3].audio_start, 0);
  EXPECT_DOUBLE_EQ(r[3].audio_end, 2.4);
  const LineStats& st = run.feed.view().stats();
  EXPECT_EQ(st.lines, 1);
  EXPECT_EQ(st.revisions, 4);
  EXPECT_EQ(st.final_tokens, 5);
  EXPECT_EQ(st.settled_changes, 0);
  EXPECT_EQ(st.translations, 3);  // the final's text equals the committed text: no new call
}

// Commits "I would like | to order the | fish and"; the final says "a dish" where "the fish"
// was committed, settled and spoken.
TEST(Lines, AFinalThatContradictsSettledAndSpokenWordsIsCorrectedAndCounted) {
  Feed run(config(DisplayPolicy::kNone, /*speak_min_words=*/2));
  run.seg(commit("r1", "I would like", 0));
  run.seg(commit("r1", "to order the", 3));
  run.seg(commit("r1", "fish and", 6));
  ASSERT_EQ(run.all.size(), 3u);
  EXPECT_EQ(run.all[1].speak, "yo querria gustar");
  EXPECT_EQ(run.all[2].speak, "a pedir el");
  EXPECT_EQ(run.all[2].stable_chars, std::string("yo querria gustar a pedir el").size());

  auto fin = run.ev(finalEvent("r1", "I would like to order a dish and"));
  ASSERT_EQ(fin.size(), 1u);
  EXPECT_EQ(fin[0].text, "yo querria gustar a pedir un plato y");
  EXPECT_TRUE(fin[0].final);
  EXPECT_TRUE(fin[0].settled_changed);
  EXPECT_TRUE(fin[0].spoken_mismatch);
  EXPECT_EQ(fin[0].speak, "plato y");  // never repeats: 6 tokens spoken, the final has 8
  EXPECT_EQ(fin[0].erased_tokens, 3);  // "el pez y"
  EXPECT_EQ(fin[0].source_text, "I would like to order a dish and");
  EXPECT_EQ(tokens(run.spoken(1)).size(), tokens(fin[0].text).size());
  const LineStats& st = run.feed.view().stats();
  EXPECT_EQ(st.settled_changes, 1);
  EXPECT_EQ(st.spoken_mismatches, 1);
  EXPECT_EQ(st.spoken_pieces, 3);
}

TEST(Lines, AFinalThatChangesOnlyUnsettledWordsIsNotASettledChange) {
  Feed run(config(DisplayPolicy::kNone, 2));
  run.seg(commit("r1", "I would like", 0));
  run.seg(commit("r1", "to order the", 3));
  run.seg(commit("r1", "fish and", 6));
  auto fin = run.ev(finalEvent("r1", "I would like to order the fish of"));
  ASSERT_EQ(fin.size(), 1u);
  EXPECT_EQ(fin[0].text, "yo querria gustar a pedir el pez de");
  EXPECT_FALSE(fin[0].settled_changed);
  EXPECT_FALSE(fin[0].spoken_mismatch);
  EXPECT_EQ(fin[0].speak, "pez de");
  EXPECT_EQ(fin[0].erased_tokens, 1);
  EXPECT_EQ(run.feed.view().stats().settled_changes, 0);
}

TEST(Lines, AFinalWithNoPartialsGivesOneFinalRevision) {
  Feed run(config(DisplayPolicy::kAgree));
  run.ev(partial("r1", "hello"));
  EXPECT_TRUE(run.ev(finalEvent("r1", "hello world.")).empty());
  // The line comes with the engine's final segment (all the final's words).
  run.seg(segment("r1", SegmentKind::kFinal, "hello world.", 0));
  ASSERT_EQ(run.all.size(), 1u);
  const Revision& r = run.all[0];
  EXPECT_EQ(r.line, 1);
  EXPECT_EQ(r.rev, 1);
  EXPECT_TRUE(r.final);
  EXPECT_TRUE(r.confirmed);
  EXPECT_EQ(r.text, "hola mundo.");
  EXPECT_EQ(r.stable_chars, r.text.size());
  EXPECT_EQ(r.speak, "hola mundo.");
  EXPECT_EQ(r.erased_tokens, 0);
  EXPECT_FALSE(r.settled_changed);
  // Another final segment or event of the same result changes nothing.
  EXPECT_TRUE(run.seg(segment("r1", SegmentKind::kFinal, "hello world.", 0)).empty());
  EXPECT_TRUE(run.ev(finalEvent("r1", "hello world.")).empty());
}

TEST(Lines, AFinalTheEngineSuppressesAsADuplicateMakesNoLine) {
  Feed run(config(DisplayPolicy::kNone));
  run.ev(finalEvent("r1", "hello world."));
  run.seg(segment("r1", SegmentKind::kFinal, "hello world.", 0));
  run.ev(finalEvent("r1-retry", "hello world."));  // no final segment: suppressed
  run.ev(finalEvent("r2", "we go home"));
  run.seg(segment("r2", SegmentKind::kFinal, "we go home", 0));
  ASSERT_EQ(run.all.size(), 2u);
  EXPECT_EQ(run.all[0].line, 1);
  EXPECT_EQ(run.all[1].line, 2);
  EXPECT_EQ(run.all[1].text, "nosotros vamos casa");
}

TEST(Lines, AFinalWithNoPartialsIsSplitLikeCommittedWords) {
  LineConfig c = config(DisplayPolicy::kNone);
  c.min_split_words = 3;
  c.max_line_words = 5;
  Feed run(c);
  run.ev(finalEvent("r1", "we go home now, the black dog runs fast and the cat"));
  run.seg(
      segment("r1", SegmentKind::kFinal, "we go home now, the black dog runs fast and the cat", 0));
  ASSERT_EQ(run.all.size(), 3u);
  EXPECT_EQ(run.all[0].source_text, "we go home now,");
  EXPECT_EQ(run.all[1].source_text, "the black dog runs fast");
  EXPECT_EQ(run.all[2].source_text, "and the cat");
  for (const auto& r : run.all) {
    EXPECT_EQ(r.rev, 1);
    EXPECT_TRUE(r.final && r.confirmed);
    EXPECT_EQ(r.text, fakeTranslate(r.source_text));
  }
}

// 12 words, min_split_words 3, max_line_words 5: "we go home now," | "the black dog runs fast"
// | "and the cat". The final comes 50 ms later in time and says "white" for "black".
TEST(Lines, ALongResultIsSplitAndTheFinalIsAlignedByTime) {
  LineConfig c = config(DisplayPolicy::kNone);
  c.min_split_words = 3;
  c.max_line_words = 5;
  Feed run(c);
  run.seg(commit("r1", "we go home now,", 0));
  run.seg(commit("r1", "the black dog", 4));
  run.seg(commit("r1", "runs fast and", 7));  // "runs fast" fills line 2; "and" opens line 3
  run.seg(commit("r1", "the cat", 10));
  EXPECT_EQ(run.feed.tracker().linesOpened(), 3);
  ASSERT_FALSE(run.ofLine(3).empty());
  EXPECT_EQ(run.ofLine(2).back().source_text, "the black dog runs fast");
  EXPECT_EQ(run.ofLine(3).back().source_text, "and the cat");

  auto fin = run.ev(
      finalEvent("r1", "we go home now, the white dog runs fast and the cat.", /*shift=*/0.05));
  ASSERT_EQ(fin.size(), 3u);
  EXPECT_EQ(fin[0].source_text, "we go home now,");
  EXPECT_EQ(fin[1].source_text, "the white dog runs fast");
  EXPECT_EQ(fin[2].source_text, "and the cat.");
  for (long long line = 1; line <= 3; ++line) {
    EXPECT_EQ(run.finals(line), 1) << line;
    const Revision last = run.ofLine(line).back();
    EXPECT_TRUE(last.final && last.confirmed);
    EXPECT_EQ(last.text, fakeTranslate(last.source_text));
  }
  EXPECT_EQ(fin[1].text, "el perro blanco corre rapido");
  EXPECT_DOUBLE_EQ(fin[1].audio_start, 2.05);
  EXPECT_DOUBLE_EQ(fin[1].audio_end, 4.45);
}

TEST(Lines, FinalWordsAfterAFullLastLineMakeNewLines) {
  LineConfig c = config(DisplayPolicy::kNone);
  c.min_split_words = 3;
  c.max_line_words = 3;
  Feed run(c);
  run.seg(commit("r1", "we go home", 0));  // full
  auto fin = run.ev(finalEvent("r1", "we go home now and"));
  ASSERT_EQ(fin.size(), 2u);
  EXPECT_EQ(fin[0].source_text, "we go home");
  EXPECT_EQ(fin[1].line, 2);
  EXPECT_EQ(fin[1].rev, 1);
  EXPECT_EQ(fin[1].source_text, "now and");
}

TEST(Lines, AnOrphanClosesLinesUnconfirmedAndALateFinalAddsOnlyNewWords) {
  Feed run(config(DisplayPolicy::kNone));
  run.seg(commit("r1", "the black", 0));
  // A timeout segment is a forward like a partial one: the line stays open.
  auto t = run.seg(segment("r1", SegmentKind::kTimeout, "dog", 2, "buffer_timeout"));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_FALSE(t[0].final);
  auto o = run.seg(segment("r1", SegmentKind::kOrphan, "runs", 3, "orphan"));
  ASSERT_EQ(o.size(), 1u);
  EXPECT_TRUE(o[0].final);
  EXPECT_FALSE(o[0].confirmed);
  EXPECT_EQ(o[0].source_text, "the black dog runs");
  EXPECT_EQ(o[0].text, "el perro negro corre");
  EXPECT_EQ(run.finals(1), 1);
  // The late final: its words up to the orphaned line's end stay there; the rest is new.
  auto late = run.ev(finalEvent("r1", "the black dog runs fast"));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].line, 2);
  EXPECT_EQ(late[0].source_text, "fast");
  EXPECT_TRUE(late[0].final && late[0].confirmed);
  EXPECT_EQ(run.finals(1), 1);
  EXPECT_TRUE(run.finish().empty());
}

TEST(Lines, AnEndOfStreamOrphanMeansTheResultIsOver) {
  Feed run(config(DisplayPolicy::kNone));
  run.seg(commit("r1", "the black", 0));
  run.seg(segment("r1", SegmentKind::kOrphan, "dog", 2, "end_of_stream"));
  EXPECT_TRUE(run.ev(finalEvent("r1", "the black dog runs")).empty());  // the engine ignores it too
  EXPECT_EQ(run.finals(1), 1);
}

TEST(Lines, FinishClosesOpenLinesUnconfirmed) {
  Feed run(config(DisplayPolicy::kNone));
  run.seg(commit("r1", "I saw", 0));
  run.seg(commit("r2", "hello", 5));
  auto end = run.finish();
  ASSERT_EQ(end.size(), 2u);
  for (const auto& r : end) {
    EXPECT_TRUE(r.final);
    EXPECT_FALSE(r.confirmed);
    EXPECT_EQ(r.rev, 2);
    EXPECT_EQ(r.stable_chars, r.text.size());
  }
  EXPECT_EQ(end[0].text, "yo vi");
  EXPECT_EQ(end[1].text, "hola");
  EXPECT_EQ(end[0].speak, "yo vi");
  EXPECT_TRUE(run.finish().empty());
}

TEST(LinesView, MaskKHidesTheLastWordsUntilTheFinal) {
  LineConfig c = config(DisplayPolicy::kMaskK);
  c.mask_k = 2;
  Feed run(c);
  EXPECT_TRUE(run.seg(commit("r1", "I saw", 0)).empty());  // everything masked: nothing to show
  auto r = run.seg(commit("r1", "the black", 2));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "yo vi");
  EXPECT_EQ(r[0].rev, 1);
  EXPECT_EQ(r[0].stable_chars, 5u);
  auto f = run.ev(finalEvent("r1", "I saw the black"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].text, "yo vi el negro");  // final: no masking
  EXPECT_EQ(f[0].rev, 2);

  c.mask_k = 1;
  Feed one(c);
  one.seg(commit("r1", "I saw the black", 0));
  EXPECT_EQ(one.all.back().text, "yo vi el");
}

TEST(LinesView, NoneShowsTheWholeTranslation) {
  Feed run(config(DisplayPolicy::kNone));
  run.seg(commit("r1", "the black", 0));
  EXPECT_EQ(run.all.back().text, "el negro");
  EXPECT_TRUE(run.ev(partial("r1", "the black dog")).empty());  // tentative: not shown
}

TEST(LinesView, AgreeShowsWhereCommittedAndTentativeTranslationsAgree) {
  int calls = 0;
  Feed run(config(DisplayPolicy::kAgree), fakeTranslator(&calls));
  run.ev(partial("r1", "the black dog"));
  // Committed "the black" ("el negro"), tentative "dog" ("el perro negro"): only "el".
  auto r = run.seg(commit("r1", "the black", 0));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "el");
  EXPECT_EQ(calls, 2);
  // No tentative tail and no clause end: the last committed token is hidden ("el").
  EXPECT_TRUE(run.ev(partial("r1", "the black")).empty());
  EXPECT_EQ(calls, 2);  // the committed text did not change: no new translation
  // A tail whose translation extends the committed one: all of it agrees.
  r = run.ev(partial("r1", "the black and"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "el negro");
  // The tail "dog." disagrees again: back to "el".
  r = run.ev(partial("r1", "the black dog."));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "el");
  EXPECT_EQ(r[0].erased_tokens, 1);  // "negro" went away
  // A committed sentence end shows everything.
  r = run.seg(commit("r1", "dog.", 2));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "el perro negro.");
  EXPECT_EQ(r[0].stable_chars, 2u);  // "el": the previous committed translation was "el negro"
  EXPECT_EQ(r[0].erased_tokens, 0);
}

TEST(LinesView, AgreeShowsAllOfAFullLine) {
  LineConfig c = config(DisplayPolicy::kAgree);
  c.min_split_words = 2;
  c.max_line_words = 3;
  Feed run(c);
  auto r = run.seg(commit("r1", "we go", 0));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "nosotros");  // "vamos" may still change with the next word
  r = run.seg(commit("r1", "home", 2));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "nosotros vamos casa");  // full: nothing will be added to this line
}

TEST(LinesView, SettledTextStaysUntilTheFinal) {
  // A translator that rewrites the second word once the text has 4 words.
  TranslateFn fn = [](std::string_view text) -> core::Result<std::string> {
    auto t = tokens(text);
    for (auto& w : t) {
      for (auto& ch : w) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
    }
    if (t.size() >= 4) t[1] = "CHANGED";
    std::string out;
    for (const auto& w : t) out += (out.empty() ? "" : " ") + w;
    return out;
  };
  Feed run(config(DisplayPolicy::kNone), fn);
  run.seg(commit("r1", "a b", 0));
  run.seg(commit("r1", "c", 2));
  ASSERT_EQ(run.all.back().text, "A B C");
  ASSERT_EQ(run.all.back().stable_chars, 3u);  // "A B"
  auto r = run.seg(commit("r1", "d", 3));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "A B");  // "A CHANGED C D" would change settled text: only it is shown
  EXPECT_EQ(r[0].stable_chars, 3u);
  EXPECT_EQ(r[0].erased_tokens, 1);
  auto f = run.ev(finalEvent("r1", "a b c d"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].text, "A CHANGED C D");
  EXPECT_TRUE(f[0].settled_changed);
  EXPECT_EQ(run.feed.view().stats().settled_changes, 1);
}

TEST(LinesView, SpeaksASettledClauseAtOnce) {
  Feed run(config(DisplayPolicy::kNone, /*speak_min_words=*/10));
  run.seg(commit("r1", "hello world,", 0));
  run.seg(commit("r1", "we go", 2));
  ASSERT_EQ(run.all.size(), 2u);
  EXPECT_EQ(run.all[1].speak, "hola mundo,");
  auto f = run.ev(finalEvent("r1", "hello world, we go home"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].speak, "nosotros vamos casa");
  EXPECT_EQ(run.spoken(1), f[0].text);
}

TEST(LinesView, UntranslatedOnTranslatorError) {
  TranslateFn failing = [](std::string_view) -> core::Result<std::string> {
    return core::Error::unavailable("apertium is restarting");
  };
  Feed run(config(DisplayPolicy::kAgree), failing);
  auto r = run.seg(commit("r1", "I saw", 0));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].untranslated);
  EXPECT_EQ(r[0].text, "I saw");
  EXPECT_EQ(r[0].stable_chars, 0u);
  EXPECT_TRUE(r[0].speak.empty());
  auto f = run.ev(finalEvent("r1", "I saw it"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].untranslated);
  EXPECT_TRUE(f[0].final);
  EXPECT_EQ(f[0].text, "I saw it");
  EXPECT_EQ(run.feed.view().stats().untranslated, 2);
}

TEST(LinesView, AnErrorAfterTextSettledKeepsTheLastTranslatedRevision) {
  int calls = 0;
  TranslateFn flaky = [&calls](std::string_view text) -> core::Result<std::string> {
    if (++calls > 2) return core::Error::unavailable("down");
    return fakeTranslate(text);
  };
  Feed run(config(DisplayPolicy::kNone), flaky);
  run.seg(commit("r1", "I saw", 0));
  run.seg(commit("r1", "the", 2));
  ASSERT_EQ(run.all.back().stable_chars, 5u);  // "yo vi" settled
  EXPECT_TRUE(run.seg(commit("r1", "dog", 3)).empty());
  auto f = run.ev(finalEvent("r1", "I saw the dog"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].untranslated);
  EXPECT_EQ(f[0].text, "I saw the dog");
  EXPECT_TRUE(f[0].settled_changed);
  EXPECT_EQ(run.feed.view().stats().untranslated, 2);
}

TEST(LinesView, IdentityViewShowsTheSourceAndCallsNoTranslator) {
  Feed run(config(DisplayPolicy::kNone), nullptr);
  run.seg(commit("r1", "the black", 0));
  run.ev(finalEvent("r1", "the black dog"));
  ASSERT_EQ(run.all.size(), 2u);
  EXPECT_EQ(run.all[0].text, "the black");
  EXPECT_EQ(run.all[1].text, "the black dog");
  EXPECT_EQ(run.feed.view().stats().translations, 0);
}

TEST(LinesView, LateUpdatesAndEventsAfterTheFinalAreIgnored) {
  Feed run(config(DisplayPolicy::kNone));
  run.seg(commit("r1", "I saw", 0));
  run.ev(finalEvent("r1", "I saw"));
  EXPECT_TRUE(run.ev(finalEvent("r1", "I saw it")).empty());
  EXPECT_TRUE(run.ev(partial("r1", "I saw it")).empty());
  EXPECT_EQ(run.finals(1), 1);
  LineView view(config(DisplayPolicy::kNone), nullptr);
  SourceLine l;
  l.line = 7;
  l.final = true;
  l.confirmed = true;
  l.final_words = {{"hi", 0, 0.4, engine::WordKind::kWord}};
  ASSERT_TRUE(view.update(l).has_value());
  EXPECT_FALSE(view.update(l).has_value());
}

TEST(LinesView, SetConfigAppliesFromTheNextLine) {
  LineView view(config(DisplayPolicy::kNone), fakeTranslator());
  SourceLine l;
  l.line = 1;
  l.committed = {{"I", 0, 0.4, engine::WordKind::kWord},
                 {"saw", 0.5, 0.9, engine::WordKind::kWord},
                 {"the", 1, 1.4, engine::WordKind::kWord}};
  EXPECT_EQ(view.update(l)->text, "yo vi el");
  LineConfig masked = config(DisplayPolicy::kMaskK);
  masked.mask_k = 1;
  view.setConfig(masked);
  // Line 1 keeps the settings it started with: the whole translation.
  l.committed.push_back({"dog", 1.5, 1.9, engine::WordKind::kWord});
  EXPECT_EQ(view.update(l)->text, "yo vi el perro");
  // Line 2 starts under the new ones: its last word hidden.
  SourceLine l2 = l;
  l2.line = 2;
  EXPECT_EQ(view.update(l2)->text, "yo vi el");
}

TEST(LinesTracker, SetConfigSplitsFromTheNextLine) {
  LineConfig wide = config(DisplayPolicy::kNone);
  wide.min_split_words = 8;
  wide.max_line_words = 20;
  LineTracker tracker(wide);
  tracker.onSegment(commit("r1", "one two three", 0));
  LineConfig narrow = wide;
  narrow.min_split_words = 2;
  narrow.max_line_words = 2;
  tracker.setConfig(narrow);
  // Line 1 (opened before) still takes words up to 20; nothing splits it at 2.
  auto lines = tracker.onSegment(commit("r1", "four five", 3));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].line, 1);
  EXPECT_EQ(lines[0].committed.size(), 5u);
}

TEST(LinesView, TheFinalRevisionCarriesEachTokensTimeToStable) {
  LineTracker tracker(config(DisplayPolicy::kNone));
  LineView view(config(DisplayPolicy::kNone), nullptr);  // identity: the source language
  std::vector<Revision> revs;
  auto show = [&](const std::vector<SourceLine>& lines, double now) {
    for (const auto& l : lines) {
      if (auto r = view.update(l, now)) revs.push_back(*r);
    }
  };
  // Words end at 0.4, 0.9, 1.4 and 1.9 s.
  show(tracker.onSegment(commit("r1", "I saw", 0)), 1.0);
  show(tracker.onSegment(commit("r1", "the black", 2)), 2.2);
  show(tracker.onEvent(finalEvent("r1", "I saw the black")), 2.5);
  ASSERT_EQ(revs.size(), 3u);
  EXPECT_TRUE(revs[0].time_to_stable.empty());  // only the final carries them
  ASSERT_TRUE(revs[2].final);
  ASSERT_EQ(revs[2].time_to_stable.size(), 4u);
  EXPECT_NEAR(revs[2].time_to_stable[0], 0.6, 1e-9);  // "I" shown at 1.0, ended at 0.4
  EXPECT_NEAR(revs[2].time_to_stable[1], 0.1, 1e-9);
  EXPECT_NEAR(revs[2].time_to_stable[2], 0.8, 1e-9);  // "the" shown at 2.2, ended at 1.4
  EXPECT_NEAR(revs[2].time_to_stable[3], 0.3, 1e-9);

  // A final that changes a shown word: that token settles only at the final.
  LineTracker t2(config(DisplayPolicy::kNone));
  LineView v2(config(DisplayPolicy::kNone), nullptr);
  revs.clear();
  auto show2 = [&](const std::vector<SourceLine>& lines, double now) {
    for (const auto& l : lines) {
      if (auto r = v2.update(l, now)) revs.push_back(*r);
    }
  };
  show2(t2.onSegment(commit("r1", "I saw the black", 0)), 2.0);
  show2(t2.onEvent(finalEvent("r1", "I saw a black")), 3.0);
  ASSERT_EQ(revs.size(), 2u);
  ASSERT_EQ(revs[1].time_to_stable.size(), 4u);
  EXPECT_NEAR(revs[1].time_to_stable[1], 2.0 - 0.9, 1e-9);
  EXPECT_NEAR(revs[1].time_to_stable[2], 3.0 - 1.4, 1e-9);
  EXPECT_NEAR(revs[1].time_to_stable[3], 3.0 - 1.9, 1e-9);  // after a changed token
}

TEST(LinesConfig, ValidatesEveryKey) {
  EXPECT_TRUE(LineConfig{}.validate().empty());
  LineConfig c;
  c.mask_k = 11;
  c.speak_min_words = 0;
  c.min_split_words = 30;
  c.max_line_words = 20;
  auto p = c.validate();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], "lines.mask_k must be in [0, 10] (got 11)");
  EXPECT_EQ(p[1], "lines.speak_min_words must be in [1, 50] (got 0)");
  EXPECT_EQ(p[2], "lines.max_line_words must be >= lines.min_split_words (got 20 < 30)");
  for (auto policy : {DisplayPolicy::kNone, DisplayPolicy::kMaskK, DisplayPolicy::kAgree}) {
    EXPECT_EQ(parseDisplayPolicy(displayPolicyName(policy)), policy);
  }
  EXPECT_FALSE(parseDisplayPolicy("mask").has_value());
}

TEST(LinesTokens, SplitOnSpaces) {
  EXPECT_EQ(tokens("  el  perro\tnegro. "), (std::vector<std::string>{"el", "perro", "negro."}));
  EXPECT_TRUE(tokens("").empty());
}

TEST(LinesJson, FormatsARevision) {
  Revision r;
  r.line = 3;
  r.rev = 2;
  r.text = "el \"perro\"";
  r.stable_chars = 2;
  r.final = true;
  r.confirmed = true;
  r.source_text = "the dog";
  r.audio_start = 1.5;
  r.audio_end = 2;
  EXPECT_EQ(formatRevisionJson("es", r),
            "{\"type\":\"line\",\"lang\":\"es\",\"line\":3,\"rev\":2,\"text\":\"el "
            "\\\"perro\\\"\",\"stable_chars\":2,\"final\":true,\"confirmed\":true,"
            "\"source_text\":\"the dog\",\"audio_start\":1.5,\"audio_end\":2}");
}

}  // namespace
}  // namespace parley::lines
