// libFuzzer target for the WAV decoder (untrusted uploads): it must return a value or an
// error for any bytes, never crash or read out of bounds. Built with -DPARLEY_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "audio/audio.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto a = parley::audio::decodeWav(bytes);
  if (a.ok() && !a->samples.empty()) (void)parley::audio::rms(a->samples);
  return 0;
}
