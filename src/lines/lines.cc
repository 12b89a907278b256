#include "lines/lines.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/words.h"
#include "lines/measure.h"

namespace parley::lines {

namespace {

using engine::ForwardedWord;
using engine::WordKind;

// A hypothesis word belongs to the tentative tail when it starts at or after the end of the
// line's last committed word minus this much (recognizers re-time words by a few ms).
constexpr double kTentativeSlack = 0.01;
// Result ids remembered as finalized (late events for them are ignored), as the engine does.
constexpr std::size_t kFinalizedKept = 256;
// Results whose hypothesis or closed-line boundary is remembered (the engine keeps 32 open).
constexpr std::size_t kResultsKept = 64;
// Finals of results without a line, waiting for the engine's final segment (which follows at once).
constexpr std::size_t kPendingFinalsKept = 32;
// Lines remembered as finished by a LineView (a later update for one of them is ignored).
constexpr std::size_t kFinishedKept = 256;
// Revisions of an open line kept for its token time to stable; a line revised more often than
// this (a result that runs on without a final) is not measured.
constexpr std::size_t kHistoryKept = 512;

engine::Word asWord(const ForwardedWord& w) { return {w.text, w.start, w.end, w.kind, {}, {}, {}}; }

ForwardedWord asForwarded(const engine::Word& w) { return {w.text, w.start, w.end, w.kind}; }

bool endsClauseOrSentence(const ForwardedWord& w) {
  const engine::Word word = asWord(w);
  return engine::endsSentence(word) || engine::endsClause(word);
}

bool isWord(const ForwardedWord& w) { return w.kind == WordKind::kWord && !w.text.empty(); }

int countWords(const std::vector<ForwardedWord>& words) {
  int n = 0;
  for (const auto& w : words) n += isWord(w) ? 1 : 0;
  return n;
}

// A line with these words takes no further words: max_line_words, or a clause or sentence end
// from min_split_words on.
bool lineFull(const LineConfig& c, const std::vector<ForwardedWord>& words) {
  if (words.empty()) return false;
  const int n = countWords(words);
  return n >= c.max_line_words || (n >= c.min_split_words && endsClauseOrSentence(words.back()));
}

bool sameWords(const std::vector<ForwardedWord>& a, const std::vector<ForwardedWord>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.text == y.text && x.start == y.start && x.end == y.end && x.kind == y.kind;
  });
}

void setTimes(SourceLine& line) {
  const auto& words =
      line.final && line.confirmed && !line.final_words.empty() ? line.final_words : line.committed;
  if (words.empty()) return;
  double start = words.front().start, end = words.front().end;
  for (const auto& w : words) {
    start = std::min(start, w.start);
    end = std::max(end, w.end);
  }
  line.audio_start = start;
  line.audio_end = end;
}

bool validTime(double t) { return std::isfinite(t) && t >= 0; }

// The events the engine rejects (docs/engine.md) are ignored here too.
bool validEvent(const engine::RecognizerEvent& ev) {
  if (ev.result_id.empty() || !validTime(ev.start) || !validTime(ev.end)) return false;
  if (ev.stability && !(*ev.stability >= 0 && *ev.stability <= 1)) return false;
  for (const auto& w : ev.words) {
    if (!validTime(w.start) || !validTime(w.end) || w.end < w.start) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& toks, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < toks.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out += toks[i];
  }
  return out;
}

std::string join(const std::vector<std::string>& toks) { return join(toks, toks.size()); }

std::size_t commonPrefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

bool startsWith(const std::vector<std::string>& toks, const std::vector<std::string>& prefix) {
  return commonPrefix(toks, prefix) == prefix.size();
}

bool endsClauseToken(const std::string& tok) {
  if (tok.empty()) return false;
  const char c = tok.back();
  return c == ',' || c == '.' || c == ';' || c == ':' || c == '?' || c == '!';
}

}  // namespace

// ---- config ------------------------------------------------------------------------------------

LineConfig lineConfigFrom(const engine::EngineConfig& config) {
  LineConfig c;
  c.policy = config.line_policy;
  c.mask_k = config.line_mask_k;
  c.min_split_words = config.line_min_split_words;
  c.max_line_words = config.line_max_words;
  c.speak_min_words = config.speak_min_words;
  return c;
}

