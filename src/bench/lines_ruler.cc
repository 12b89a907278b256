#include "bench/lines_ruler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

#include "bench/metrics.h"
#include "bench/runner.h"
#include "core/words.h"
#include "replay/replay.h"

namespace parley::bench {

namespace {

std::string lowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

void appendText(std::string& to, const std::string& text) {
  if (text.empty()) return;
  if (!to.empty()) to.push_back(' ');
  to += text;
}

// Audio end times of a line's source words, gold where the corpus has them: a recognizer word
// that finalTokens() aligned with a gold word gets the gold end.
class EndTimes {
 public:
  explicit EndTimes(const CorpusItem& item) {
    const auto words = finalWords(item);
    const auto tokens = finalTokens(item);
    std::size_t k = 0;
    for (const auto& w : words) {
      std::string t = core::normalizeWord(w.text);
      if (t.empty()) continue;
      if (k < tokens.size()) gold_[{t, key(w.end)}] = tokens[k++].end;
    }
  }
  std::vector<double> of(const std::vector<engine::ForwardedWord>& words) const {
    std::vector<double> out;
    for (const auto& w : words) {
      std::string t = core::normalizeWord(w.text);
      if (t.empty()) continue;  // punctuation
      auto it = gold_.find({t, key(w.end)});
      out.push_back(it != gold_.end() ? it->second : w.end);
    }
    return out;
  }

