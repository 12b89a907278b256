// Caption lines: text for readers that is revised and corrected, and speech that is spoken only
// when settled. Pure (no clock, no threads, no I/O): the translation is a function passed in, so
// every behaviour is unit-tested and replayable from a trace. docs/lines.md has the rules.
//
// Two parts:
//  - LineTracker (one per session, source language): turns the recognizer's events and the
//    engine's segments into source lines. A line belongs to one recognizer result; a long result
//    is split into several lines at committed boundaries (clause or sentence end after
//    min_split_words, or max_line_words). A line holds the words the engine committed (forwarded)
//    for it, the newest hypothesis's tentative words beyond them, and, once the result's final
//    arrived, the final's words aligned to it (by audio time).
//  - LineView (one per session and language, the source language included with an identity
//    translation): translates each update of a source line, applies the display policy, numbers
//    revisions, computes the settled prefix (`stable_chars`), decides which pieces to speak, and
//    counts erasures and corrections.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/config.h"
#include "engine/types.h"
#include "lines/measure.h"

namespace parley::lines {

// What a listener sees of a line that is not final yet (a flag key, `line_policy`, so the type
// is the engine configuration's):
//   kNone:  the whole translation of the committed words
//   kMaskK: that translation without its last mask_k words
//   kAgree: only the prefix on which the translations of the committed words and of the
//           committed words plus the tentative tail agree (dynamic masking)
using DisplayPolicy = engine::LinePolicy;
inline const char* displayPolicyName(DisplayPolicy p) { return engine::linePolicyName(p); }
inline std::optional<DisplayPolicy> parseDisplayPolicy(std::string_view text) {
  return engine::parseLinePolicy(text);
}

// The defaults are the engine configuration's (the flag keys line_policy, line_mask_k,
// line_min_split_words, line_max_words, speak_min_words), chosen from the bench's figures.
struct LineConfig {
  DisplayPolicy policy = engine::EngineConfig{}.line_policy;
  int mask_k = engine::EngineConfig{}.line_mask_k;  // kMaskK: words hidden at the end of a
                                                    // non-final translation, 0..10
  // A line may close at a clause or sentence end from this many words.
  int min_split_words = engine::EngineConfig{}.line_min_split_words;
  // A line closes at this many committed words regardless, >= min_split_words.
  int max_line_words = engine::EngineConfig{}.line_max_words;
  // Settled, unspoken words needed to speak a piece (a settled clause or sentence end speaks at
  // once), 1..50.
  int speak_min_words = engine::EngineConfig{}.speak_min_words;
  // Every problem with the key name and range ("lines.mask_k must be in [0, 10] (got 11)").
  std::vector<std::string> validate() const;
  bool operator==(const LineConfig&) const = default;
};

// One source line as the tracker knows it after an update.
struct SourceLine {
  long long line = 0;  // 1, 2, 3, ... per session, no gap
  std::string result_id;
  std::vector<engine::ForwardedWord> committed;  // forwarded by the engine, in order
  std::vector<engine::ForwardedWord> tentative;  // newest hypothesis beyond `committed`
  bool final = false;                            // no further update will come
  bool confirmed = false;  // final and closed by the recognizer's final (false: closed by an
                           // orphan segment or the end of the stream)
  std::vector<engine::ForwardedWord> final_words;  // final: the final's words aligned to it
  double audio_start = 0;
  double audio_end = 0;

  // The line's source text: the final words when final and confirmed, else the committed ones.
  std::string text() const;
  // Committed plus tentative words.
  std::string textWithTentative() const;
};

class LineTracker {
 public:
  explicit LineTracker(LineConfig config);

  // A recognizer event, given BEFORE the engine sees it. A partial hypothesis updates the
  // tentative tail of its result's open line (a changed line is returned only when its
  // tentative words changed). A final closes every line of its result: each gets its share of
  // the final's words (by audio time) and final = confirmed = true. A final of a result that has
  // no line yet (no partial was committed: final-only mode, or a final with no partials) makes
  // its lines when the engine forwards it (onSegment), so that a final the engine suppresses as
  // a duplicate makes none.
  std::vector<SourceLine> onEvent(const engine::RecognizerEvent& event);
  // An engine segment, given after the engine emitted it. Partial segments append their words
  // to the result's open line (opening a new line when the open one is full); the final
  // segment of a result whose final had no line makes one line per max_line_words of its
  // words, split at clause/sentence ends like committed words, final and confirmed; the final
  // segment of a result already closed by onEvent changes nothing; timeout and overflow segments
  // append like partial ones (the result goes on); orphan segments append their words and close
  // the result's lines unconfirmed.
  std::vector<SourceLine> onSegment(const engine::Segment& segment);
  // End of stream: every open line closes unconfirmed.
  std::vector<SourceLine> finish();
  // Live settings change: the line split applies to the lines opened after it.
  void setConfig(const LineConfig& config);

  long long linesOpened() const { return next_line_ - 1; }

