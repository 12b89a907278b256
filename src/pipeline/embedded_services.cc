// Services::createEmbedded(): the one-machine stack. pocketsphinx (a decoder per session),
// apertium (one long-lived pipeline per language pair, LRU-cached, started on first use and
// shared by every session), espeak-ng (one synthesis thread per process).
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "asr/pocketsphinx/pocketsphinx_recognizer.h"
#include "core/clock.h"
#include "core/log.h"
#include "pipeline/session_pipeline.h"
#include "translate/apertium/apertium_translator.h"
#include "translate/translator.h"
#include "tts/espeak/espeak_synthesizer.h"
#include "tts/synthesizer.h"

namespace parley::pipeline {

namespace {

namespace ps = parley::asr::pocketsphinx;

// The recognizer's model files are present ("" when fine).
std::string missingModel() {
  ps::PocketsphinxConfig config;
  if (auto problems = config.validate(); !problems.empty()) return problems.front();
  std::error_code ec;
  for (const std::string& path : {config.hmmPath(), config.lmPath(), config.dictPath()}) {
    if (!std::filesystem::exists(path, ec)) {
      return "pocketsphinx model file " + path + " is missing (install pocketsphinx-en-us)";
    }
  }
  return "";
}

// The espeak-ng voice of a target language (its apertium pair: translate::apertiumPairFromEnglish).
// Debian 12's espeak-ng 1.51 has no Galician voice: Galician is spoken with the Portuguese one,
// its closest relative there (docs/speech.md).
std::string voiceOf(const std::string& lang) { return lang == "gl" ? "pt" : lang; }

class EmbeddedServices final : public Services {
 public:
  EmbeddedServices(EmbeddedOptions options, std::unique_ptr<tts::Synthesizer> synthesizer)
      : options_(std::move(options)),
        cache_(std::make_shared<translate::TranslationCache>()),
        synthesizer_(std::move(synthesizer)) {}

  bool ready(std::string* why) const override {
    if (auto missing = missingModel(); !missing.empty()) {
      if (why) *why = "recognizer: " + missing;
      return false;
    }
    std::lock_guard lock(mu_);
    for (const auto& [lang, loaded] : translators_) {
      if (!loaded.translator->available()) {
        if (why) *why = "translator " + lang + " is restarting";
        return false;
      }
    }
    if (why) why->clear();
    return true;
  }

  core::Result<std::unique_ptr<asr::Recognizer>> createRecognizer(
      const std::string& grammar_path) override {
    ps::PocketsphinxConfig config;
    config.grammar = grammar_path;
    return ps::createRecognizer(config);
  }

  core::Result<std::shared_ptr<translate::Translator>> translator(
      const std::string& lang) override {
    std::lock_guard lock(mu_);
    const double now = clock_->now();
    if (auto it = translators_.find(lang); it != translators_.end()) {
      it->second.last_used = now;
      return it->second.translator;
    }
    const char* pair = translate::apertiumPairFromEnglish(lang);
    if (!pair) {
      return core::Error::notFound("no translation from English into '" + lang +
                                   "' (known: " + translate::kApertiumTargets + ")");
    }
    translate::ApertiumConfig config;
    config.pair = pair;
    config.target_language = lang;
    if (!options_.apertium_modes_dir.empty()) config.modes_dir = options_.apertium_modes_dir;
    auto created = translate::createCachedApertiumTranslator(config, cache_);
    if (!created.ok()) return created.error();
    std::shared_ptr<translate::Translator> shared = std::move(*created);
    translators_.emplace(lang, Loaded{shared, now});
    return shared;
  }

  core::Result<tts::Synthesizer*> synthesizer() override { return synthesizer_.get(); }

  std::string voiceFor(const std::string& lang) const override { return voiceOf(lang); }

  std::vector<std::string> releaseIdleTranslators(double idle_seconds) override {
    std::vector<std::string> released;
    std::vector<std::shared_ptr<translate::Translator>> stopping;  // stopped outside the lock
    {
      std::lock_guard lock(mu_);
      const double now = clock_->now();
      for (auto it = translators_.begin(); it != translators_.end();) {
        if (now - it->second.last_used >= idle_seconds && it->second.translator.use_count() == 1) {
          released.push_back(it->first);
          stopping.push_back(std::move(it->second.translator));
          it = translators_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (const auto& lang : released) {
      core::log::info("translator_released", "", "translator unloaded after idle time",
                      {{"lang", lang}, {"idle_seconds", idle_seconds}});
    }
    return released;
  }

 private:
  struct Loaded {
    std::shared_ptr<translate::Translator> translator;
    double last_used = 0;
  };
  const EmbeddedOptions options_;
  core::SystemClock system_clock_;
  const core::Clock* clock_ = options_.clock ? options_.clock : &system_clock_;
  mutable std::mutex mu_;
  std::shared_ptr<translate::TranslationCache> cache_;
  std::map<std::string, Loaded> translators_;
  std::unique_ptr<tts::Synthesizer> synthesizer_;
};

}  // namespace

core::Result<std::unique_ptr<Services>> Services::createEmbedded(EmbeddedOptions options) {
  // Fail early, naming what is missing, rather than in the first session.
  if (auto missing = missingModel(); !missing.empty()) {
    return core::Error::unavailable("speech recognizer: " + missing);
  }
  auto synthesizer = tts::EspeakSynthesizer::create();
  if (!synthesizer.ok()) {
    return core::Error::unavailable("speech synthesizer: " + synthesizer.error().message);
  }
  auto services = std::make_unique<EmbeddedServices>(
      std::move(options), std::unique_ptr<tts::Synthesizer>(std::move(*synthesizer)));
  // Start the default pair now: it takes a moment to load its dictionaries.
  if (auto t = services->translator("es"); !t.ok()) {
    return core::Error::unavailable("translator en->es: " + t.error().message);
  }
  return std::unique_ptr<Services>(std::move(services));
}

}  // namespace parley::pipeline
