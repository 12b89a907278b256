#include "engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>

namespace parley::engine {

namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr std::size_t kFinalizedIdsKept = 256;  // ids remembered to recognise late events
constexpr std::size_t kMaxOpenResults = 32;     // beyond this, the oldest open result is closed
constexpr double kDiscrepancyWarnPercent = 20.0;

// One position of the latest hypothesis of a result, with the engine's bookkeeping.
struct Slot {
  Word word;
  double first_seen = 0;     // engine time this text first appeared at this position
  double committed_at = -1;  // engine time it became committed; < 0 while uncommitted
  int agree = 0;  // consecutive hypotheses that showed this word here, same words before it
};

// Bounds Slot::agree (only comparisons with commit_min_hypotheses <= 5 matter).
constexpr int kMaxAgree = 1 << 20;

enum class Signal { kNone, kStableFlags, kStabilityScore, kTimeout, kLocalAgreement, kFrontier };

struct ResultState {
  std::string id;
  std::vector<Slot> slots;               // latest hypothesis
  std::vector<ForwardedWord> forwarded;  // every word forwarded for this result, in order
  std::size_t next = 0;                  // slots[next..] have not been forwarded
  std::vector<std::size_t> agreement;    // lcp of consecutive hypotheses, newest last
  std::size_t frontier_end = 0;          // frontier commit: slots[0..frontier_end) committed
  double last_update = 0;                // engine time of the last event for this result
  Signal signal = Signal::kNone;
  bool rate_deferred = false;  // forwarding was held back by the rate limit
  long long order = 0;         // creation order

  // End of the committed run that starts at the first unforwarded word.
  std::size_t committedEnd() const {
    std::size_t c = next;
    while (c < slots.size() && slots[c].committed_at >= 0) ++c;
    return c;
  }
};

std::uint64_t hashId(std::string_view s) { return std::hash<std::string_view>{}(s); }

bool sameText(const std::string& a, const std::string& b) { return a == b; }

std::string formatPercent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Aligns the forwarded words of a result with a hypothesis: returns the length j of the
// hypothesis prefix that best matches them (minimum word-level Levenshtein distance, ties to
// the longer prefix) and that distance.
std::pair<std::size_t, std::size_t> alignForwarded(const std::vector<ForwardedWord>& fwd,
                                                   const std::vector<Slot>& hyp) {
  const std::size_t k = fwd.size();
  const std::size_t n = hyp.size();
  std::vector<std::size_t> prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= k; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      std::size_t sub = prev[j - 1] + (sameText(fwd[i - 1].text, hyp[j - 1].word.text) ? 0 : 1);
      cur[j] = std::min({sub, prev[j] + 1, cur[j - 1] + 1});
    }
    std::swap(prev, cur);
  }
  std::size_t best_j = 0;
  for (std::size_t j = 1; j <= n; ++j) {
    if (prev[j] <= prev[best_j]) best_j = j;
  }
  return {best_j, prev[best_j]};
}

std::string hypothesisText(const ResultState& r) {
  std::string text;
  for (const auto& s : r.slots) {
    if (!text.empty() && s.word.kind != WordKind::kPunct) text.push_back(' ');
    text += s.word.text;
  }
  return text;
}

bool validTime(double t) { return std::isfinite(t) && t >= 0; }

}  // namespace

double EngineStats::partialToFinalRatio() const {
  return final_events == 0
             ? 0.0
             : static_cast<double>(partial_events) / static_cast<double>(final_events);
}

struct Engine::Impl {
  std::string session_id;
  EngineConfig cfg;
  Mode mode;
  bool fallback = false;  // recognizer-health fallback active
  bool warned_stability = false;
  bool warned_rate = false;
  EngineStats stats;

  long long seq = 0;
  long long result_order = 0;
  std::vector<ResultState> open;  // results without a final yet

  std::vector<std::uint64_t> finalized;  // ring of hashes of finalized result ids
  std::size_t finalized_head = 0;

  std::vector<double> emit_times;  // ring of recent partial-segment emission times
  std::size_t emit_head = 0;

  struct DedupEntry {
    std::string normalized;
    std::string result_id;
    double at;
  };
  std::deque<DedupEntry> dedup;

