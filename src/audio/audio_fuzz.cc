// Fuzz harness for the audio decoders (untrusted uploads and files): WAV in any layout and
// headerless s16le. Any bytes must give audio or an error, never a crash or an out-of-bounds
// read. Invariant: decoded audio is 16 kHz mono, and writing it as WAV and decoding that again
// gives the same samples. docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "audio/audio.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace audio = parley::audio;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto a = audio::decodeWav(bytes);
  if (a.ok()) {
    if (a->rate != audio::kSampleRate) std::abort();
    if (!a->samples.empty()) (void)audio::rms(a->samples);
    auto again = audio::decodeWav(audio::encodeWav(a->samples));
    if (!again.ok() || again->samples != a->samples) std::abort();
  }
  auto raw = audio::decodeRawS16le(bytes);
  if (raw.ok() != (size % 2 == 0)) std::abort();
  if (raw.ok() && raw->samples.size() != size / 2) std::abort();
  return 0;
}
