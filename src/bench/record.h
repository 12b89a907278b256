// Recording the corpus: decodes audio with a streaming asr::Recognizer in fixed chunks, as a
// live stream arrives, and keeps every recognizer event with the time it would have arrived
// (the arrival model of `parley transcribe`, docs/asr.md):
//   done_i = max(done_{i-1}, a_i) + compute_i
// where a_i is the audio time at the end of chunk i and compute_i the recognizer's CPU time on
// it. Also the real-speech sources: the LibriVox clips and goforward.raw of Debian's
// pocketsphinx-testdata with their transcripts.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "asr/recognizer.h"
#include "bench/corpus.h"
#include "core/clock.h"
#include "core/result.h"

namespace parley::bench {

inline constexpr const char* kTestDataDir = "/usr/share/pocketsphinx/test/data";

// Decodes `pcm` (16 kHz mono) with `recognizer` in chunks of chunk_ms and fills item.items
// (an audio line per chunk, then the events it produced), item.audio_seconds,
// item.compute_seconds and item.chunk_ms; the other fields of `item` are kept. compute_clock
// measures compute_i (a thread CPU clock for real figures, a ManualClock for zero compute).
core::Status recordItem(asr::Recognizer& recognizer, std::span<const std::int16_t> pcm,
                        int chunk_ms, const core::Clock& compute_clock, CorpusItem& item);

struct RealClip {
  std::string name;       // corpus item name, e.g. "real-librivox-0870"
  std::string path;       // audio file
  std::string reference;  // human transcript
};
// The real-speech clips under `test_data_dir`: every LibriVox clip of librivox/transcription
// and goforward.raw. Errors: kNotFound when the transcription is missing.
core::Result<std::vector<RealClip>> realClips(const std::string& test_data_dir = kTestDataDir);

}  // namespace parley::bench
