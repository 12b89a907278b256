#include "engine/config.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace parley::engine {

namespace {

constexpr ConfigKey kKeys[] = {
    {"min_stability_threshold", "MIN_STABILITY_THRESHOLD", KeyType::kNumber, 0.70, 0.95, nullptr,
     "", "a partial whose stability score is at least this is committed"},
    {"max_buffer_timeout", "MAX_BUFFER_TIMEOUT", KeyType::kNumber, 2, 10, nullptr, "s",
     "committed text older than this is forwarded"},
    {"pause_threshold", "PAUSE_THRESHOLD", KeyType::kNumber, 0.2, 10, nullptr, "s",
     "an audio gap this long ends a sentence (sentence policy)"},
    {"orphan_timeout", "ORPHAN_TIMEOUT", KeyType::kNumber, 1, 300, nullptr, "s",
     "a result with unforwarded words and no update this long is flushed"},
    {"max_rate_per_second", "MAX_RATE_PER_SECOND", KeyType::kInteger, 1, 100, nullptr, "1/s",
     "partial segments per session per second; extra updates are coalesced"},
    {"dedup_cache_ttl", "DEDUP_CACHE_TTL", KeyType::kNumber, 0, 300, nullptr, "s",
     "a segment repeating one forwarded this recently is suppressed (0 disables)"},
    {"stability_fallback", "STABILITY_FALLBACK", KeyType::kEnum, 0, 0,
     "timeout|local_agreement|frontier", "",
     "how words are committed when the recognizer gives no stability signal"},
    {"forward_policy", "FORWARD_POLICY", KeyType::kEnum, 0, 0, "sentence|phrase", "",
     "sentence: the runbook's boundaries; phrase: also short phrases"},
    {"stability_timeout", "STABILITY_TIMEOUT", KeyType::kNumber, 0.5, 10, nullptr, "s",
     "timeout fallback: a word unchanged this long is committed"},
    {"local_agreement_n", "LOCAL_AGREEMENT_N", KeyType::kInteger, 2, 5, nullptr, "",
     "local_agreement fallback: hypotheses that must agree on a prefix"},
    {"commit_lag", "COMMIT_LAG", KeyType::kNumber, 0.1, 2, nullptr, "s",
     "frontier fallback: audio the recognizer has processed past a word's end before it commits"},
    {"commit_min_hypotheses", "COMMIT_MIN_HYPOTHESES", KeyType::kInteger, 1, 5, nullptr, "",
     "frontier fallback: consecutive hypotheses that must show a word (same words before it)"},
    {"phrase_max_words", "PHRASE_MAX_WORDS", KeyType::kInteger, 1, 50, nullptr, "words",
     "phrase policy: forward once this many committed words wait"},
    {"phrase_gap", "PHRASE_GAP", KeyType::kNumber, 0.05, 2, nullptr, "s",
     "phrase policy: an audio gap this long ends a phrase"},
    {"phrase_max_wait", "PHRASE_MAX_WAIT", KeyType::kNumber, 0, 10, nullptr, "s",
     "phrase policy: longest a committed word waits for a boundary"},
    {"health_timeout", "RECOGNIZER_HEALTH_TIMEOUT", KeyType::kNumber, 1, 120, nullptr, "s",
     "audio arriving without recognizer events this long triggers final-only fallback"},
    {"max_buffered_words", "MAX_BUFFERED_WORDS", KeyType::kInteger, 10, 10000, nullptr, "words",
     "buffered words per session before the oldest are forwarded (overflow)"},
    {"dedup_cache_size", "DEDUP_CACHE_SIZE", KeyType::kInteger, 1, 4096, nullptr, "entries",
     "recent segments remembered for duplicate detection"},
    {"caption_mode", "CAPTION_MODE", KeyType::kEnum, 0, 0, "append|revise", "",
     "revise: speech from settled pieces of caption lines; append: speech per caption"},
    {"line_policy", "LINE_POLICY", KeyType::kEnum, 0, 0, "none|mask_k|agree", "",
     "what listeners see of a line before its final (docs/lines.md)"},
    {"line_mask_k", "LINE_MASK_K", KeyType::kInteger, 0, 10, nullptr, "words",
     "mask_k policy: words hidden at the end of a non-final line"},
    {"line_min_split_words", "LINE_MIN_SPLIT_WORDS", KeyType::kInteger, 2, 60, nullptr, "words",
     "a line may close at a clause or sentence end from this many words"},
    {"line_max_words", "LINE_MAX_WORDS", KeyType::kInteger, 2, 60, nullptr, "words",
     "a line closes at this many words (at least line_min_split_words)"},
    {"speak_min_words", "SPEAK_MIN_WORDS", KeyType::kInteger, 1, 50, nullptr, "words",
     "settled, unspoken words that are spoken as one piece (a settled clause end: at once)"},
};

double* numberField(EngineConfig& c, std::string_view key) {
  if (key == "min_stability_threshold") return &c.min_stability_threshold;
  if (key == "max_buffer_timeout") return &c.max_buffer_timeout;
  if (key == "pause_threshold") return &c.pause_threshold;
  if (key == "orphan_timeout") return &c.orphan_timeout;
  if (key == "dedup_cache_ttl") return &c.dedup_cache_ttl;
  if (key == "stability_timeout") return &c.stability_timeout;
  if (key == "commit_lag") return &c.commit_lag;
  if (key == "phrase_gap") return &c.phrase_gap;
  if (key == "phrase_max_wait") return &c.phrase_max_wait;
  if (key == "health_timeout") return &c.health_timeout;
  return nullptr;
}

int* intField(EngineConfig& c, std::string_view key) {
  if (key == "max_rate_per_second") return &c.max_rate_per_second;
  if (key == "local_agreement_n") return &c.local_agreement_n;
  if (key == "commit_min_hypotheses") return &c.commit_min_hypotheses;
  if (key == "phrase_max_words") return &c.phrase_max_words;
  if (key == "max_buffered_words") return &c.max_buffered_words;
  if (key == "dedup_cache_size") return &c.dedup_cache_size;
  if (key == "line_mask_k") return &c.line_mask_k;
  if (key == "line_min_split_words") return &c.line_min_split_words;
  if (key == "line_max_words") return &c.line_max_words;
  if (key == "speak_min_words") return &c.speak_min_words;
  return nullptr;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

const char* stabilityFallbackName(StabilityFallback f) {
  switch (f) {
    case StabilityFallback::kTimeout:
      return "timeout";
    case StabilityFallback::kLocalAgreement:
      return "local_agreement";
    case StabilityFallback::kFrontier:
      return "frontier";
  }
  return "local_agreement";
}
const char* forwardPolicyName(ForwardPolicy p) {
  return p == ForwardPolicy::kSentence ? "sentence" : "phrase";
}
const char* modeName(Mode m) { return m == Mode::kPartial ? "partial" : "final-only"; }
const char* captionModeName(CaptionMode m) {
  return m == CaptionMode::kRevise ? "revise" : "append";
}
std::optional<CaptionMode> parseCaptionMode(std::string_view text) {
  if (text == "revise") return CaptionMode::kRevise;
  if (text == "append") return CaptionMode::kAppend;
  return std::nullopt;
}
const char* linePolicyName(LinePolicy p) {
  switch (p) {
    case LinePolicy::kNone:
      return "none";
    case LinePolicy::kMaskK:
      return "mask_k";
    case LinePolicy::kAgree:
      return "agree";
  }
  return "agree";
}
std::optional<LinePolicy> parseLinePolicy(std::string_view text) {
  if (text == "none") return LinePolicy::kNone;
  if (text == "mask_k") return LinePolicy::kMaskK;
  if (text == "agree") return LinePolicy::kAgree;
  return std::nullopt;
}

core::Result<Mode> parseMode(std::string_view text) {
  if (text == "partial") return Mode::kPartial;
  if (text == "final-only" || text == "final_only") return Mode::kFinalOnly;
  return core::Error::invalid("mode must be partial or final-only (got '" + std::string(text) +
                              "')");
}

std::span<const ConfigKey> configKeys() { return kKeys; }

const ConfigKey* findConfigKey(std::string_view name) {
  for (const auto& k : kKeys) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string describeRange(const ConfigKey& key) {
  switch (key.type) {
    case KeyType::kEnum: {
      std::string choices = key.choices;
      for (auto& c : choices) {
        if (c == '|') c = ',';
      }
      return std::string(key.name) + " must be one of {" + choices + "}";
    }
    case KeyType::kInteger:
      return std::string(key.name) + " must be an integer in [" + fmt(key.min) + ", " +
             fmt(key.max) + "]";
    case KeyType::kNumber:
      break;
  }
  return std::string(key.name) + " must be a number in [" + fmt(key.min) + ", " + fmt(key.max) +
         "]" + (key.unit[0] ? std::string(" ") + key.unit : "");
}

core::Status setConfigNumber(EngineConfig& config, std::string_view key, double value) {
  const ConfigKey* k = findConfigKey(key);
  if (!k) return core::Error::invalid("unknown configuration key '" + std::string(key) + "'");
  if (k->type == KeyType::kEnum || !std::isfinite(value) || value < k->min || value > k->max ||
      (k->type == KeyType::kInteger && std::floor(value) != value)) {
    return core::Error::invalid(describeRange(*k) + " (got " + fmt(value) + ")");
  }
  if (double* d = numberField(config, key)) *d = value;
  if (int* i = intField(config, key)) *i = static_cast<int>(value);
  return core::okStatus();
}

core::Status setConfigValue(EngineConfig& config, std::string_view key, std::string_view value) {
  const ConfigKey* k = findConfigKey(key);
  if (!k) return core::Error::invalid("unknown configuration key '" + std::string(key) + "'");
  if (k->type == KeyType::kEnum) {
    if (key == "stability_fallback") {
      if (value == "timeout")
        config.stability_fallback = StabilityFallback::kTimeout;
      else if (value == "local_agreement")
        config.stability_fallback = StabilityFallback::kLocalAgreement;
      else if (value == "frontier")
        config.stability_fallback = StabilityFallback::kFrontier;
      else
        return core::Error::invalid(describeRange(*k) + " (got '" + std::string(value) + "')");
    } else if (key == "forward_policy") {
      if (value == "sentence")
        config.forward_policy = ForwardPolicy::kSentence;
      else if (value == "phrase")
        config.forward_policy = ForwardPolicy::kPhrase;
      else
        return core::Error::invalid(describeRange(*k) + " (got '" + std::string(value) + "')");
    } else if (key == "caption_mode") {
      auto m = parseCaptionMode(value);
      if (!m)
        return core::Error::invalid(describeRange(*k) + " (got '" + std::string(value) + "')");
      config.caption_mode = *m;
    } else if (key == "line_policy") {
      auto p = parseLinePolicy(value);
      if (!p)
        return core::Error::invalid(describeRange(*k) + " (got '" + std::string(value) + "')");
      config.line_policy = *p;
    }
    return core::okStatus();
  }
  std::string s(value);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno != 0) {
    return core::Error::invalid(describeRange(*k) + " (got '" + s + "')");
  }
  return setConfigNumber(config, key, v);
}

std::string getConfigValue(const EngineConfig& config, std::string_view key) {
  auto& c = const_cast<EngineConfig&>(config);
  if (key == "stability_fallback") return stabilityFallbackName(config.stability_fallback);
  if (key == "forward_policy") return forwardPolicyName(config.forward_policy);
  if (key == "caption_mode") return captionModeName(config.caption_mode);
  if (key == "line_policy") return linePolicyName(config.line_policy);
  if (double* d = numberField(c, key)) return fmt(*d);
  if (int* i = intField(c, key)) return std::to_string(*i);
  return "";
}

std::vector<std::string> EngineConfig::validate() const {
  std::vector<std::string> problems;
  EngineConfig scratch = *this;
  for (const auto& k : kKeys) {
    if (k.type == KeyType::kEnum) continue;
    double v = 0;
    if (double* d = numberField(scratch, k.name)) v = *d;
    if (int* i = intField(scratch, k.name)) v = *i;
    if (!std::isfinite(v) || v < k.min || v > k.max) {
      problems.push_back(describeRange(k) + " (got " + fmt(v) + ")");
    }
  }
  if (line_min_split_words > line_max_words) {
    problems.push_back("line_min_split_words must be at most line_max_words (got " +
                       std::to_string(line_min_split_words) + " > " +
                       std::to_string(line_max_words) + ")");
  }
  return problems;
}

}  // namespace parley::engine
