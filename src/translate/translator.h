// Machine translation for captions: the Translator interface (one object per language pair,
// shared by every session that needs that pair), the text preparation that recognizer output
// needs before MT (capitalise, "i" -> "I", final punctuation) and the tidying of MT output, and
// a bounded LRU cache keyed by (text, target language) with a decorator that puts it in front
// of any Translator. Backends live in subfolders (apertium/).
//
// Threading: every Translator is safe to call from several threads at once; TranslationCache
// is internally locked.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace parley::translate {

struct TranslatorStats {
  long long requests = 0;    // translate() calls
  long long translated = 0;  // calls answered by the backend (not from the cache)
  long long cache_hits = 0;
  long long failures = 0;    // calls that returned an error (caller captions untranslated)
  long long timeouts = 0;    // stalled backend detected (no reply within the timeout)
  long long restarts = 0;    // backend restarts after a death or a stall
  long long chars_sent = 0;  // bytes of prepared text sent to the backend
};

class Translator {
 public:
  virtual ~Translator() = default;
  // ISO 639-1 codes of the pair, e.g. "en" -> "es".
  virtual const std::string& sourceLanguage() const = 0;
  virtual const std::string& targetLanguage() const = 0;
  // Translates one caption. Empty or blank text gives "". Errors: kUnavailable while the backend
  // is down or stalled (returned quickly; the caller then captions in the source language),
  // kInvalidInput for text over the backend's size limit.
  virtual core::Result<std::string> translate(std::string_view text) = 0;
  // False while the backend is down (for readiness checks).
  virtual bool available() const = 0;
  virtual TranslatorStats stats() const = 0;
};

// Recognizer text made ready for MT: whitespace collapsed and trimmed, first letter capitalised,
// the pronoun "i" (and i'm, i'll, i'd, i've) upper-cased, trailing , ; : dropped and a final "."
// added when the text ends without . ? ! (lower-case unpunctuated text translates worse:
// "i would like" -> "i Gustaría").
struct PreparedText {
  std::string text;
  bool added_period = false;  // the "." was ours: tidyMtOutput() removes it again
};
PreparedText prepareForMt(std::string_view text);

// MT output made presentable: backslash escapes removed, newlines and runs of spaces collapsed,
// leading/trailing spaces stripped, no space before . , ; : ! ? ) or after ( ¿ ¡. When
// `drop_final_period`, one trailing "." is removed (it was added by prepareForMt()).
std::string tidyMtOutput(std::string_view text, bool drop_final_period = false);

// Bounded LRU cache of translations keyed by (text, target language). Thread-safe.
class TranslationCache {
 public:
  explicit TranslationCache(std::size_t capacity = 4096);
  std::optional<std::string> get(std::string_view target, std::string_view text);
  void put(std::string_view target, std::string_view text, std::string translation);
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  using Entry = std::pair<std::string, std::string>;  // key, translation
  static std::string key(std::string_view target, std::string_view text);

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

// Answers from the cache when it can, asks `inner` otherwise and caches successes (errors are
// never cached). Stats are the inner translator's plus this layer's requests and hits.
class CachingTranslator final : public Translator {
 public:
  CachingTranslator(std::unique_ptr<Translator> inner, std::shared_ptr<TranslationCache> cache);
  const std::string& sourceLanguage() const override { return inner_->sourceLanguage(); }
  const std::string& targetLanguage() const override { return inner_->targetLanguage(); }
  core::Result<std::string> translate(std::string_view text) override;
  bool available() const override { return inner_->available(); }
  TranslatorStats stats() const override;
  Translator& inner() { return *inner_; }

 private:
  std::unique_ptr<Translator> inner_;
  std::shared_ptr<TranslationCache> cache_;
  mutable std::mutex mu_;
  long long requests_ = 0;
  long long hits_ = 0;
};

}  // namespace parley::translate
