#include "translate/translator.h"

#include <utility>

namespace parley::translate {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Collapses runs of whitespace into one space and trims both ends.
std::string collapseSpaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending = false;
  for (char c : text) {
    if (isSpace(c)) {
      pending = !out.empty();
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(c);
  }
  return out;
}

// "i" as a word (optionally followed by an apostrophe or punctuation: i'm, i'll, i, i.).
bool isLowerPronoun(std::string_view token) {
  if (token.empty() || token[0] != 'i') return false;
  if (token.size() == 1) return true;
  const char next = token[1];
  return next == '\'' || next == ',' || next == '.' || next == '!' || next == '?' || next == ';' ||
         next == ':' || token.substr(1, 3) == "\xE2\x80\x99";  // U+2019 right single quote
}

}  // namespace

PreparedText prepareForMt(std::string_view text) {
  PreparedText p;
  std::string s = collapseSpaces(text);
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find(' ', start);
    if (end == std::string::npos) end = s.size();
    if (isLowerPronoun(std::string_view(s).substr(start, end - start))) s[start] = 'I';
    start = end + 1;
  }
  while (!s.empty() && (s.back() == ',' || s.back() == ';' || s.back() == ':' || s.back() == '-' ||
                        s.back() == ' ')) {
    s.pop_back();
  }
  if (s.empty()) return p;
  if (s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  std::string_view core = s;
  while (!core.empty() && (core.back() == '"' || core.back() == '\'' || core.back() == ')')) {
    core.remove_suffix(1);
  }
  const bool punctuated = !core.empty() && (core.back() == '.' || core.back() == '?' ||
                                            core.back() == '!' || endsWith(core, "\xE2\x80\xA6"));
  if (!punctuated) {
    s.push_back('.');
    p.added_period = true;
  }
  p.text = std::move(s);
  return p;
}

std::string tidyMtOutput(std::string_view text, bool drop_final_period) {
  std::string unescaped;
  unescaped.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    unescaped.push_back(text[i]);
  }
  const std::string s = collapseSpaces(unescaped);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool closes = c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' ||
                        c == ')' || c == '%';
    if (closes && !out.empty() && out.back() == ' ') out.pop_back();
    if (c == ' ' &&
        (endsWith(out, "(") || endsWith(out, "\xC2\xBF") || endsWith(out, "\xC2\xA1"))) {
      continue;  // no space after ( ¿ ¡
    }
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (drop_final_period && endsWith(out, ".") && !endsWith(out, "..")) out.pop_back();
  return out;
}

// --- TranslationCache -------------------------------------------------------------------------

TranslationCache::TranslationCache(std::size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {}

std::string TranslationCache::key(std::string_view target, std::string_view text) {
  std::string k;
  k.reserve(target.size() + 1 + text.size());
  k.append(target);
  k.push_back('\x1f');
  k.append(text);
  return k;
}

std::optional<std::string> TranslationCache::get(std::string_view target, std::string_view text) {
  const std::string k = key(target, text);
  std::lock_guard lock(mu_);
  auto it = index_.find(k);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void TranslationCache::put(std::string_view target, std::string_view text,
                           std::string translation) {
  std::string k = key(target, text);
  std::lock_guard lock(mu_);
  if (auto it = index_.find(k); it != index_.end()) {
    it->second->second = std::move(translation);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(k, std::move(translation));
  index_.emplace(std::move(k), lru_.begin());
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::size_t TranslationCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

// --- CachingTranslator ------------------------------------------------------------------------

CachingTranslator::CachingTranslator(std::unique_ptr<Translator> inner,
                                     std::shared_ptr<TranslationCache> cache)
    : inner_(std::move(inner)), cache_(std::move(cache)) {
  if (!cache_) cache_ = std::make_shared<TranslationCache>();
}

core::Result<std::string> CachingTranslator::translate(std::string_view text) {
  {
    std::lock_guard lock(mu_);
    ++requests_;
  }
  if (auto hit = cache_->get(inner_->targetLanguage(), text)) {
    std::lock_guard lock(mu_);
    ++hits_;
    return *std::move(hit);
  }
  auto r = inner_->translate(text);
  if (r.ok()) cache_->put(inner_->targetLanguage(), text, *r);
  return r;
}

TranslatorStats CachingTranslator::stats() const {
  TranslatorStats s = inner_->stats();
  std::lock_guard lock(mu_);
  s.requests = requests_;
  s.cache_hits = hits_;
  return s;
}

}  // namespace parley::translate
