// Translation with apertium through ONE long-lived null-flush pipeline per language pair. The
// pipeline is the pair's mode file turned into a shell pipeline by `apertium-wblank-mode -z`
// (every stage flushes on NUL), run once under /bin/sh in its own process group. A request is
// the escaped text, a blank, "\n\0"; the reply ends at the next NUL. This answers in a few
// milliseconds where a fresh `apertium eng-spa` process costs a quarter of a second.
//
// A supervisor thread restarts the pipeline when it dies (EOF, EPIPE, or reaped by waitpid) or
// stalls (no reply within reply_timeout_s: the process group is killed). While it is down,
// translate() fails at once with kUnavailable and the caller captions in the source language.
//
// Threading: translate() may be called from any number of threads; requests are serialized on
// the pipe. One supervisor thread per translator.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "translate/translator.h"

namespace parley::translate {

struct ApertiumConfig {
  std::string pair = "eng-spa";  // apertium's name for the pair (a mode file <pair>.mode)
  std::string source_language = "en";
  std::string target_language = "es";
  std::string modes_dir = "/usr/share/apertium/modes";
  double reply_timeout_s = 2.0;        // 0.05..60: a request not answered by then is a stall
  double start_timeout_s = 30.0;       // 1..300: first reply after a (re)start (dictionaries load)
  double max_restart_backoff_s = 5.0;  // 0.1..300: delay between failed starts doubles to this
  std::size_t max_text_bytes = 8192;   // 1..1 MiB per request

  // Every problem, naming the field and its valid range.
  core::Status validate() const;
};

// The apertium pairs from English that parley offers (Debian 12: apertium-eng-spa,
// apertium-eng-cat, apertium-en-gl): the pair's name for a target language ("es" -> "eng-spa",
// "ca" -> "eng-cat", "gl" -> "en-gl"), or nullptr for any other language.
const char* apertiumPairFromEnglish(std::string_view target_language);
// The languages apertiumPairFromEnglish knows, for messages: "es, ca, gl".
inline constexpr const char* kApertiumTargets = "es, ca, gl";

// Escapes apertium's stream-format characters ([]{}^$/\@<>*#|+~ get a backslash). `[ ] ^ ~` are
// first replaced by spaces: apertium-eng-spa 0.8.1 hangs (lrx-proc swallows the NUL) on an
// escaped ^ or [ near the end of a request, and ~ is deleted by post-generation anyway.
std::string escapeForApertium(std::string_view text);

class ApertiumTranslator final : public Translator {
 public:
  // Builds the pipeline command from the mode file, starts it and waits for a first reply.
  // Errors: kInvalidInput (bad config), kNotFound (no such pair installed), kUnavailable (the
  // pipeline does not start or answer).
  static core::Result<std::unique_ptr<ApertiumTranslator>> create(ApertiumConfig config);
  ~ApertiumTranslator() override;
  ApertiumTranslator(const ApertiumTranslator&) = delete;
  ApertiumTranslator& operator=(const ApertiumTranslator&) = delete;

  const std::string& sourceLanguage() const override;
  const std::string& targetLanguage() const override;
  core::Result<std::string> translate(std::string_view text) override;
  bool available() const override;
  TranslatorStats stats() const override;

  // The process group of the running pipeline (0 while down). For tests and operators.
  int processGroup() const;
  // The shell command the pipeline runs ($1 = -n, $2 empty).
  const std::string& pipelineCommand() const;

  class Impl;

 private:
  explicit ApertiumTranslator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Apertium with the LRU cache in front: what the pipeline's Services hands to sessions.
core::Result<std::unique_ptr<Translator>> createCachedApertiumTranslator(
    ApertiumConfig config, std::shared_ptr<TranslationCache> cache = nullptr);

}  // namespace parley::translate