 private:
  static long long key(double end) { return std::llround(end * 1000.0); }
  std::map<std::pair<std::string, long long>, double> gold_;
};

// What one lane made of one line.
struct LineRecord {
  std::string result_id;
  std::vector<lines::ShownText> shown;
  std::vector<double> source_ends;
  std::string final_text;
  bool final = false;
  struct Piece {
    double t = 0;
    std::size_t first_token = 1;  // 1-based, in the line's text (space-separated tokens)
  };
  std::vector<Piece> pieces;
  std::size_t spoken_tokens = 0;
};

// Counts a lane's translator use.
struct CountingTranslator {
  const RulerTranslateFn& translate;
  long long calls = 0;
  long long chars = 0;
  double seconds = 0;
  core::Result<std::string> operator()(const std::string& text) {
    ++calls;
    chars += static_cast<long long>(text.size());
    TimedTranslation t = translate(text);
    seconds += t.seconds;
    if (!t.ok) return core::Error::unavailable("translation failed");
    return t.text;
  }
};

// Replays an item through the lane's engine settings (computation-aware timing).
replay::ReplayResult replayLane(const CorpusItem& item, const LineModeSpec& lane,
                                const replay::ReplayCallbacks& callbacks) {
  ModeSpec m;
  m.name = lane.name;
  m.mode = lane.mode;
  m.config = lane.config;
  replay::ReplayOptions opts;
  opts.config = lane.config;
  opts.mode = lane.mode;
  opts.session_id = item.name;
  opts.collect_segments = false;
  std::istringstream in(replayInput(item, m, false));
  return replay::replayTrace(in, opts, callbacks);
}

// Replays an item (computation-aware timing) and collects its lines in line order, and the
// spoken text.
struct ItemLines {
  std::vector<LineRecord> lines;
  std::string spoken;
  lines::LineStats stats;
};

ItemLines reviseItem(const CorpusItem& item, const LineModeSpec& lane, const EndTimes& ends,
                     CountingTranslator& mt) {
  ItemLines out;
  lines::LineTracker tracker(lane.lines);
  lines::LineView view(lane.lines, [&mt](std::string_view text) { return mt(std::string(text)); });
  std::map<long long, LineRecord> records;
  auto handle = [&](const std::vector<lines::SourceLine>& updated, double t) {
    for (const auto& l : updated) {
      auto rev = view.update(l);
      if (!rev) continue;
      LineRecord& rec = records[l.line];
      rec.result_id = l.result_id;
      rec.shown.push_back({t, rev->text});
      if (!rev->speak.empty()) {
        rec.pieces.push_back({t, rec.spoken_tokens + 1});
        rec.spoken_tokens += lines::tokens(rev->speak).size();
        appendText(out.spoken, rev->speak);
      }
      if (rev->final) {
        rec.final = true;
        rec.final_text = rev->text;
        rec.source_ends = ends.of(l.confirmed ? l.final_words : l.committed);
      }
    }
  };
  replay::ReplayCallbacks cb;
  cb.on_event = [&](const engine::RecognizerEvent& e, double t) { handle(tracker.onEvent(e), t); };
  cb.on_segment = [&](const engine::Segment& s) { handle(tracker.onSegment(s), s.emitted_at); };
  const replay::ReplayResult r = replayLane(item, lane, cb);
  handle(tracker.finish(), r.end_time);
  for (auto& [n, rec] : records) out.lines.push_back(std::move(rec));
  out.stats = view.stats();
  return out;
}

ItemLines appendItem(const CorpusItem& item, const LineModeSpec& lane, const EndTimes& ends,
                     CountingTranslator& mt) {
  ItemLines out;
  std::vector<std::string> order;  // result ids in order of their first segment
  std::map<std::string, LineRecord> records;
  std::map<std::string, std::vector<engine::ForwardedWord>> words;
  replay::ReplayCallbacks cb;
  cb.on_segment = [&](const engine::Segment& s) {
    if (s.text.empty()) return;
    auto tr = mt(s.text);
    const std::string piece = tr.ok() ? *tr : s.text;
    auto [it, fresh] = records.try_emplace(s.result_id);
    if (fresh) order.push_back(s.result_id);
    LineRecord& rec = it->second;
    rec.result_id = s.result_id;
    rec.pieces.push_back({s.emitted_at, lines::tokens(rec.final_text).size() + 1});
    appendText(rec.final_text, piece);
    rec.shown.push_back({s.emitted_at, rec.final_text});
    appendText(out.spoken, piece);
    auto& w = words[s.result_id];
    w.insert(w.end(), s.words.begin(), s.words.end());
  };
  replayLane(item, lane, cb);
  for (const auto& id : order) {
    LineRecord& rec = records[id];
    rec.final = true;
    rec.source_ends = ends.of(words[id]);
    out.lines.push_back(std::move(rec));
  }
  return out;
}

}  // namespace

std::vector<LineModeSpec> lineModes(const engine::EngineConfig& parley_config,
                                    engine::Mode parley_mode) {
  std::vector<LineModeSpec> out;
  const ModeSpec fo = finalOnlyMode();
  out.push_back({"final-only",
                 "finals only, each translated once (append-only lane)",
                 fo.mode,
                 fo.config,
                 false,
                 {}});
  const ModeSpec rb = runbookMode();
  out.push_back({"runbook",
                 "the runbook's policy, segments translated once (append-only lane)",
                 rb.mode,
                 rb.config,
                 false,
                 {}});
  out.push_back({"append",
                 "parley's segments, each translated once (today's caption lane)",
                 parley_mode,
                 parley_config,
                 false,
                 {}});
  const lines::LineConfig defaults = lines::lineConfigFrom(parley_config);
  const bool revise_shipped = parley_config.caption_mode == engine::CaptionMode::kRevise;
  out.back().shipped = !revise_shipped;
  auto revise = [&](std::string name, std::string description, lines::LineConfig lc) {
    const bool shipped = revise_shipped && lc == defaults;
    out.push_back(
        {std::move(name), std::move(description), parley_mode, parley_config, true, lc, shipped});
  };
  // Every display policy with the speech rule at 2 and 4 settled words, then the line length.
  struct Policy {
    const char* name;
    lines::DisplayPolicy policy;
    int mask_k;
    const char* what;
  };
  const Policy policies[] = {
      {"none", lines::DisplayPolicy::kNone, 0, "the whole translation shown"},
      {"mask1", lines::DisplayPolicy::kMaskK, 1, "the last word hidden until final"},
      {"mask2", lines::DisplayPolicy::kMaskK, 2, "the last 2 words hidden until final"},
      {"mask3", lines::DisplayPolicy::kMaskK, 3, "the last 3 words hidden until final"},
      {"agree", lines::DisplayPolicy::kAgree, defaults.mask_k,
       "only the prefix two translations (with and without the tentative words) agree on"}};
  for (const auto& p : policies) {
    for (int speak : {2, 4}) {
      lines::LineConfig lc = defaults;
      lc.policy = p.policy;
      lc.mask_k = p.mask_k;
      lc.speak_min_words = speak;
      revise("revise-" + std::string(p.name) + "-s" + std::to_string(speak),
             std::string("lines re-translated, ") + p.what + "; speech from " +
                 std::to_string(speak) + " settled words",
             lc);
    }
  }
  for (int max_words : {8, 12, 20}) {
    if (max_words == defaults.max_line_words) continue;
    lines::LineConfig lc = defaults;
    lc.max_line_words = max_words;
    lc.min_split_words = std::min(lc.min_split_words, max_words);
    revise(
        "revise-default-max" + std::to_string(max_words),
        "the shipped line settings with lines of at most " + std::to_string(max_words) + " words",
        lc);
  }
  return out;
}

std::vector<FinalOnlyText> finalOnlyTranslations(const std::vector<const CorpusItem*>& items,
                                                 const RulerTranslateFn& translate) {
  std::vector<FinalOnlyText> out;
  const ModeSpec fo = finalOnlyMode();
  for (const auto* item : items) {
    FinalOnlyText t;
    for (const auto& s : replayItem(*item, fo, false)) {
      if (s.text.empty()) continue;
      TimedTranslation tr = translate(s.text);
      t.chars += static_cast<long long>(s.text.size());
      const std::string text = tr.ok ? tr.text : s.text;
      appendText(t.joined, text);
      t.results.emplace_back(s.result_id, text);
    }
    out.push_back(std::move(t));
  }
  return out;
}

LineFigures runLineMode(const std::vector<const CorpusItem*>& items,
                        const std::vector<FinalOnlyText>& final_only, const LineModeSpec& lane,
                        const std::string& group, const RulerTranslateFn& translate) {
  LineFigures f;
  f.mode = lane.name;
  f.group = group;
  f.shipped = lane.shipped;
  CountingTranslator mt{translate};
  std::vector<double> first, stable, speech;
  std::string finals_all, fo_all, spoken_all, unsplit, unsplit_fo;
  long long fo_chars = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const CorpusItem& item = *items[i];
    const EndTimes ends(item);
    ItemLines il =
        lane.revise ? reviseItem(item, lane, ends, mt) : appendItem(item, lane, ends, mt);
    ++f.items;
    f.settled_changes += il.stats.settled_changes;
    f.spoken_mismatches += il.stats.spoken_mismatches;
    std::map<std::string, int> lines_per_result;
    std::string item_finals;
    for (const auto& rec : il.lines) {
      ++f.lines;
      f.revisions += static_cast<long long>(rec.shown.size());
      ++lines_per_result[rec.result_id];
      appendText(item_finals, rec.final_text);
      const lines::TokenTimes tt = lines::measureRevisions(rec.shown, rec.source_ends);
      f.erased_tokens += tt.erased_tokens;
      f.final_tokens += tt.final_tokens;
      f.measured_tokens += static_cast<long long>(tt.first_display.size());
      first.insert(first.end(), tt.first_display.begin(), tt.first_display.end());
      stable.insert(stable.end(), tt.time_to_stable.begin(), tt.time_to_stable.end());
      const std::size_t n = lines::tokens(rec.final_text).size();
      for (const auto& p : rec.pieces) {
        ++f.spoken_pieces;
        if (rec.source_ends.empty() || n == 0) continue;
        speech.push_back(p.t -
                         lines::referenceTime(rec.source_ends, std::min(p.first_token, n), n));
      }
    }
    for (const auto& [id, count] : lines_per_result) {
      ++f.results;
      if (count > 1) {
        ++f.split_results;
        continue;
      }
      for (const auto& rec : il.lines) {
        if (rec.result_id != id) continue;
        for (const auto& [fo_id, fo_text] : final_only[i].results) {
          if (fo_id != id) continue;
          appendText(unsplit, rec.final_text);
          appendText(unsplit_fo, fo_text);
        }
      }
    }
    appendText(finals_all, item_finals);
    appendText(fo_all, final_only[i].joined);
    appendText(spoken_all, il.spoken);
    fo_chars += final_only[i].chars;
  }
  f.first_display = core::summarize(first);
  f.time_to_stable = core::summarize(stable);
  f.speech_start = core::summarize(speech);
  f.normalized_erasure = f.final_tokens > 0 ? static_cast<double>(f.erased_tokens) /
                                                  static_cast<double>(f.final_tokens)
                                            : 0;
  // Case-insensitive, as the segment figures (each piece is capitalised for MT on its own).
  f.final_chrf = chrF(lowerAscii(finals_all), lowerAscii(fo_all));
  if (!unsplit_fo.empty()) f.final_chrf_unsplit = chrF(lowerAscii(unsplit), lowerAscii(unsplit_fo));
  f.spoken_chrf = chrF(lowerAscii(spoken_all), lowerAscii(fo_all));
  f.mt_calls = mt.calls;
  f.mt_chars = mt.chars;
  f.mt_chars_ratio =
      fo_chars > 0 ? static_cast<double>(mt.chars) / static_cast<double>(fo_chars) : -1;
  f.mt_seconds_per_item = f.items > 0 ? mt.seconds / static_cast<double>(f.items) : 0;
  return f;
}

