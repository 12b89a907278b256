// Caption lines over thousands of randomized traces (fixed seeds, deterministic): the real
// engine (engine/tests/random_trace.h, the generator of the engine's invariants test) drives a
// LineTracker and a LineView with random line settings and a translator whose translations of
// prefixes disagree (pairs swapped, and now and then a word rewritten by a later one). Checked:
//  - a result that is one line, closed by its final, ends with the translation of its final;
//  - rev is 1, 2, 3, ... per line; every line opened gets exactly one final revision, its last;
//  - settled text (stable_chars) only grows before the final, and a final that changes it is
//    flagged and counted;
//  - a line's spoken pieces plus its final piece cover the final translation's tokens exactly
//    (no repeat, no drop), unless more was spoken than the final has; every difference between
//    what was spoken and the final is flagged and counted;
//  - erased_tokens and the stats add up.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/tests/random_trace.h"
#include "lines/lines.h"

namespace parley::lines {
namespace {

std::uint64_t fnv(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// Word by word ("w12" -> "t12"), punctuation kept in place; a word whose hash is 0 mod 3 swaps
// with the next one, and when the last word's hash is 0 mod 13 the first word changes: the
// translation of a prefix disagrees with the translation of the whole, near and far.
std::string propTranslate(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> words;
  for (const auto& tok : tokens(text)) {
    std::string core = tok, punct;
    while (!core.empty() && (core.back() == '.' || core.back() == ',')) {
      punct.insert(punct.begin(), core.back());
      core.pop_back();
    }
    words.emplace_back(core, punct);
  }
  std::vector<std::string> cores;
  for (const auto& w : words) cores.push_back(w.first);
  for (std::size_t i = 0; i + 1 < cores.size(); ++i) {
    if (fnv(cores[i]) % 3 == 0) {
      std::swap(cores[i], cores[i + 1]);
      ++i;
    }
  }
  if (cores.size() >= 3 && fnv(words.back().first) % 13 == 0) cores[0] = "T" + cores[0];
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (!out.empty()) out.push_back(' ');
    out += "t" + cores[i] + words[i].second;
  }
  return out;
}

std::string joinTokens(const std::vector<std::string>& t, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < t.size(); ++i) out += (i ? " " : "") + t[i];
  return out;
}

bool startsWith(const std::vector<std::string>& a, const std::vector<std::string>& prefix) {
  return prefix.size() <= a.size() && std::equal(prefix.begin(), prefix.end(), a.begin());
}

struct LineLog {
  std::string result_id;
  std::vector<Revision> revisions;
};

struct Totals {
  long long traces = 0, lines = 0, one_line_results = 0, settled_changes = 0, mismatches = 0,
            spoken_pieces = 0, splits = 0, erased = 0, unconfirmed = 0;
};

void report(const char* name, const Totals& t) {
  std::printf(
      "%s: %lld traces, %lld lines (%lld one-line results checked, %lld lines of split "
      "results, %lld unconfirmed), %lld settled changes, %lld spoken mismatches, %lld spoken "
      "pieces, %lld erased tokens\n",
      name, t.traces, t.lines, t.one_line_results, t.splits, t.unconfirmed, t.settled_changes,
      t.mismatches, t.spoken_pieces, t.erased);
}

void checkTrace(std::mt19937& rng, bool revise, int trace_no, Totals& totals) {
  auto pick = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); };
  engine::random_trace::Trace trace = engine::random_trace::makeTrace(rng, revise);
  LineConfig config;
  config.policy = static_cast<DisplayPolicy>(pick(0, 2));
  config.mask_k = pick(0, 3);
  config.min_split_words = pick(2, 10);
  config.max_line_words = config.min_split_words + pick(0, 8);
  config.speak_min_words = pick(1, 5);
  ASSERT_TRUE(config.validate().empty());

  LineTracker tracker(config);
  LineView view(config, [](std::string_view text) -> core::Result<std::string> {
    return propTranslate(text);
  });
  std::map<long long, LineLog> lines;
  std::map<std::string, std::vector<engine::Word>> finals;  // first final event per result
  auto feed = [&](const std::vector<SourceLine>& changed) {
    for (const auto& l : changed) {
      auto& log = lines[l.line];
      if (log.result_id.empty()) log.result_id = l.result_id;
      ASSERT_EQ(log.result_id, l.result_id);
      if (auto r = view.update(l)) log.revisions.push_back(*r);
    }
  };
  engine::random_trace::ReplayHooks hooks;
  hooks.before_event = [&](const engine::RecognizerEvent& e) {
    if (!e.is_partial && !finals.count(e.result_id)) finals[e.result_id] = e.words;
    feed(tracker.onEvent(e));
  };
  hooks.on_segment = [&](const engine::Segment& s) { feed(tracker.onSegment(s)); };
  engine::random_trace::replay(trace, hooks);
  feed(tracker.finish());
  if (::testing::Test::HasFatalFailure()) return;

  const std::string at = "trace " + std::to_string(trace_no) + (revise ? " (revise)" : "");
  // Lines are 1..N with no gap, each with exactly one final revision, its last.
  ASSERT_EQ(static_cast<long long>(lines.size()), tracker.linesOpened()) << at;
  std::map<std::string, int> lines_per_result;
  long long settled_changes = 0, mismatches = 0, pieces = 0, erased = 0, revisions = 0;
  long long expected_line = 1;
  for (const auto& [n, log] : lines) {
    ASSERT_EQ(n, expected_line++) << at;
    ++lines_per_result[log.result_id];
    const auto& revs = log.revisions;
    ASSERT_FALSE(revs.empty()) << at << " line " << n;
    ASSERT_TRUE(revs.back().final) << at << " line " << n;
    std::vector<std::string> settled, spoken;
    std::string shown;
    std::size_t stable = 0;
    for (std::size_t i = 0; i < revs.size(); ++i) {
      const Revision& r = revs[i];
      const std::string where = at + " line " + std::to_string(n) + " rev " + std::to_string(r.rev);
      ASSERT_EQ(r.rev, static_cast<int>(i + 1)) << where;
      ASSERT_EQ(r.line, n) << where;
      ASSERT_EQ(r.final, i + 1 == revs.size()) << where;
      ASSERT_LE(r.stable_chars, r.text.size()) << where;
      const auto toks = tokens(r.text);
      ASSERT_EQ(joinTokens(toks, toks.size()), r.text) << where;
      // erased_tokens: the previous text's tokens beyond the common prefix.
      const auto before = tokens(shown);
      std::size_t common = 0;
      while (common < before.size() && common < toks.size() && before[common] == toks[common]) {
        ++common;
      }
      ASSERT_EQ(r.erased_tokens, static_cast<int>(before.size() - common)) << where;
      erased += r.erased_tokens;
      ++revisions;
      if (!r.final) {
        // Settled text only grows: the new text keeps it, stable_chars never shrinks.
        ASSERT_GE(r.stable_chars, stable) << where;
        ASSERT_TRUE(startsWith(toks, settled)) << where;
        const auto now_settled = tokens(r.text.substr(0, r.stable_chars));
        ASSERT_EQ(joinTokens(now_settled, now_settled.size()).size(), r.stable_chars) << where;
        ASSERT_TRUE(startsWith(toks, now_settled)) << where;
        settled = now_settled;
        // Speech before the final comes only from settled text, in order.
        for (const auto& t : tokens(r.speak)) spoken.push_back(t);
        ASSERT_TRUE(startsWith(settled, spoken)) << where;
        ASSERT_FALSE(r.settled_changed || r.spoken_mismatch) << where;
      } else {
        ASSERT_EQ(r.stable_chars, r.text.size()) << where;
        ASSERT_EQ(r.settled_changed, !startsWith(toks, settled)) << where;
        settled_changes += r.settled_changed ? 1 : 0;
        const auto rest = tokens(r.speak);
        if (spoken.size() <= toks.size()) {
          // No repeat, no drop: what was spoken plus the final piece is the final's length.
          ASSERT_EQ(spoken.size() + rest.size(), toks.size()) << where;
          ASSERT_EQ(r.spoken_mismatch, !startsWith(toks, spoken)) << where;
          ASSERT_TRUE(std::equal(rest.begin(), rest.end(), toks.begin() + spoken.size())) << where;
        } else {
          ASSERT_TRUE(r.spoken_mismatch) << where;
          ASSERT_TRUE(rest.empty()) << where;
        }
        mismatches += r.spoken_mismatch ? 1 : 0;
        if (!r.confirmed) ++totals.unconfirmed;
      }
      pieces += r.speak.empty() ? 0 : 1;
      ASSERT_FALSE(r.untranslated) << where;
      shown = r.text;
      stable = r.stable_chars;
    }
  }
  // A result that is one line, closed by its final: the translation of its final text.
  for (const auto& [n, log] : lines) {
    if (lines_per_result[log.result_id] != 1) {
      ++totals.splits;
      continue;
    }
    const Revision& last = log.revisions.back();
    if (!last.confirmed) continue;
    ASSERT_TRUE(finals.count(log.result_id)) << at;
    const std::string final_text = engine::joinWords(finals[log.result_id]);
    ASSERT_EQ(last.source_text, final_text) << at << " line " << n;
    ASSERT_EQ(last.text, joinTokens(tokens(propTranslate(final_text)), 1000)) << at;
    ++totals.one_line_results;
  }
  const LineStats& st = view.stats();
  ASSERT_EQ(st.settled_changes, settled_changes) << at;
  ASSERT_EQ(st.spoken_mismatches, mismatches) << at;
  ASSERT_EQ(st.spoken_pieces, pieces) << at;
  ASSERT_EQ(st.erased_tokens, erased) << at;
  ASSERT_EQ(st.revisions, revisions) << at;
  ASSERT_EQ(st.lines, static_cast<long long>(lines.size())) << at;
  ++totals.traces;
  totals.lines += static_cast<long long>(lines.size());
  totals.settled_changes += settled_changes;
  totals.mismatches += mismatches;
  totals.spoken_pieces += pieces;
  totals.erased += erased;
}