 private:
  struct Line {
    SourceLine line;
    bool closed_for_commits = false;  // split: later commits go to the next line
    LineConfig config;                // the settings when the line opened
  };
  // What the tracker keeps of a result besides its lines.
  struct ResultState {
    std::string id;
    std::vector<engine::Word> hypothesis;  // newest partial hypothesis
    bool has_closed = false;               // some of its lines were closed unconfirmed
    double closed_until = 0;               // ... up to this audio time (their last word's end)
  };
  Line* openLine(const std::string& result_id, double start);
  std::vector<SourceLine> closeResult(const std::string& result_id,
                                      const std::vector<engine::Word>* final_words);
  std::vector<SourceLine> closeUnconfirmed(const std::string& result_id);
  std::vector<SourceLine> newFinalLines(const std::string& result_id,
                                        const std::vector<engine::ForwardedWord>& words);
  void appendCommitted(const std::string& result_id,
                       const std::vector<engine::ForwardedWord>& words,
                       std::vector<long long>& changed);
  bool refreshTentative(const std::string& result_id);
  Line* acceptingLine(const std::string& result_id);
  ResultState* findResult(const std::string& result_id);
  ResultState& result(const std::string& result_id);
  void forgetResult(const std::string& result_id);
  bool isFinalized(const std::string& result_id) const;
  void markFinalized(const std::string& result_id);
  std::vector<SourceLine> linesOf(const std::vector<long long>& numbers) const;

  LineConfig config_;
  long long next_line_ = 1;
  std::vector<Line> open_;              // lines not final yet, in line order
  std::vector<ResultState> results_;    // results with a hypothesis or closed lines, oldest first
  std::vector<std::string> finalized_;  // recently finalized result ids (late events ignored)
  std::size_t finalized_head_ = 0;
  std::vector<std::string> pending_finals_;  // finals of results without a line (see onSegment)
};

// Translates a line's source text into the view's language (prepared and tidied as captions
// are); an error leaves the line in the source language for that revision (counted).
using TranslateFn = std::function<core::Result<std::string>(std::string_view source_text)>;

// One revision of a line in one language: the `line` listener message.
struct Revision {
  long long line = 0;
  int rev = 0;                   // 1, 2, 3, ... per line
  std::string text;              // what to display now (policy applied; the whole text when final)
  std::size_t stable_chars = 0;  // bytes of `text` the server does not expect to change
  bool final = false;
  bool confirmed = false;  // final by the recognizer's final (not by a timeout or the end)
  std::string source_text;
  double audio_start = 0;
  double audio_end = 0;
  // Speech: a new piece of this line's translation to speak now (empty: nothing new). Pieces
  // of a line, in order, never overlap and never repeat; at the final the rest is spoken.
  std::string speak;
  // What this revision did (also summed in LineStats).
  int erased_tokens = 0;         // tokens of the previous revision's text beyond the common prefix
                                 // (comparison tokens, lines/measure.h)
  bool settled_changed = false;  // final revision changed text that had been marked stable
  bool spoken_mismatch = false;  // final translation differs from what was already spoken
  bool untranslated = false;     // the translation failed; text is the source
  // Final revision: per token of `text`, the seconds from its reference time to the moment it
  // settled on screen (lines/measure.h; the `now` of each update). Empty when the line had no
  // source word times or more revisions than are kept.
  std::vector<double> time_to_stable;
};

struct LineStats {
  long long lines = 0;  // lines that got at least one revision
  long long revisions = 0;
  long long erased_tokens = 0;
  long long final_tokens = 0;     // comparison tokens of final texts (erasure is erased / final)
  long long settled_changes = 0;  // finals that changed settled text
  long long spoken_pieces = 0;
  long long spoken_mismatches = 0;
  long long translations = 0;      // TranslateFn calls
  long long translated_chars = 0;  // bytes passed to TranslateFn
  long long untranslated = 0;
};

class LineView {
 public:
  // `translate` empty: identity (the source-language view).
  LineView(LineConfig config, TranslateFn translate);

  // The revision for this update of a source line, or nullopt when what a listener sees would
  // not change (same text, same stable_chars, not final, nothing new to speak).
  // `now`: when the revision is shown (session seconds), for the token time to stable.
  std::optional<Revision> update(const SourceLine& line, double now = 0);
  // Live settings change (a flag change): applies to the lines that start after it; a line keeps
  // the settings it started with, so that its revisions stay consistent.
  void setConfig(const LineConfig& config);
  const LineStats& stats() const { return stats_; }

 private:
  struct State {
    int rev = 0;
    std::string shown;              // text of the last revision
    std::size_t stable_chars = 0;   // of the last revision
    std::string last_translation;   // translation of the committed text at the last update
    std::size_t spoken_tokens = 0;  // tokens of the translation spoken so far
    std::string spoken_text;        // what was spoken, joined
    bool done = false;
    std::string last_source;  // the committed text `last_translation` translates
    bool have_last = false;
    std::string prev_translation;  // translation of the committed text before `last_source`
    bool have_prev = false;
    std::vector<std::string> settled;  // tokens of the settled (stable) prefix
    std::string tentative_source;      // kAgree: the last committed + tentative text translated
    std::string tentative_translation;
    std::vector<ShownText> history;  // revisions shown, for the token time to stable
    LineConfig config;               // the settings when the line started
  };
  // The translation of `source` (identity without a TranslateFn); nullopt when it failed.
  std::optional<std::string> translateText(std::string_view source);
  Revision finalRevision(State& state, Revision rev, const SourceLine& line);
  Revision numbered(State& state, Revision rev);
  bool finishedRecently(long long line) const;

  LineConfig config_;
  TranslateFn translate_;
  std::vector<std::pair<long long, State>> states_;  // open lines (finished ones are dropped)
  std::vector<long long> finished_;  // recently finished lines (a later update is ignored)
  std::size_t finished_head_ = 0;
  LineStats stats_;
  double now_ = 0;  // of the update being made
};

// The line settings of a session's configuration (the flag keys line_policy, line_mask_k,
// line_min_split_words, line_max_words, speak_min_words).
LineConfig lineConfigFrom(const engine::EngineConfig& config);

// Tokens of a display text (split on spaces), used for erasure, masking and speech.
std::vector<std::string> tokens(std::string_view text);

}  // namespace parley::lines