  double audio_frontier = 0;       // audio received (audio updates, event ends)
  double recognizer_frontier = 0;  // audio the recognizer has processed (event ends)
  bool audio_seen = false;
  double last_event_at = 0;  // engine time of the last recognizer event (or first audio)
  bool any_event = false;

  Impl(std::string sid, EngineConfig c, Mode m)
      : session_id(std::move(sid)), cfg(std::move(c)), mode(m) {}

  bool partialMode() const { return mode == Mode::kPartial && !fallback; }

  void notice(Output& out, core::log::Level level, std::string event, std::string message,
              std::vector<core::log::Field> fields = {}) {
    core::log::Record r;
    r.level = level;
    r.event = std::move(event);
    r.session_id = session_id;
    r.message = std::move(message);
    r.fields = std::move(fields);
    out.notices.push_back(std::move(r));
  }

  // ---- finalized ids -------------------------------------------------------------------------
  bool isFinalized(std::string_view id) const {
    std::uint64_t h = hashId(id);
    return std::find(finalized.begin(), finalized.end(), h) != finalized.end();
  }
  void markFinalized(std::string_view id) {
    std::uint64_t h = hashId(id);
    if (finalized.size() < kFinalizedIdsKept) {
      finalized.push_back(h);
    } else {
      finalized[finalized_head] = h;
      finalized_head = (finalized_head + 1) % kFinalizedIdsKept;
    }
  }

  // ---- rate limit ------------------------------------------------------------------------------
  std::size_t rateCap() const { return static_cast<std::size_t>(cfg.max_rate_per_second); }
  bool rateAllows(double now) const {
    if (emit_times.size() < rateCap()) return true;
    return emit_times[emit_head] <= now - 1.0;  // the oldest of the last N is over a second old
  }
  double rateReleaseTime() const {
    if (emit_times.size() < rateCap()) return -kNever;
    return emit_times[emit_head] + 1.0;
  }
  void recordEmit(double now) {
    if (emit_times.size() < rateCap()) {
      emit_times.push_back(now);
      emit_head = 0;
      return;
    }
    emit_times[emit_head] = now;
    emit_head = (emit_head + 1) % emit_times.size();
  }

  // ---- emission --------------------------------------------------------------------------------
  // Forwards slots[r.next .. end) of `r` as one segment.
  void emit(ResultState& r, std::size_t end, SegmentKind kind, std::string reason, double now,
            Output& out) {
    if (end <= r.next) return;
    Segment s;
    s.session_id = session_id;
    s.result_id = r.id;
    s.kind = kind;
    s.reason = std::move(reason);
    s.emitted_at = now;
    s.words.reserve(end - r.next);
    for (std::size_t i = r.next; i < end; ++i) {
      const Word& w = r.slots[i].word;
      s.words.push_back({w.text, w.start, w.end, w.kind});
    }
    r.forwarded.insert(r.forwarded.end(), s.words.begin(), s.words.end());
    r.next = end;
    r.rate_deferred = false;
    s.text = joinWords(s.words);
    s.audio_start = s.words.front().start;
    s.audio_end = s.words.back().end;
    if (kind == SegmentKind::kPartial || kind == SegmentKind::kTimeout) recordEmit(now);
    pushSegment(std::move(s), out);
  }

  void pushSegment(Segment s, Output& out) {
    s.seq = ++seq;
    ++stats.segments;
    ++stats.segments_by_kind[static_cast<int>(s.kind)];
    for (const auto& w : s.words) {
      if (w.kind == WordKind::kWord) ++stats.words_forwarded;
    }
    out.segments.push_back(std::move(s));
  }

  // ---- dedup (docs/engine.md, rule 6) ---------------------------------------------------------
  void expireDedup(double now) {
    while (!dedup.empty() && dedup.front().at + cfg.dedup_cache_ttl < now) dedup.pop_front();
  }
  // A whole result re-delivered under another id within the TTL is a duplicate.
  bool isDuplicateResult(const std::string& normalized, const std::string& result_id, double now) {
    if (cfg.dedup_cache_ttl <= 0 || normalized.empty()) return false;
    expireDedup(now);
    for (const auto& e : dedup) {
      if (e.result_id != result_id && e.normalized == normalized) return true;
    }
    return false;
  }
  void rememberResult(std::string normalized, const std::string& result_id, double now) {
    if (cfg.dedup_cache_ttl <= 0 || normalized.empty()) return;
    expireDedup(now);
    dedup.push_back({std::move(normalized), result_id, now});
    while (dedup.size() > static_cast<std::size_t>(cfg.dedup_cache_size)) dedup.pop_front();
  }