TEST(LinesProperty, TruthfulPartials) {
  std::mt19937 rng(20270113);
  Totals totals;
  for (int i = 0; i < 2000; ++i) {
    checkTrace(rng, /*revise=*/false, i, totals);
    if (HasFatalFailure()) return;
  }
  report("truthful", totals);
  // The generator and the translator exercised what is checked.
  EXPECT_GT(totals.one_line_results, 1300);
  EXPECT_GT(totals.splits, 1000);
  EXPECT_GT(totals.settled_changes, 20);
  EXPECT_GT(totals.mismatches, 20);
  EXPECT_GT(totals.spoken_pieces, 5000);
  EXPECT_GT(totals.erased, 1000);
  EXPECT_GT(totals.unconfirmed, 50);
}

TEST(LinesProperty, RevisingPartials) {
  std::mt19937 rng(777001);
  Totals totals;
  for (int i = 0; i < 2000; ++i) {
    checkTrace(rng, /*revise=*/true, i, totals);
    if (HasFatalFailure()) return;
  }
  report("revising", totals);
  EXPECT_GT(totals.one_line_results, 1300);
  EXPECT_GT(totals.settled_changes, 50);
  EXPECT_GT(totals.mismatches, 50);
}

TEST(LinesProperty, TranslatorDisagreesOnPrefixes) {
  EXPECT_EQ(tokens(propTranslate("w1 w2 w3.")).size(), 3u);
  int swapped = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string a = "w" + std::to_string(i), b = "w" + std::to_string(i + 1);
    if (propTranslate(a + " " + b) != "t" + a + " t" + b) ++swapped;
  }
  EXPECT_GT(swapped, 10);
}

}  // namespace
}  // namespace parley::lines
