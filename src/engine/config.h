// Engine configuration: every tunable declared once, in kConfigKeys, with its environment
// variable, default, valid range, unit and meaning. Config is parsed at the edge (CLI --set,
// TOML file, environment, flag store) into EngineConfig; validate() reports every problem with
// the key name and its valid range. docs/configuration.md lists the same table.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace parley::engine {

enum class StabilityFallback { kTimeout, kLocalAgreement, kFrontier };
enum class ForwardPolicy { kSentence, kPhrase };
enum class Mode { kPartial, kFinalOnly };
// Caption lines (docs/lines.md). Not used by the engine itself: the session's pipeline reads
// them, and like every key here they come from the flag store, the environment or --set.
enum class CaptionMode { kAppend, kRevise };      // speech from captions / from settled line pieces
enum class LinePolicy { kNone, kMaskK, kAgree };  // what a listener sees of a non-final line

const char* stabilityFallbackName(StabilityFallback f);
const char* forwardPolicyName(ForwardPolicy p);
const char* modeName(Mode m);
const char* captionModeName(CaptionMode m);  // "append" | "revise"
std::optional<CaptionMode> parseCaptionMode(std::string_view text);
const char* linePolicyName(LinePolicy p);  // "none" | "mask_k" | "agree"
std::optional<LinePolicy> parseLinePolicy(std::string_view text);
core::Result<Mode> parseMode(std::string_view text);

struct EngineConfig {
  // The runbook's keys (docs/runbook.md, docs/flags.md; ranges in docs/configuration.md).
  double min_stability_threshold = 0.85;
  double max_buffer_timeout = 5.0;
  double pause_threshold = 2.0;
  double orphan_timeout = 15.0;
  int max_rate_per_second = 5;
  double dedup_cache_ttl = 10.0;
  // parley's policy keys.
  StabilityFallback stability_fallback = StabilityFallback::kLocalAgreement;
  ForwardPolicy forward_policy = ForwardPolicy::kPhrase;
  double stability_timeout = 3.0;  // the runbook's hold time when no stability signal exists
  int local_agreement_n = 3;       // hypotheses that must agree on a prefix (docs/bench.md)
  double commit_lag = 0.3;         // frontier fallback: audio processed past a word's end
  int commit_min_hypotheses = 2;   // frontier fallback: consecutive hypotheses showing a word
  int phrase_max_words = 2;        // phrase policy: forward once this many committed words wait
  double phrase_gap = 0.3;         // phrase policy: audio gap that ends a phrase
  double phrase_max_wait = 0.5;    // phrase policy: longest a committed word waits
  double health_timeout = 10.0;    // audio without recognizer events before final-only fallback
  int max_buffered_words = 300;    // per session, before overflow forwarding
  int dedup_cache_size = 64;       // entries kept for duplicate detection
  // Caption lines (docs/lines.md).
  CaptionMode caption_mode = CaptionMode::kRevise;
  LinePolicy line_policy = LinePolicy::kMaskK;  // defaults chosen by the bench (docs/bench.md)
  int line_mask_k = 1;           // mask_k: words hidden at the end of a non-final line
  int line_min_split_words = 8;  // a line may close at a clause end from this many words
  int line_max_words = 12;       // a line closes at this many words
  int speak_min_words = 2;       // settled words that make a speech piece (a clause end: fewer)

  // Every problem found, each naming the key and its valid range. Empty when valid.
  std::vector<std::string> validate() const;
};

enum class KeyType { kNumber, kInteger, kEnum };

struct ConfigKey {
  const char* name;  // as in TOML, --set and the flag store value
  const char* env;   // environment variable, or nullptr
  KeyType type;
  double min;
  double max;
  const char* choices;  // "a|b" for enums
  const char* unit;
  const char* meaning;
};

std::span<const ConfigKey> configKeys();
const ConfigKey* findConfigKey(std::string_view name);
// "min_stability_threshold must be a number in [0.70, 0.95] (got 2)"-style description.
std::string describeRange(const ConfigKey& key);

// Sets one key from its textual value, checking type and range.
core::Status setConfigValue(EngineConfig& config, std::string_view key, std::string_view value);
// Sets one key from a number (flag store JSON), checking type and range.
core::Status setConfigNumber(EngineConfig& config, std::string_view key, double value);
// Current value of a key as text ("0.85", "phrase").
std::string getConfigValue(const EngineConfig& config, std::string_view key);

}  // namespace parley::engine