std::vector<std::string> LineConfig::validate() const {
  std::vector<std::string> problems;
  auto range = [&](const char* key, int v, int lo, int hi) {
    if (v < lo || v > hi) {
      problems.push_back(std::string("lines.") + key + " must be in [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "] (got " + std::to_string(v) + ")");
    }
  };
  range("mask_k", mask_k, 0, 10);
  range("min_split_words", min_split_words, 1, 100);
  range("max_line_words", max_line_words, 1, 100);
  range("speak_min_words", speak_min_words, 1, 50);
  if (max_line_words < min_split_words) {
    problems.push_back("lines.max_line_words must be >= lines.min_split_words (got " +
                       std::to_string(max_line_words) + " < " + std::to_string(min_split_words) +
                       ")");
  }
  return problems;
}

// ---- SourceLine --------------------------------------------------------------------------------

std::string SourceLine::text() const {
  return engine::joinWords(final && confirmed ? final_words : committed);
}

std::string SourceLine::textWithTentative() const {
  std::vector<ForwardedWord> all = committed;
  all.insert(all.end(), tentative.begin(), tentative.end());
  return engine::joinWords(all);
}

std::vector<std::string> tokens(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < text.size()) {
    while (i < text.size() && space(text[i])) ++i;
    std::size_t j = i;
    while (j < text.size() && !space(text[j])) ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

// ---- LineTracker -------------------------------------------------------------------------------

LineTracker::LineTracker(LineConfig config) : config_(std::move(config)) {}

LineTracker::Line* LineTracker::openLine(const std::string& result_id, double start) {
  Line l;
  l.line.line = next_line_++;
  l.line.result_id = result_id;
  l.line.audio_start = start;
  l.line.audio_end = start;
  l.config = config_;  // a settings change applies from the next line
  open_.push_back(std::move(l));
  return &open_.back();
}

LineTracker::Line* LineTracker::acceptingLine(const std::string& result_id) {
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
    if (it->line.result_id == result_id) return it->closed_for_commits ? nullptr : &*it;
  }
  return nullptr;
}

LineTracker::ResultState* LineTracker::findResult(const std::string& result_id) {
  for (auto& r : results_) {
    if (r.id == result_id) return &r;
  }
  return nullptr;
}

LineTracker::ResultState& LineTracker::result(const std::string& result_id) {
  if (auto* r = findResult(result_id)) return *r;
  if (results_.size() >= kResultsKept) {
    // Forget the oldest result that has no open line (a result with lines keeps its state).
    auto victim = std::find_if(results_.begin(), results_.end(), [&](const ResultState& r) {
      return std::none_of(open_.begin(), open_.end(),
                          [&](const Line& l) { return l.line.result_id == r.id; });
    });
    results_.erase(victim != results_.end() ? victim : results_.begin());
  }
  results_.push_back({result_id, {}, false, 0});
  return results_.back();
}

void LineTracker::forgetResult(const std::string& result_id) {
  results_.erase(std::remove_if(results_.begin(), results_.end(),
                                [&](const ResultState& r) { return r.id == result_id; }),
                 results_.end());
}

bool LineTracker::isFinalized(const std::string& result_id) const {
  return std::find(finalized_.begin(), finalized_.end(), result_id) != finalized_.end();
}

void LineTracker::markFinalized(const std::string& result_id) {
  if (finalized_.size() < kFinalizedKept) {
    finalized_.push_back(result_id);
  } else {
    finalized_[finalized_head_] = result_id;
    finalized_head_ = (finalized_head_ + 1) % kFinalizedKept;
  }
}

std::vector<SourceLine> LineTracker::linesOf(const std::vector<long long>& numbers) const {
  std::vector<SourceLine> out;
  for (const auto& l : open_) {
    if (std::find(numbers.begin(), numbers.end(), l.line.line) != numbers.end()) {
      out.push_back(l.line);
    }
  }
  return out;
}