  // ---- hypothesis update -----------------------------------------------------------------------
  ResultState* findOpen(std::string_view id) {
    for (auto& r : open) {
      if (r.id == id) return &r;
    }
    return nullptr;
  }

  ResultState& openResult(const std::string& id, double now, Output& out) {
    if (open.size() >= kMaxOpenResults) {
      // Too many results without finals: close the oldest, forwarding what it holds.
      auto oldest = std::min_element(
          open.begin(), open.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
      flushOrphan(*oldest, "too_many_open_results", now, out);
      markFinalized(oldest->id);
      open.erase(oldest);
    }
    open.emplace_back();
    ResultState& r = open.back();
    r.id = id;
    r.order = ++result_order;
    r.last_update = now;
    return r;
  }

  // Replaces the hypothesis of `r` with `ev`'s words; keeps first-seen and commit times of the
  // unchanged prefix; realigns the forwarded words when the recognizer revised them.
  void updateHypothesis(ResultState& r, const RecognizerEvent& ev, double now) {
    const std::size_t old_n = r.slots.size();
    const std::size_t n = ev.words.size();
    std::size_t lcp = 0;
    while (lcp < old_n && lcp < n && sameText(r.slots[lcp].word.text, ev.words[lcp].text)) ++lcp;
    r.slots.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      Slot& s = r.slots[i];
      if (i >= lcp) {
        s.first_seen = now;
        s.committed_at = -1;
        s.agree = 1;
      } else if (s.agree < kMaxAgree) {
        ++s.agree;
      }
      s.word = ev.words[i];
    }
    if (old_n > 0) {
      r.agreement.push_back(lcp);
      const auto keep = static_cast<std::size_t>(std::max(1, cfg.local_agreement_n - 1));
      if (r.agreement.size() > keep) r.agreement.erase(r.agreement.begin());
    }
    r.frontier_end = std::min(r.frontier_end, lcp);
    if (lcp < r.next || r.next != r.forwarded.size()) {
      // The recognizer revised or withdrew words already forwarded, now or in an earlier
      // hypothesis that this one has not yet lined up with all of them again (a shorter
      // partial, a stale one): find where new words begin, against every word forwarded so
      // far, so that a withdrawn word proposed again is not re-sent (docs/engine.md, rule 1).
      r.next = alignForwarded(r.forwarded, r.slots).first;
    }
    r.last_update = now;
  }

  // Marks the committed prefix from the event's stability signal (docs/engine.md, rule 3).
  void commit(ResultState& r, const RecognizerEvent& ev, double now, Output& out) {
    const std::size_t n = r.slots.size();
    std::size_t c = 0;
    bool has_flags = false, has_item_scores = false;
    for (const auto& s : r.slots) {
      has_flags |= s.word.stable.has_value();
      has_item_scores |= s.word.stability.has_value();
    }
    if (has_flags) {
      r.signal = Signal::kStableFlags;
      while (c < n && r.slots[c].word.stable.value_or(false)) ++c;
    } else if (ev.stability) {
      r.signal = Signal::kStabilityScore;
      c = *ev.stability >= cfg.min_stability_threshold ? n : 0;
    } else if (has_item_scores) {
      r.signal = Signal::kStabilityScore;
      while (c < n && r.slots[c].word.stability.value_or(0) >= cfg.min_stability_threshold) ++c;
    } else {
      if (!warned_stability && n > 0) {
        warned_stability = true;
        ++stats.stability_unavailable;
        notice(out, core::log::Level::kWarn, "stability_unavailable",
               std::string("stability scores unavailable; committing words by the ") +
                   stabilityFallbackName(cfg.stability_fallback) + " fallback");
      }
      if (cfg.stability_fallback == StabilityFallback::kLocalAgreement) {
        r.signal = Signal::kLocalAgreement;
        const auto need = static_cast<std::size_t>(cfg.local_agreement_n - 1);
        if (r.agreement.size() >= need) {
          c = n;
          for (std::size_t a : r.agreement) c = std::min(c, a);
        }
      } else if (cfg.stability_fallback == StabilityFallback::kFrontier) {
        r.signal = Signal::kFrontier;
        commitByFrontier(r, now);
        return;
      } else {
        r.signal = Signal::kTimeout;
        commitByTimeout(r, now);
        return;
      }
    }
    for (std::size_t i = 0; i < c; ++i) {
      if (r.slots[i].committed_at < 0) r.slots[i].committed_at = now;
    }
  }

