// The benchmark's metric functions (docs/bench.md defines each one): word latency of a
// forwarded stream against a final transcript, committed disagreement, normalized erasure of a
// partial-hypothesis stream, chrF. Words are normalized and aligned by core/words.h, and
// summarized (mean, nearest-rank percentiles) by core/stats.h, the homes every module shares.
// Pure functions over plain data: no I/O, no clock, deterministic (ties broken by fixed rules),
// so the tests can check them against hand-computed cases.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/stats.h"
#include "core/words.h"
#include "engine/types.h"
#include "lines/measure.h"

namespace parley::bench {

// A word as forwarded to listeners: its text, when its segment was emitted, and whether that
// segment came from partial results (kinds partial, timeout, overflow, orphan) or a final.
struct ForwardedToken {
  std::string text;  // normalized
  double emitted_at = 0;
  bool from_partial = false;
};

// A word of the final transcript with the audio time at which it ends (a gold time from the
// synthesizer where known, otherwise the recognizer's own word time).
struct FinalToken {
  std::string text;  // normalized
  double end = 0;
};

// The forwarded stream of a session: segment words in seq order, punctuation dropped,
// normalized.
std::vector<ForwardedToken> forwardedTokens(const std::vector<engine::Segment>& segments);

// Stream-versus-final comparison (one session).
struct StreamComparison {
  std::vector<double> latencies;  // per final word matched by a forwarded word
  long long final_words = 0;
  long long matched_words = 0;          // final words matched exactly by a forwarded word
  long long forwarded_words = 0;        // every forwarded word
  long long partial_words = 0;          // forwarded words that came from partial results
  long long partial_disagreements = 0;  // ... not matched by the final at their position
};
// Aligns the forwarded stream (hypothesis) with the final transcript (reference). Each final
// word that the alignment matches exactly with a forwarded word gets latency
// `emitted_at - end`; forwarded words from partials that are substituted or inserted count as
// disagreements.
StreamComparison compareStream(const std::vector<ForwardedToken>& forwarded,
                               const std::vector<FinalToken>& final_words);

// Erasure of one result's hypothesis sequence (partials in arrival order, the final last):
// lines::erasedTokens (lines/measure.h), the measure the caption lines use too.
using lines::erasedTokens;

// chrF (Popovic 2015): character n-grams for n = 1..max_order over the texts with whitespace
// removed (Unicode code points); average precision P and recall R over the orders that have
// n-grams in both texts, then F = (1 + beta^2) P R / (beta^2 P + R). In [0, 1]; two empty
// texts score 1.
double chrF(std::string_view hypothesis, std::string_view reference, int max_order = 6,
            double beta = 2.0);

}  // namespace parley::bench