// The tentative tail of the result's line that takes commits: the newest hypothesis's words
// from the end of its last committed word on. True when it changed.
bool LineTracker::refreshTentative(const std::string& result_id) {
  Line* line = acceptingLine(result_id);
  if (!line || line->line.committed.empty()) return false;
  std::vector<ForwardedWord> tail;
  if (const ResultState* r = findResult(result_id)) {
    const auto& committed = line->line.committed;
    const double from = committed.back().end - kTentativeSlack;
    for (const auto& w : r->hypothesis) {
      if (w.start < from) continue;
      // An item the line already holds (the committed "," at its last word's end) is not new.
      const bool held = std::any_of(committed.begin(), committed.end(), [&](const auto& c) {
        return c.text == w.text && c.kind == w.kind && c.start == w.start && c.end == w.end;
      });
      if (!held) tail.push_back(asForwarded(w));
    }
  }
  if (sameWords(tail, line->line.tentative)) return false;
  line->line.tentative = std::move(tail);
  return true;
}

void LineTracker::appendCommitted(const std::string& result_id,
                                  const std::vector<ForwardedWord>& words,
                                  std::vector<long long>& changed) {
  auto mark = [&](long long n) {
    if (std::find(changed.begin(), changed.end(), n) == changed.end()) changed.push_back(n);
  };
  for (const auto& w : words) {
    Line* line = nullptr;
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
      if (it->line.result_id == result_id) {
        line = &*it;
        break;
      }
    }
    // Punctuation stays with the word before it, even on a full line.
    if (!line || (line->closed_for_commits && w.kind != WordKind::kPunct)) {
      line = openLine(result_id, w.start);
    }
    SourceLine& sl = line->line;
    if (sl.committed.empty()) sl.audio_start = w.start;
    sl.committed.push_back(w);
    setTimes(sl);
    if (lineFull(line->config, sl.committed) && !line->closed_for_commits) {
      line->closed_for_commits = true;
      sl.tentative.clear();  // the hypothesis beyond it belongs to the next line
    }
    mark(sl.line);
  }
}

std::vector<SourceLine> LineTracker::onEvent(const engine::RecognizerEvent& event) {
  if (!validEvent(event) || isFinalized(event.result_id)) return {};
  if (event.is_partial) {
    result(event.result_id).hypothesis = event.words;
    if (!refreshTentative(event.result_id)) return {};
    return {acceptingLine(event.result_id)->line};
  }
  const ResultState* state = findResult(event.result_id);
  const bool has_lines = std::any_of(open_.begin(), open_.end(), [&](const Line& l) {
    return l.line.result_id == event.result_id;
  });
  if (!has_lines && !(state && state->has_closed)) {
    // No line yet: its lines come with the engine's final segment, which holds every word of
    // the final (none when the engine suppresses the result as a duplicate: no line then).
    forgetResult(event.result_id);
    markFinalized(event.result_id);
    if (pending_finals_.size() >= kPendingFinalsKept)
      pending_finals_.erase(pending_finals_.begin());
    pending_finals_.push_back(event.result_id);
    return {};
  }
  return closeResult(event.result_id, &event.words);
}

std::vector<SourceLine> LineTracker::onSegment(const engine::Segment& segment) {
  const std::string& id = segment.result_id;
  if (id.empty()) return {};
  if (segment.kind == engine::SegmentKind::kFinal) {
    auto pending = std::find(pending_finals_.begin(), pending_finals_.end(), id);
    if (pending != pending_finals_.end()) {
      pending_finals_.erase(pending);
      return newFinalLines(id, segment.words);
    }
    if (isFinalized(id)) return {};
  }
  std::vector<long long> changed;
  appendCommitted(id, segment.words, changed);
  switch (segment.kind) {
    case engine::SegmentKind::kPartial:
    case engine::SegmentKind::kTimeout:
    case engine::SegmentKind::kOverflow: {
      if (refreshTentative(id)) {
        const long long n = acceptingLine(id)->line.line;
        if (std::find(changed.begin(), changed.end(), n) == changed.end()) changed.push_back(n);
      }
      return linesOf(changed);
    }
    case engine::SegmentKind::kOrphan:
    case engine::SegmentKind::kFinal: {
      // A final segment without the final event (a caller that skipped onEvent) closes as an
      // orphan does: the final's words are not known here.
      auto out = closeUnconfirmed(id);
      // The engine will ignore later events of a result it closed for good.
      if (segment.kind == engine::SegmentKind::kFinal || segment.reason != "orphan") {
        markFinalized(id);
        forgetResult(id);
      }
      return out;
    }
  }
  return linesOf(changed);
}