  void commitByTimeout(ResultState& r, double now) {
    for (auto& s : r.slots) {
      if (s.committed_at >= 0) continue;
      if (now - s.first_seen + 1e-9 < cfg.stability_timeout) break;
      s.committed_at = now;
    }
  }

  // Frontier commit (docs/engine.md): the longest prefix whose every word has been shown by at
  // least commit_min_hypotheses consecutive hypotheses (same words before it) and ended at
  // least commit_lag before the audio frontier. Words committed earlier stay committed while
  // unchanged (their commit time is kept), so the committed prefix never shrinks. Depends only
  // on hypotheses and the audio frontier, never on `now` alone: it is evaluated on the result's
  // events and on audio updates, so nextDeadline() needs no deadline of its own for it.
  void commitByFrontier(ResultState& r, double now) {
    const std::size_t n = r.slots.size();
    std::size_t i = std::min(r.frontier_end, n);  // resumes after the known committed prefix
    for (; i < n; ++i) {
      Slot& s = r.slots[i];
      if (s.committed_at >= 0) continue;
      if (s.agree < cfg.commit_min_hypotheses ||
          audio_frontier - s.word.end + 1e-9 < cfg.commit_lag) {
        break;
      }
      s.committed_at = now;
    }
    r.frontier_end = i;
  }

  // ---- boundaries (docs/engine.md, rule 4) ----------------------------------------------------
  struct Decision {
    std::size_t end = 0;  // forward slots[next .. end)
    SegmentKind kind = SegmentKind::kPartial;
    const char* reason = "";
  };

  Decision decide(const ResultState& r, double now) const {
    Decision d;
    const std::size_t c = r.committedEnd();
    if (c <= r.next) return d;
    const bool phrase = cfg.forward_policy == ForwardPolicy::kPhrase;
    const double gap_threshold = phrase ? cfg.phrase_gap : cfg.pause_threshold;
    // Scan pending committed words for the last boundary inside them.
    for (std::size_t i = r.next; i < c; ++i) {
      const Word& w = r.slots[i].word;
      if (endsSentence(w))
        d = {i + 1, SegmentKind::kPartial, "sentence"};
      else if (phrase && endsClause(w))
        d = {i + 1, SegmentKind::kPartial, "clause"};
      if (i + 1 < r.slots.size() && i + 1 <= c) {
        const Word& nx = r.slots[i + 1].word;
        if (nx.start - w.end >= gap_threshold - 1e-9 && i + 1 > d.end) {
          d = {i + 1, SegmentKind::kPartial, phrase ? "phrase_gap" : "pause"};
        }
      }
    }
    // Trailing silence after the newest word (committed or not): the committed words before it
    // are complete. The runbook's pause counts audio received ("no new words while audio keeps
    // arriving"); the phrase gap counts only audio the recognizer has processed (event ends), so
    // that recognizer latency is not mistaken for a gap.
    const double newest_end = r.slots.back().word.end;
    if (audio_frontier - newest_end >= cfg.pause_threshold - 1e-9) {
      return {c, SegmentKind::kPartial, "pause"};
    }
    if (phrase && recognizer_frontier - newest_end >= cfg.phrase_gap - 1e-9) {
      return {c, SegmentKind::kPartial, "phrase_gap"};
    }
    const double oldest = r.slots[r.next].committed_at;
    if (now - oldest >= cfg.max_buffer_timeout - 1e-9) {
      return {c, SegmentKind::kTimeout, "buffer_timeout"};
    }
    if (phrase) {
      if (now - oldest >= cfg.phrase_max_wait - 1e-9) {
        return {c, SegmentKind::kPartial, "phrase_wait"};
      }
      if (c - r.next >= static_cast<std::size_t>(cfg.phrase_max_words)) {
        return {c, SegmentKind::kPartial, "phrase_words"};
      }
    }
    return d;
  }

