// Audio files and samples for the rest of parley: everything downstream of this module works on
// 16 kHz mono int16 (the recognizer's format). readAudioFile() accepts RIFF/WAVE (PCM 8/16/24/32
// bit, IEEE float 32/64 bit, WAVE_FORMAT_EXTENSIBLE, any rate and channel count) and headerless
// 16 kHz s16le files (.raw/.pcm/.s16), downmixes to mono and resamples with libsoxr; anything else
// is a kInvalidInput error that says what is wrong. writeWav()/encodeWav() produce 16-bit PCM mono
// WAV. resample() converts between rates (the synthesizer uses it for 22050 -> 16000 Hz).
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace parley::audio {

inline constexpr int kSampleRate = 16000;        // the rate of every Audio this module returns
inline constexpr int kMinFileSampleRate = 1000;  // lowest rate accepted in a WAV header
inline constexpr int kMaxSampleRate = 768000;
inline constexpr double kMaxFileSeconds = 6 * 3600.0;  // longer files are rejected

struct Audio {
  std::vector<std::int16_t> samples;  // mono
  int rate = kSampleRate;
  double seconds() const { return rate > 0 ? static_cast<double>(samples.size()) / rate : 0.0; }
};

// Reads a WAV (detected by its RIFF header, whatever the file name) or a headerless 16 kHz s16le
// file (name ending .raw, .pcm, .s16 or .s16le) into 16 kHz mono. Errors: kNotFound (cannot
// open), kInvalidInput (not a supported format, with the reason; also rates outside
// kMinFileSampleRate..kMaxSampleRate and audio longer than kMaxFileSeconds).
core::Result<Audio> readAudioFile(const std::string& path);

// Decodes WAV bytes (any supported layout) into 16 kHz mono. `what` names the source in errors.
core::Result<Audio> decodeWav(std::string_view bytes, std::string_view what = "WAV data");
// Headerless 16 kHz s16le mono bytes (an odd byte count is an error).
core::Result<Audio> decodeRawS16le(std::string_view bytes, std::string_view what = "raw data");

// 16-bit PCM mono WAV at `rate` (1..kMaxSampleRate); a bad rate is kInvalidInput, an
// unwritable path kUnavailable.
core::Status writeWav(const std::string& path, std::span<const std::int16_t> samples,
                      int rate = kSampleRate);
// The bytes writeWav() would write (44-byte header + samples), e.g. for sending over a socket.
std::string encodeWav(std::span<const std::int16_t> samples, int rate = kSampleRate);

// Band-limited resampling with libsoxr (high quality). Equal rates return the input unchanged;
// a rate outside 1..kMaxSampleRate is kInvalidInput. The output has round(n * to / from)
// samples. The int16 version rounds and clips.
core::Result<std::vector<float>> resample(std::span<const float> samples, int from_rate,
                                          int to_rate);
core::Result<std::vector<std::int16_t>> resample(std::span<const std::int16_t> samples,
                                                 int from_rate, int to_rate);

// Root mean square of the samples relative to full scale (0 = silence, 1 = full-scale square
// wave); 0 for no samples.
double rms(std::span<const std::int16_t> samples);
// The same in dBFS (20 log10 rms), -120 for silence.
double rmsDbfs(std::span<const std::int16_t> samples);

// Sample conversion: int16 <-> float in [-1, 1) (float -> int16 rounds and clips).
std::vector<float> toFloat(std::span<const std::int16_t> samples);
std::vector<std::int16_t> toInt16(std::span<const float> samples);

}  // namespace parley::audio