std::vector<SourceLine> LineTracker::closeUnconfirmed(const std::string& result_id) {
  std::vector<SourceLine> out;
  double until = -std::numeric_limits<double>::infinity();
  for (auto& l : open_) {
    if (l.line.result_id != result_id) continue;
    l.line.final = true;
    l.line.confirmed = false;
    l.line.tentative.clear();
    for (const auto& w : l.line.committed) until = std::max(until, w.end);
    out.push_back(l.line);
  }
  if (out.empty()) return out;
  open_.erase(std::remove_if(open_.begin(), open_.end(),
                             [&](const Line& l) { return l.line.result_id == result_id; }),
              open_.end());
  ResultState& r = result(result_id);
  r.hypothesis.clear();
  if (std::isfinite(until)) {
    r.closed_until = r.has_closed ? std::max(r.closed_until, until) : until;
    r.has_closed = true;
  }
  return out;
}

std::vector<SourceLine> LineTracker::closeResult(const std::string& result_id,
                                                 const std::vector<engine::Word>* final_words) {
  std::vector<Line*> lines;
  for (auto& l : open_) {
    if (l.line.result_id == result_id) lines.push_back(&l);
  }
  const ResultState* state = findResult(result_id);
  const bool has_closed = state && state->has_closed;
  const double closed_until = has_closed ? state->closed_until : 0;

  // Where each final item goes: a line index, kNew (a new line after the last) or kDropped
  // (it belongs to lines already closed unconfirmed).
  constexpr int kNew = -1, kDropped = -2;
  const std::vector<engine::Word> empty;
  const std::vector<engine::Word>& words = final_words ? *final_words : empty;
  std::vector<int> where(words.size(), kNew);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const engine::Word& w = words[i];
    if (w.kind == WordKind::kPunct && i > 0) {
      where[i] = where[i - 1];
      continue;
    }
    const double mid = (w.start + w.end) / 2;
    if (has_closed && mid <= closed_until) {
      where[i] = kDropped;
      continue;
    }
    if (lines.empty()) continue;  // kNew
    int k = 0;
    for (std::size_t j = 1; j < lines.size(); ++j) {
      if (mid >= lines[j]->line.committed.front().start) k = static_cast<int>(j);
    }
    const Line& last = *lines.back();
    if (k + 1 == static_cast<int>(lines.size()) && last.closed_for_commits &&
        mid > last.line.committed.back().end) {
      continue;  // after a full last line: new lines
    }
    where[i] = k;
  }

  std::vector<SourceLine> out;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    SourceLine& sl = lines[k]->line;
    sl.final = true;
    sl.confirmed = true;
    sl.tentative.clear();
    sl.final_words.clear();
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (where[i] == static_cast<int>(k)) sl.final_words.push_back(asForwarded(words[i]));
    }
    setTimes(sl);
    out.push_back(sl);
  }
  open_.erase(std::remove_if(open_.begin(), open_.end(),
                             [&](const Line& l) { return l.line.result_id == result_id; }),
              open_.end());

  // Words after the last line: new lines.
  std::vector<ForwardedWord> rest;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (where[i] == kNew) rest.push_back(asForwarded(words[i]));
  }
  auto more = newFinalLines(result_id, rest);
  out.insert(out.end(), more.begin(), more.end());

  forgetResult(result_id);
  markFinalized(result_id);
  return out;
}

// Final words that no line holds make new lines, final and confirmed, split by the same rule as
// committed words.
std::vector<SourceLine> LineTracker::newFinalLines(const std::string& result_id,
                                                   const std::vector<ForwardedWord>& words) {
  std::vector<SourceLine> out;
  std::vector<ForwardedWord> current;
  auto flush = [&] {
    if (current.empty()) return;
    SourceLine sl;
    sl.line = next_line_++;
    sl.result_id = result_id;
    sl.final = true;
    sl.confirmed = true;
    sl.final_words = std::move(current);
    current.clear();
    setTimes(sl);
    out.push_back(std::move(sl));
  };
  for (const auto& w : words) {
    if (lineFull(config_, current) && w.kind != WordKind::kPunct) flush();
    current.push_back(w);
  }
  flush();
  return out;
}

