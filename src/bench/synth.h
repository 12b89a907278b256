// Synthesized speech with exact word times: the committed English text set (bench/texts/,
// one talk per paragraph) spoken by espeak-ng in several voices, speeds and sentence pauses.
// Each sentence is synthesized with word timings (tts::EspeakSynthesizer::synthesizeWithTimings)
// and the sentences are joined with `pause_seconds` of silence, so every word's audio time is
// known (gold times). Deterministic: the same text and plan give the same samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/corpus.h"
#include "core/result.h"

namespace parley::tts {
class EspeakSynthesizer;
}

namespace parley::bench {

// Paragraphs of a text file (blank-line separated; lines starting with # are comments), each
// with whitespace collapsed. Errors: kNotFound (unreadable), kInvalidInput (no paragraph).
core::Result<std::vector<std::string>> readTalks(const std::string& path);

// Sentences of a paragraph: split after . ? ! followed by a space or the end.
std::vector<std::string> splitSentences(const std::string& text);

struct SynthPlan {
  std::string name;  // corpus item name, "synth-NN-<voice>-<wpm>-p<pause ms>"
  std::size_t talk = 0;
  std::string voice;
  int words_per_minute = 160;
  double pause_seconds = 0;
};
// The plan for `talks` talks: talk i gets voice kVoices[i % 5], speed kSpeeds[i % 4] and pause
// kPauses[i % 3] (docs/bench.md lists them), so every voice, speed and pause occurs.
std::vector<SynthPlan> synthPlan(std::size_t talks);

struct SynthAudio {
  std::vector<std::int16_t> samples;  // 16 kHz mono
  std::vector<GoldWord> gold;
  std::string reference;  // the talk text
};
// Speaks the sentences of `text` per `plan`. Errors: the synthesizer's.
core::Result<SynthAudio> synthesizeTalk(tts::EspeakSynthesizer& synthesizer,
                                        const std::string& text, const SynthPlan& plan);

}  // namespace parley::bench