std::vector<LineTargetCheck> checkLineTargets(const LineFigures& f) {
  std::vector<LineTargetCheck> out;
  out.push_back(
      {"time_to_stable_p50", "<= 1.2 s", f.time_to_stable.p50, f.time_to_stable.p50 <= 1.2});
  out.push_back(
      {"time_to_stable_p95", "<= 2.0 s", f.time_to_stable.p95, f.time_to_stable.p95 <= 2.0});
  out.push_back({"first_display_p50", "<= 0.6 s", f.first_display.p50, f.first_display.p50 <= 0.6});
  out.push_back(
      {"normalized_erasure", "<= 0.20", f.normalized_erasure, f.normalized_erasure <= 0.20});
  out.push_back({"final_line_chrf", ">= 0.97", f.final_chrf, f.final_chrf >= 0.97});
  if (f.final_chrf_unsplit >= 0) {
    out.push_back({"final_line_chrf_unsplit", "= 1.000", f.final_chrf_unsplit,
                   f.final_chrf_unsplit >= 0.9995});
  }
  out.push_back({"spoken_chrf", ">= 0.90", f.spoken_chrf, f.spoken_chrf >= 0.90});
  out.push_back({"speech_start_p50", "<= 1.5 s", f.speech_start.p50, f.speech_start.p50 <= 1.5});
  out.push_back({"mt_chars_ratio", "<= 4x final-only", f.mt_chars_ratio,
                 f.mt_chars_ratio >= 0 && f.mt_chars_ratio <= 4.0});
  return out;
}

std::string bestLineLane(const std::vector<LineFigures>& figures) {
  auto met = [](const LineFigures* f) {
    int n = 0;
    if (!f) return n;
    for (const auto& c : checkLineTargets(*f)) n += c.pass ? 1 : 0;
    return n;
  };
  auto find = [&](const std::string& mode, const char* group) -> const LineFigures* {
    for (const auto& f : figures) {
      if (f.mode == mode && f.group == group) return &f;
    }
    return nullptr;
  };
  std::string best;
  std::tuple<int, int, double> best_key{-1, -1, 0};
  for (const auto& f : figures) {
    if (f.group != "real") continue;
    const LineFigures* synth = find(f.mode, "synth");
    std::tuple<int, int, double> key{met(&f), met(synth), -f.time_to_stable.p50};
    if (best.empty() || key > best_key) {
      best = f.mode;
      best_key = key;
    }
  }
  return best;
}

}  // namespace parley::bench