std::vector<SourceLine> LineTracker::finish() {
  std::vector<SourceLine> out;
  for (auto& l : open_) {
    l.line.final = true;
    l.line.confirmed = false;
    l.line.tentative.clear();
    out.push_back(l.line);
  }
  open_.clear();
  results_.clear();
  return out;
}

// ---- LineView ----------------------------------------------------------------------------------

LineView::LineView(LineConfig config, TranslateFn translate)
    : config_(std::move(config)), translate_(std::move(translate)) {}

void LineView::setConfig(const LineConfig& config) { config_ = config; }
void LineTracker::setConfig(const LineConfig& config) { config_ = config; }

std::optional<std::string> LineView::translateText(std::string_view source) {
  if (!translate_ || source.empty()) return join(tokens(source));
  ++stats_.translations;
  stats_.translated_chars += static_cast<long long>(source.size());
  auto r = translate_(source);
  if (!r.ok()) return std::nullopt;
  return join(tokens(*r));
}

bool LineView::finishedRecently(long long line) const {
  return std::find(finished_.begin(), finished_.end(), line) != finished_.end();
}

Revision LineView::numbered(State& state, Revision rev) {
  // Erasure as the bench measures it (lines/measure.h): comparison tokens taken back.
  rev.erased_tokens =
      static_cast<int>(erasedTokens({comparisonTokens(state.shown), comparisonTokens(rev.text)}));
  rev.rev = ++state.rev;
  if (rev.rev == 1) ++stats_.lines;
  ++stats_.revisions;
  stats_.erased_tokens += rev.erased_tokens;
  if (!rev.speak.empty()) ++stats_.spoken_pieces;
  if (rev.untranslated) ++stats_.untranslated;
  state.shown = rev.text;
  state.stable_chars = rev.stable_chars;
  if (state.history.size() < kHistoryKept) state.history.push_back({now_, rev.text});
  return rev;
}