  // Forwards what the policy allows for `r` now. `from_event` marks a recognizer update, which
  // counts as dropped when the rate limit holds it back.
  void forwardPartial(ResultState& r, double now, bool from_event, Output& out) {
    if (!partialMode()) return;
    if (r.signal == Signal::kTimeout) commitByTimeout(r, now);
    Decision d = decide(r, now);
    if (d.end <= r.next) {
      r.rate_deferred = false;
      return;
    }
    if (!rateAllows(now)) {
      if (from_event || !r.rate_deferred) {
        ++stats.partial_results_dropped;
        if (!warned_rate) {
          warned_rate = true;
          notice(out, core::log::Level::kInfo, "rate_limited",
                 "Rate limit reached (" + std::to_string(cfg.max_rate_per_second) +
                     " partial segments/s); updates are coalesced");
        }
      }
      r.rate_deferred = true;
      return;
    }
    emit(r, d.end, d.kind, d.reason, now, out);
  }

  // ---- flushes ---------------------------------------------------------------------------------
  void flushCommitted(ResultState& r, const char* reason, double now, Output& out) {
    if (r.signal == Signal::kTimeout) commitByTimeout(r, now);
    emit(r, r.committedEnd(), SegmentKind::kPartial, reason, now, out);
  }

  void flushOrphan(ResultState& r, const char* reason, double now, Output& out) {
    if (r.next >= r.slots.size()) return;
    emit(r, r.slots.size(), SegmentKind::kOrphan, reason, now, out);
  }

  void enforceCapacity(double now, Output& out) {
    std::size_t buffered = 0;
    for (const auto& r : open) buffered += r.slots.size() - r.next;
    const auto cap = static_cast<std::size_t>(cfg.max_buffered_words);
    if (buffered <= cap) return;
    std::vector<ResultState*> by_age;
    for (auto& r : open) by_age.push_back(&r);
    std::sort(by_age.begin(), by_age.end(),
              [](const auto* a, const auto* b) { return a->order < b->order; });
    // Oldest committed words first, then (if still over) the oldest uncommitted ones.
    for (int pass = 0; pass < 2 && buffered > cap; ++pass) {
      for (ResultState* r : by_age) {
        if (buffered <= cap) break;
        std::size_t limit = pass == 0 ? r->committedEnd() : r->slots.size();
        if (limit <= r->next) continue;
        std::size_t take = std::min(limit - r->next, buffered - cap);
        stats.overflow_words += static_cast<long long>(take);
        buffered -= take;
        emit(*r, r->next + take, SegmentKind::kOverflow, "buffer_capacity", now, out);
      }
    }
  }

  // ---- events ----------------------------------------------------------------------------------
  bool validEvent(const RecognizerEvent& ev, std::string* why) const {
    if (ev.result_id.empty()) {
      *why = "empty result_id";
      return false;
    }
    if (!validTime(ev.start) || !validTime(ev.end)) {
      *why = "invalid start/end time";
      return false;
    }
    if (ev.stability && !(*ev.stability >= 0 && *ev.stability <= 1)) {
      *why = "stability outside [0, 1]";
      return false;
    }
    for (const auto& w : ev.words) {
      if (!validTime(w.start) || !validTime(w.end) || w.end < w.start) {
        *why = "word '" + w.text + "' has invalid times";
        return false;
      }
    }
    return true;
  }

