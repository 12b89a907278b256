// The pocketsphinx backend of asr::Recognizer (pocketsphinx 0.8+5prealpha as shipped by
// Debian 12). One decoder per recognizer, about 93 MB: create one per session, never share one
// between threads. pocketsphinx headers stay in the .cc file.
//
// Decoding: ps_start_stream once per stream (word times count 10 ms frames from the stream
// start, so they are absolute), ps_process_raw per chunk, a partial after a chunk whose
// hypothesis text changed (words and times from the segment iterator), a final when the
// EndpointDetector closes the utterance (ps_end_utt; per-word confidence from the segment
// posterior when -bestpath is on and a language model is used). Pronunciation variants
// ("and(2)") are stripped; fillers (<s>, </s>, <sil>, [NOISE], [SPEECH], ...) are dropped.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asr/pocketsphinx/endpoint_detector.h"
#include "asr/recognizer.h"
#include "core/result.h"

namespace parley::asr::pocketsphinx {

inline constexpr const char* kDefaultModelDir = "/usr/share/pocketsphinx/model/en-us";

struct PocketsphinxConfig {
  // Model files; empty means the file of the en-us model under model_dir.
  std::string model_dir = kDefaultModelDir;
  std::string hmm;   // acoustic model directory (-hmm), default model_dir/en-us
  std::string lm;    // language model (-lm), default model_dir/en-us.lm.bin
  std::string dict;  // pronunciation dictionary (-dict), default model_dir/cmudict-en-us.dict
  // JSGF grammar file (-jsgf). When set, no language model is loaded: only sentences of the
  // grammar can be recognized (command-style domains, deterministic tests).
  std::string grammar;

  // Search settings. The defaults are the fast configuration (RTF ~0.2 instead of 0.4-0.6,
  // finals that rarely rewrite partials); see docs/asr.md for the measurements.
  bool fwdflat = false;          // -fwdflat: second flat-lexicon pass (slow, rewrites words)
  bool bestpath = true;          // -bestpath: lattice rescoring; needed for word confidences
  int max_hmm_per_frame = 3000;  // -maxhmmpf: active HMMs per frame, valid 100..100000
  int max_words_per_frame = 5;   // -maxwpf: word exits per frame, valid 1..100
  int pl_window = 10;            // -pl_window: phone-loop lookahead frames, valid 0..40
  // -vad_postspeech: non-speech frames (10 ms) before the in-speech flag drops, i.e. the
  // end-of-speech wait before a final. Valid 5..300.
  int vad_postspeech_frames = 25;

  EndpointConfig endpoint;

  // Every problem found, each naming the field and its valid range. Empty when valid.
  std::vector<std::string> validate() const;

  // The resolved model paths (defaults filled in from model_dir).
  std::string hmmPath() const;
  std::string lmPath() const;
  std::string dictPath() const;

  // The pocketsphinx command-line arguments this config stands for (no argv[0]).
  std::vector<std::string> decoderArgs() const;
};

// Loads a decoder. Errors: kInvalidInput for an invalid config (every problem listed) or when
// pocketsphinx refuses the model or grammar files (its own error text included, e.g. a grammar
// word missing from the dictionary); kNotFound for a missing model or grammar file.
core::Result<std::unique_ptr<Recognizer>> createRecognizer(const PocketsphinxConfig& config);

// A decoder token as a transcript word: "and(2)" -> "and"; fillers and sentence markers
// (<s>, </s>, <sil>, [NOISE], ++GARBAGE++) -> nullopt.
std::optional<std::string> cleanWord(std::string_view token);

}  // namespace parley::asr::pocketsphinx