std::optional<Revision> LineView::update(const SourceLine& line, double now) {
  now_ = now;
  if (finishedRecently(line.line)) return std::nullopt;
  auto it = std::find_if(states_.begin(), states_.end(),
                         [&](const auto& s) { return s.first == line.line; });
  if (it == states_.end()) {
    states_.emplace_back(line.line, State{});
    states_.back().second.config = config_;  // a settings change applies from the next line
    it = states_.end() - 1;
  }
  State& s = it->second;

  Revision rev;
  rev.line = line.line;
  rev.final = line.final;
  rev.confirmed = line.final && line.confirmed;
  rev.source_text = line.text();
  rev.audio_start = line.audio_start;
  rev.audio_end = line.audio_end;

  if (line.final) {
    Revision out = finalRevision(s, std::move(rev), line);
    if (finished_.size() < kFinishedKept) {
      finished_.push_back(line.line);
    } else {
      finished_[finished_head_] = line.line;
      finished_head_ = (finished_head_ + 1) % kFinishedKept;
    }
    states_.erase(it);
    return out;
  }

  // The translation of the committed text (translated again only when it changed).
  const std::string& source = rev.source_text;
  if (!s.have_last || source != s.last_source) {
    auto tr = translateText(source);
    if (!tr) {
      // Untranslated: shown in the source language while nothing is settled; once something is
      // settled the last translated revision stays (the settled text is a promise).
      if (!s.settled.empty()) {
        ++stats_.untranslated;
        return std::nullopt;
      }
      rev.untranslated = true;
      rev.text = join(tokens(source));
      rev.stable_chars = 0;
      if (rev.text == s.shown && s.stable_chars == 0) {
        ++stats_.untranslated;
        return std::nullopt;
      }
      return numbered(s, std::move(rev));
    }
    s.prev_translation = std::move(s.last_translation);
    s.have_prev = s.have_last;
    s.last_translation = std::move(*tr);
    s.last_source = source;
    s.have_last = true;
  }
  const std::vector<std::string> committed = tokens(s.last_translation);

  std::vector<std::string> display;
  const LineConfig& config = s.config;
  switch (config.policy) {
    case DisplayPolicy::kNone:
      display = committed;
      break;
    case DisplayPolicy::kMaskK: {
      const std::size_t hide = std::min(committed.size(), static_cast<std::size_t>(config.mask_k));
      display.assign(committed.begin(), committed.end() - static_cast<long>(hide));
      break;
    }
    case DisplayPolicy::kAgree: {
      const std::string with_tail = line.textWithTentative();
      std::optional<std::string> tail_translation;
      if (!line.tentative.empty() && with_tail != source) {
        if (with_tail == s.tentative_source) {
          tail_translation = s.tentative_translation;
        } else if ((tail_translation = translateText(with_tail))) {
          s.tentative_source = with_tail;
          s.tentative_translation = *tail_translation;
        }
      }
      if (tail_translation) {
        const auto other = tokens(*tail_translation);
        display.assign(committed.begin(),
                       committed.begin() + static_cast<long>(commonPrefix(committed, other)));
      } else {
        // No tentative tail (or its translation failed): the last token may still change with
        // the next word, unless the committed words end a clause or sentence or the line is
        // full (max_line_words: no word will be added to it).
        const bool complete =
            !line.committed.empty() && (endsClauseOrSentence(line.committed.back()) ||
                                        countWords(line.committed) >= config.max_line_words);
        display = committed;
        if (!display.empty() && !complete) display.pop_back();
      }
      break;
    }
  }
  // The settled prefix is a promise: a display that would change it shows only it.
  if (!startsWith(display, s.settled)) display = s.settled;
  std::size_t stable = s.have_prev ? commonPrefix(display, tokens(s.prev_translation)) : 0;
  stable = std::max(stable, s.settled.size());
  s.settled.assign(display.begin(), display.begin() + static_cast<long>(stable));

  rev.text = join(display);
  rev.stable_chars = join(display, stable).size();

  // Speech: settled tokens not spoken yet, once there are enough or they end a clause.
  if (s.settled.size() > s.spoken_tokens) {
    const std::size_t unspoken = s.settled.size() - s.spoken_tokens;
    if (unspoken >= static_cast<std::size_t>(config.speak_min_words) ||
        endsClauseToken(s.settled.back())) {
      std::vector<std::string> piece(s.settled.begin() + static_cast<long>(s.spoken_tokens),
                                     s.settled.end());
      rev.speak = join(piece);
      s.spoken_text += (s.spoken_text.empty() ? "" : " ") + rev.speak;
      s.spoken_tokens = s.settled.size();
    }
  }
  if (rev.text == s.shown && rev.stable_chars == s.stable_chars && rev.speak.empty()) {
    return std::nullopt;
  }
  return numbered(s, std::move(rev));
}

Revision LineView::finalRevision(State& s, Revision rev, const SourceLine& line) {
  const std::string& source = rev.source_text;
  std::optional<std::string> tr;
  if (s.have_last && source == s.last_source) {
    tr = s.last_translation;
  } else {
    tr = translateText(source);
  }
  if (!tr) {
    rev.untranslated = true;
    tr = join(tokens(source));
  }
  const std::vector<std::string> final_tokens = tokens(*tr);
  rev.text = join(final_tokens);
  rev.stable_chars = rev.text.size();
  stats_.final_tokens += static_cast<long long>(comparisonTokens(rev.text).size());

  rev.settled_changed = !startsWith(final_tokens, s.settled);
  if (rev.settled_changed) ++stats_.settled_changes;

  const std::vector<std::string> spoken = tokens(s.spoken_text);
  if (spoken.size() <= final_tokens.size()) {
    rev.spoken_mismatch = !startsWith(final_tokens, spoken);
    std::vector<std::string> rest(final_tokens.begin() + static_cast<long>(spoken.size()),
                                  final_tokens.end());
    rev.speak = join(rest);
  } else {
    rev.spoken_mismatch = true;  // more was spoken than the final has: nothing left to say
  }
  if (rev.spoken_mismatch) ++stats_.spoken_mismatches;
  s.done = true;
  Revision out = numbered(s, std::move(rev));
  // Token time to stable, when every revision of the line was kept.
  if (s.history.size() < kHistoryKept) {
    std::vector<double> ends;
    for (const auto& w : line.confirmed ? line.final_words : line.committed) {
      if (!core::normalizeWord(w.text).empty()) ends.push_back(w.end);
    }
    out.time_to_stable = measureRevisions(s.history, ends).time_to_stable;
  }
  return out;
}

}  // namespace parley::lines