  void onEvent(const RecognizerEvent& ev, double now, Output& out) {
    std::string why;
    if (!validEvent(ev, &why)) {
      ++stats.invalid_events;
      notice(out, core::log::Level::kError, "invalid_event", "recognizer event rejected: " + why,
             {{"result_id", ev.result_id}});
      return;
    }
    if (isFinalized(ev.result_id)) {
      ++stats.late_events;
      notice(out, core::log::Level::kDebug, "late_event",
             "ignoring event for finalized result " + ev.result_id);
      return;
    }
    ++stats.events;
    ev.is_partial ? ++stats.partial_events : ++stats.final_events;
    last_event_at = now;
    any_event = true;
    if (fallback) {
      fallback = false;
      notice(out, core::log::Level::kInfo, "transcribe_recovered",
             "recognizer events resumed; partial results re-enabled");
    }
    recognizer_frontier = std::max(recognizer_frontier, ev.end);
    for (const auto& w : ev.words) recognizer_frontier = std::max(recognizer_frontier, w.end);
    audio_frontier = std::max(audio_frontier, recognizer_frontier);

    ResultState* r = findOpen(ev.result_id);
    if (!r) r = &openResult(ev.result_id, now, out);
    updateHypothesis(*r, ev, now);
    if (ev.is_partial) {
      commit(*r, ev, now, out);
      forwardPartial(*r, now, /*from_event=*/true, out);
      enforceCapacity(now, out);
      return;
    }
    finalize(*r, now, out);
  }

  void finalize(ResultState& r, double now, Output& out) {
    // Forward the remainder not already forwarded (never rate-limited).
    if (!r.forwarded.empty()) {
      auto [j, dist] = alignForwarded(r.forwarded, r.slots);
      r.next = j;
      if (dist > 0) {
        double pct = 100.0 * static_cast<double>(dist) / static_cast<double>(r.forwarded.size());
        ++stats.discrepancies;
        bool warn = pct > kDiscrepancyWarnPercent;
        if (warn) ++stats.discrepancy_warnings;
        notice(out, warn ? core::log::Level::kWarn : core::log::Level::kInfo, "discrepancy",
               "Final result discrepancy: final differs from forwarded partials by " +
                   formatPercent(pct) + "% (Levenshtein over forwarded words)",
               {{"result_id", r.id}, {"percent", pct}, {"edits", static_cast<long long>(dist)}});
      }
    }
    std::string normalized = normalizeForDedup(hypothesisText(r));
    if (r.forwarded.empty() && isDuplicateResult(normalized, r.id, now)) {
      ++stats.duplicates_detected;
      notice(out, core::log::Level::kInfo, "duplicate_detected",
             "Duplicate result suppressed (same text forwarded within " +
                 formatPercent(cfg.dedup_cache_ttl) + " s)",
             {{"result_id", r.id}});
    } else {
      emit(r, r.slots.size(), SegmentKind::kFinal, "final", now, out);
    }
    rememberResult(std::move(normalized), r.id, now);
    markFinalized(r.id);
    std::string id = r.id;
    open.erase(std::find_if(open.begin(), open.end(), [&](const auto& x) { return x.id == id; }));
  }

  void onAudio(double audio_time, double now, Output& out) {
    ++stats.audio_updates;
    if (!audio_seen) {
      audio_seen = true;
      if (!any_event) last_event_at = now;
    }
    if (audio_time > audio_frontier) {
      audio_frontier = audio_time;
      // The frontier grew: results committing by it may commit more (forwarded by onTick).
      for (auto& r : open) {
        if (r.signal == Signal::kFrontier) commitByFrontier(r, now);
      }
    }
    if (!fallback && now - last_event_at >= cfg.health_timeout) {
      ++stats.transcribe_fallback_triggered;
      notice(out, core::log::Level::kWarn, "transcribe_unhealthy",
             "Transcribe service appears unhealthy: no recognizer results for " +
                 formatPercent(now - last_event_at) +
                 " s while audio keeps arriving; falling back to final results only");
      for (auto& r : open) flushCommitted(r, "health_fallback", now, out);
      fallback = true;
    }
    onTick(now, out);
  }

  void onTick(double now, Output& out) {
    // Oldest results first so segments keep recognizer order.
    for (std::size_t i = 0; i < open.size(); ++i) forwardPartial(open[i], now, false, out);
    for (auto& r : open) {
      if (r.next < r.slots.size() && now - r.last_update >= cfg.orphan_timeout - 1e-9) {
        ++stats.orphaned_results_flushed;
        notice(out, core::log::Level::kWarn, "orphan_flushed",
               "Flushing orphaned result " + r.id + " (no update for " +
                   formatPercent(now - r.last_update) + " s)",
               {{"result_id", r.id}});
        flushOrphan(r, "orphan", now, out);
      }
    }
    if (cfg.dedup_cache_ttl > 0) expireDedup(now);
  }

