// A deterministic fake MT for lines tests: word by word through a small dictionary (unknown
// words pass unchanged, lower-cased), with every adjective-noun pair swapped ("the black dog"
// -> "el perro negro"), so the translation of a prefix can disagree with the translation of the
// whole ("the black" -> "el negro"). Punctuation stays at its position.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "lines/lines.h"

namespace parley::lines::fake {

inline std::string fakeTranslate(std::string_view text) {
  static const std::map<std::string, std::string> dict = {
      {"i", "yo"},          {"saw", "vi"},       {"the", "el"},      {"a", "un"},
      {"black", "negro"},   {"white", "blanco"}, {"big", "grande"},  {"red", "rojo"},
      {"dog", "perro"},     {"cat", "gato"},     {"house", "casa"},  {"fish", "pez"},
      {"dish", "plato"},    {"water", "agua"},   {"car", "coche"},   {"and", "y"},
      {"would", "querria"}, {"like", "gustar"},  {"to", "a"},        {"order", "pedir"},
      {"of", "de"},         {"glass", "vaso"},   {"runs", "corre"},  {"fast", "rapido"},
      {"hello", "hola"},    {"world", "mundo"},  {"we", "nosotros"}, {"go", "vamos"},
      {"home", "casa"},     {"now", "ahora"},    {"is", "es"}};
  static const std::vector<std::string> adjectives = {"black", "white", "big", "red"};
  static const std::vector<std::string> nouns = {"dog",  "cat",   "house", "fish",
                                                 "dish", "water", "car"};
  auto is = [](const std::vector<std::string>& set, const std::string& w) {
    for (const auto& s : set) {
      if (s == w) return true;
    }
    return false;
  };
  // (core word, trailing punctuation)
  std::vector<std::pair<std::string, std::string>> words;
  for (const auto& tok : tokens(text)) {
    std::string core = tok, punct;
    while (!core.empty() && std::string(",.;:?!").find(core.back()) != std::string::npos) {
      punct.insert(punct.begin(), core.back());
      core.pop_back();
    }
    for (auto& c : core) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    words.emplace_back(core, punct);
  }
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (is(adjectives, words[i].first) && is(nouns, words[i + 1].first)) {
      std::swap(words[i].first, words[i + 1].first);
      ++i;
    }
  }
  std::string out;
  for (const auto& [core, punct] : words) {
    auto it = dict.find(core);
    if (!out.empty()) out.push_back(' ');
    out += (it != dict.end() ? it->second : core) + punct;
  }
  return out;
}

inline TranslateFn fakeTranslator(int* calls = nullptr) {
  return [calls](std::string_view text) -> core::Result<std::string> {
    if (calls) ++*calls;
    return fakeTranslate(text);
  };
}

}  // namespace parley::lines::fake