  std::optional<double> nextDeadline() const {
    double best = kNever;
    bool blocked = false;
    for (const auto& r : open) {
      if (r.next < r.slots.size()) best = std::min(best, r.last_update + cfg.orphan_timeout);
      if (!partialMode()) continue;
      const std::size_t c = r.committedEnd();
      if (r.signal == Signal::kTimeout && c < r.slots.size()) {
        best = std::min(best, r.slots[c].first_seen + cfg.stability_timeout);
      }
      if (c > r.next) {
        if (r.rate_deferred) blocked = true;
        const double oldest = r.slots[r.next].committed_at;
        best = std::min(best, oldest + cfg.max_buffer_timeout);
        if (cfg.forward_policy == ForwardPolicy::kPhrase) {
          best = std::min(best, oldest + cfg.phrase_max_wait);
        }
      }
    }
    if (blocked) best = std::min(best, rateReleaseTime());
    if (best == kNever) return std::nullopt;
    return best;
  }

  void setMode(Mode m, double now, Output& out) {
    if (m == mode) return;
    ++stats.mode_switches;
    if (m == Mode::kFinalOnly && !fallback) {
      for (auto& r : open) flushCommitted(r, "mode_switch", now, out);
    }
    notice(out, core::log::Level::kInfo, "mode_switch",
           std::string("partial results ") + (m == Mode::kPartial ? "enabled" : "disabled") +
               " for this session (now " + modeName(m) + ")");
    mode = m;
  }

  void finish(double now, Output& out) {
    std::sort(open.begin(), open.end(),
              [](const auto& a, const auto& b) { return a.order < b.order; });
    for (auto& r : open) {
      flushOrphan(r, "end_of_stream", now, out);
      markFinalized(r.id);
    }
    open.clear();
  }

  std::size_t bytes() const {
    std::size_t b = sizeof(Engine) + sizeof(Impl) + session_id.capacity();
    b += open.capacity() * sizeof(ResultState);
    for (const auto& r : open) {
      b += r.id.capacity() + r.slots.capacity() * sizeof(Slot) +
           r.forwarded.capacity() * sizeof(ForwardedWord) +
           r.agreement.capacity() * sizeof(std::size_t);
      for (const auto& s : r.slots) b += s.word.text.capacity() > 15 ? s.word.text.capacity() : 0;
      for (const auto& f : r.forwarded) b += f.text.capacity() > 15 ? f.text.capacity() : 0;
    }
    b += finalized.capacity() * sizeof(std::uint64_t);
    b += emit_times.capacity() * sizeof(double);
    for (const auto& e : dedup)
      b += sizeof(DedupEntry) + e.normalized.capacity() + e.result_id.capacity();
    return b;
  }
};

Engine::Engine(std::string session_id, EngineConfig config, Mode mode)
    : impl_(std::make_unique<Impl>(std::move(session_id), std::move(config), mode)) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

void Engine::onEvent(const RecognizerEvent& event, double now, Output& out) {
  impl_->onEvent(event, now, out);
}
void Engine::onAudio(double audio_time, double now, Output& out) {
  impl_->onAudio(audio_time, now, out);
}
void Engine::onTick(double now, Output& out) { impl_->onTick(now, out); }
void Engine::setMode(Mode mode, double now, Output& out) { impl_->setMode(mode, now, out); }
void Engine::finish(double now, Output& out) { impl_->finish(now, out); }
std::optional<double> Engine::nextDeadline() const { return impl_->nextDeadline(); }
Mode Engine::mode() const { return impl_->mode; }
bool Engine::inFallback() const { return impl_->fallback; }
const std::string& Engine::sessionId() const { return impl_->session_id; }
const EngineConfig& Engine::config() const { return impl_->cfg; }
const EngineStats& Engine::stats() const { return impl_->stats; }
std::size_t Engine::stateBytes() const { return impl_->bytes(); }

}  // namespace parley::engine
