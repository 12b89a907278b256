#include "audio/audio.h"

#include <soxr.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace parley::audio {
namespace {

constexpr std::uint16_t kFormatPcm = 0x0001;
constexpr std::uint16_t kFormatFloat = 0x0003;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;
// Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID whose first two bytes are a format tag.
constexpr std::array<std::uint8_t, 14> kGuidTail = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                    0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

std::uint16_t le16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>(u[0] | (u[1] << 8));
}
std::uint32_t le32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint32_t>(u[0]) | (static_cast<std::uint32_t>(u[1]) << 8) |
         (static_cast<std::uint32_t>(u[2]) << 16) | (static_cast<std::uint32_t>(u[3]) << 24);
}
void putLe16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void putLe32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string hex4(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04X", v & 0xFFFFu);
  return buf;
}

// A readable name for the magic bytes of a file that is not RIFF/WAVE.
std::string describeMagic(std::string_view b) {
  auto starts = [&](std::string_view m) { return b.substr(0, m.size()) == m; };
  if (starts("RIFX")) return "a big-endian RIFX file (only little-endian RIFF is supported)";
  if (starts("RF64")) return "an RF64 file (only RIFF/WAVE up to 4 GiB is supported)";
  if (starts("fLaC")) return "FLAC audio (compressed; convert it to PCM WAV)";
  if (starts("OggS")) return "an Ogg container (compressed; convert it to PCM WAV)";
  if (starts("ID3") || (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF &&
                        (static_cast<unsigned char>(b[1]) & 0xE0) == 0xE0)) {
    return "MPEG audio (compressed; convert it to PCM WAV)";
  }
  if (starts("FORM")) return "an AIFF/IFF file (only RIFF/WAVE is supported)";
  if (b.size() >= 8 && b.substr(4, 4) == "ftyp") return "an MP4/M4A container (compressed)";
  return "not a RIFF/WAVE file";
}

std::string compressedName(std::uint16_t tag) {
  switch (tag) {
    case 0x0002:
      return "MS ADPCM";
    case 0x0006:
      return "A-law";
    case 0x0007:
      return "mu-law";
    case 0x0011:
      return "IMA ADPCM";
    case 0x0031:
      return "GSM 6.10";
    case 0x0050:
      return "MPEG";
    case 0x0055:
      return "MPEG Layer 3";
    case 0x00FF:
      return "AAC";
    case 0x0161:
    case 0x0162:
    case 0x0163:
      return "Windows Media Audio";
    case 0xF1AC:
      return "FLAC";
    default:
      return "an unknown format";
  }
}

struct Format {
  std::uint16_t tag = 0;  // kFormatPcm or kFormatFloat after resolving EXTENSIBLE
  int channels = 0;
  int rate = 0;
  int bits = 0;
  int block_align = 0;
};

core::Result<Format> parseFmt(std::string_view c, std::string_view what) {
  const std::string w(what);
  if (c.size() < 16) {
    return core::Error::invalid(w + ": fmt chunk of " + std::to_string(c.size()) +
                                " bytes is truncated (needs at least 16)");
  }
  Format f;
  f.tag = le16(c.data());
  f.channels = le16(c.data() + 2);
  const std::uint32_t rate = le32(c.data() + 4);
  f.block_align = le16(c.data() + 12);
  f.bits = le16(c.data() + 14);
  if (f.tag == kFormatExtensible) {
    if (c.size() < 40 || le16(c.data() + 16) < 22) {
      return core::Error::invalid(w + ": WAVE_FORMAT_EXTENSIBLE fmt chunk is truncated (" +
                                  std::to_string(c.size()) + " bytes, needs 40)");
    }
    const std::uint16_t sub = le16(c.data() + 24);
    if (std::memcmp(c.data() + 26, kGuidTail.data(), kGuidTail.size()) != 0) {
      return core::Error::invalid(w + ": WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID");
    }
    f.tag = sub;
  }
  if (f.tag != kFormatPcm && f.tag != kFormatFloat) {
    return core::Error::invalid(w + ": WAV format " + hex4(f.tag) + " (" + compressedName(f.tag) +
                                ") is not supported; only PCM and IEEE float are (convert with "
                                "e.g. `sox in.wav -b 16 out.wav`)");
  }
  if (f.channels == 0) return core::Error::invalid(w + ": WAV header declares zero channels");
  if (rate < static_cast<std::uint32_t>(kMinFileSampleRate) ||
      rate > static_cast<std::uint32_t>(kMaxSampleRate)) {
    return core::Error::invalid(w + ": sample rate " + std::to_string(rate) + " Hz is outside " +
                                std::to_string(kMinFileSampleRate) + ".." +
                                std::to_string(kMaxSampleRate));
  }
  f.rate = static_cast<int>(rate);
  const bool pcm_ok =
      f.tag == kFormatPcm && (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32);
  const bool float_ok = f.tag == kFormatFloat && (f.bits == 32 || f.bits == 64);
  if (!pcm_ok && !float_ok) {
    return core::Error::invalid(w + ": " + std::to_string(f.bits) + "-bit " +
                                (f.tag == kFormatPcm ? "PCM" : "float") +
                                " samples are not supported (PCM 8/16/24/32, float 32/64)");
  }
  if (f.block_align != f.channels * f.bits / 8) {
    return core::Error::invalid(w + ": block align " + std::to_string(f.block_align) +
                                " does not match " + std::to_string(f.channels) + " channels x " +
                                std::to_string(f.bits) + " bits");
  }
  return f;
}

float sampleAt(const char* p, const Format& f) {
  switch (f.bits) {
    case 8:
      return (static_cast<float>(static_cast<unsigned char>(*p)) - 128.0f) / 128.0f;
    case 16:
      return static_cast<float>(static_cast<std::int16_t>(le16(p))) / 32768.0f;
    case 24: {
      // Assemble into the top 24 bits so the sign lands in bit 31, then scale by 2^31.
      const auto* u = reinterpret_cast<const unsigned char*>(p);
      const auto v = static_cast<std::int32_t>((static_cast<std::uint32_t>(u[0]) << 8) |
                                               (static_cast<std::uint32_t>(u[1]) << 16) |
                                               (static_cast<std::uint32_t>(u[2]) << 24));
      return static_cast<float>(static_cast<double>(v) / 2147483648.0);
    }
    case 32:
      if (f.tag == kFormatFloat) {
        const std::uint32_t bits = le32(p);
        float v;
        std::memcpy(&v, &bits, sizeof v);
        return std::isfinite(v) ? v : 0.0f;
      }
      return static_cast<float>(static_cast<double>(static_cast<std::int32_t>(le32(p))) /
                                2147483648.0);
    case 64: {
      std::uint64_t bits =
          static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
      double v;
      std::memcpy(&v, &bits, sizeof v);
      return std::isfinite(v) ? static_cast<float>(v) : 0.0f;
    }
    default:
      return 0.0f;
  }
}

// Interleaved frames -> 16 kHz mono.
core::Result<Audio> convert(std::string_view data, const Format& f) {
  const std::size_t frames = data.size() / static_cast<std::size_t>(f.block_align);
  const int bytes = f.bits / 8;
  if (static_cast<double>(frames) / f.rate > kMaxFileSeconds) {
    return core::Error::invalid("audio longer than " +
                                std::to_string(static_cast<int>(kMaxFileSeconds / 3600)) +
                                " hours is not supported");
  }
  Audio out;
  if (f.tag == kFormatPcm && f.bits == 16 && f.channels == 1 && f.rate == kSampleRate) {
    out.samples.resize(frames);
    for (std::size_t i = 0; i < frames; ++i) {
      out.samples[i] = static_cast<std::int16_t>(le16(data.data() + 2 * i));
    }
    return out;
  }
  std::vector<float> mono(frames);
  const float scale = 1.0f / static_cast<float>(f.channels);
  for (std::size_t i = 0; i < frames; ++i) {
    const char* frame = data.data() + i * static_cast<std::size_t>(f.block_align);
    float sum = 0;
    for (int c = 0; c < f.channels; ++c) sum += sampleAt(frame + c * bytes, f);
    mono[i] = sum * scale;
  }
  auto resampled = resample(mono, f.rate, kSampleRate);
  if (!resampled.ok()) return resampled.error();
  out.samples = toInt16(*resampled);
  return out;
}

bool endsWithCi(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    const char a = s[s.size() - suffix.size() + i];
    const char lower = (a >= 'A' && a <= 'Z') ? static_cast<char>(a - 'A' + 'a') : a;
    if (lower != suffix[i]) return false;
  }
  return true;
}

}  // namespace

core::Result<Audio> decodeWav(std::string_view b, std::string_view what) {
  const std::string w(what);
  if (b.size() < 12) {
    if (b.size() >= 4 && b.substr(0, 4) != "RIFF") {
      return core::Error::invalid(w + ": " + describeMagic(b));
    }
    return core::Error::invalid(w + ": truncated header (" + std::to_string(b.size()) +
                                " bytes; a WAV file starts with a 12-byte RIFF header)");
  }
  if (b.substr(0, 4) != "RIFF") return core::Error::invalid(w + ": " + describeMagic(b));
  if (b.substr(8, 4) != "WAVE") {
    return core::Error::invalid(w + ": RIFF file of type '" + std::string(b.substr(8, 4)) +
                                "' is not WAVE audio");
  }
  std::size_t pos = 12;
  bool have_fmt = false;
  Format fmt;
  std::string_view data;
  bool have_data = false;
  while (pos + 8 <= b.size()) {
    const std::string_view id = b.substr(pos, 4);
    const std::uint32_t size = le32(b.data() + pos + 4);
    const std::size_t body = pos + 8;
    const std::size_t avail = b.size() - body;
    if (id == "fmt ") {
      if (size > avail) {
        return core::Error::invalid(w + ": fmt chunk is truncated (declares " +
                                    std::to_string(size) + " bytes, " + std::to_string(avail) +
                                    " present)");
      }
      auto f = parseFmt(b.substr(body, size), what);
      if (!f.ok()) return f.error();
      fmt = *f;
      have_fmt = true;
    } else if (id == "data") {
      // Streaming writers leave the size at 0 or 0xFFFFFFFF, and a recording cut off by a
      // crash is still worth decoding: take the bytes that are present.
      const bool open_ended = size == 0 || size == 0xFFFFFFFFu || size > avail;
      data = b.substr(body, open_ended ? avail : size);
      have_data = true;
      if (open_ended) break;
    }
    if (have_fmt && have_data) break;
    pos = body + static_cast<std::size_t>(size) + (size & 1u);
  }
  if (!have_fmt) return core::Error::invalid(w + ": no fmt chunk (truncated file?)");
  if (!have_data) return core::Error::invalid(w + ": no data chunk (truncated file?)");
  return convert(data, fmt);
}

core::Result<Audio> decodeRawS16le(std::string_view bytes, std::string_view what) {
  if (bytes.size() % 2 != 0) {
    return core::Error::invalid(std::string(what) + ": " + std::to_string(bytes.size()) +
                                " bytes is not a whole number of 16-bit samples");
  }
  Audio out;
  out.samples.resize(bytes.size() / 2);
  for (std::size_t i = 0; i < out.samples.size(); ++i) {
    out.samples[i] = static_cast<std::int16_t>(le16(bytes.data() + 2 * i));
  }
  return out;
}

core::Result<Audio> readAudioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::Error::notFound("cannot open audio file " + path + ": " + std::strerror(errno));
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return core::Error::unavailable("error reading audio file " + path);
  if (bytes.size() >= 4 && bytes.compare(0, 4, "RIFF") == 0) return decodeWav(bytes, path);
  if (endsWithCi(path, ".raw") || endsWithCi(path, ".pcm") || endsWithCi(path, ".s16") ||
      endsWithCi(path, ".s16le")) {
    return decodeRawS16le(bytes, path);
  }
  if (bytes.empty()) return core::Error::invalid(path + ": empty file");
  if (endsWithCi(path, ".wav") || endsWithCi(path, ".wave")) return decodeWav(bytes, path);
  return core::Error::invalid(path + ": " + describeMagic(bytes) +
                              "; expected a WAV file or headerless 16 kHz s16le audio named "
                              ".raw/.pcm/.s16");
}

std::string encodeWav(std::span<const std::int16_t> samples, int rate) {
  const auto data_bytes = static_cast<std::uint32_t>(samples.size() * 2);
  std::string out;
  out.reserve(44 + data_bytes);
  out += "RIFF";
  putLe32(out, 36 + data_bytes);
  out += "WAVEfmt ";
  putLe32(out, 16);
  putLe16(out, kFormatPcm);
  putLe16(out, 1);
  putLe32(out, static_cast<std::uint32_t>(rate));
  putLe32(out, static_cast<std::uint32_t>(rate) * 2);
  putLe16(out, 2);
  putLe16(out, 16);
  out += "data";
  putLe32(out, data_bytes);
  for (std::int16_t s : samples) putLe16(out, static_cast<std::uint16_t>(s));
  return out;
}

core::Status writeWav(const std::string& path, std::span<const std::int16_t> samples, int rate) {
  if (rate <= 0 || rate > kMaxSampleRate) {
    return core::Error::invalid("WAV sample rate " + std::to_string(rate) + " is outside 1.." +
                                std::to_string(kMaxSampleRate));
  }
  if (samples.size() > (0xFFFFFFFFu - 36) / 2) {
    return core::Error::invalid("too many samples for a WAV file");
  }
  const std::string bytes = encodeWav(samples, rate);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return core::Error::unavailable("cannot write " + path + ": " + std::strerror(errno));
  }
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return core::Error::unavailable("error writing " + path);
  return core::okStatus();
}

core::Result<std::vector<float>> resample(std::span<const float> samples, int from_rate,
                                          int to_rate) {
  if (from_rate <= 0 || from_rate > kMaxSampleRate || to_rate <= 0 || to_rate > kMaxSampleRate) {
    return core::Error::invalid("resample: rates " + std::to_string(from_rate) + " -> " +
                                std::to_string(to_rate) + " Hz must lie in 1.." +
                                std::to_string(kMaxSampleRate));
  }
  if (from_rate == to_rate || samples.empty()) {
    return std::vector<float>(samples.begin(), samples.end());
  }
  const auto out_len = static_cast<std::size_t>(
      std::llround(static_cast<double>(samples.size()) * to_rate / from_rate));
  // Too short for one output sample: soxr would be handed a null output buffer (and crash).
  if (out_len == 0) return std::vector<float>{};
  std::vector<float> out(out_len);
  std::size_t done = 0;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t err = soxr_oneshot(from_rate, to_rate, 1, samples.data(), samples.size(), nullptr,
                                  out.data(), out.size(), &done, &io, &q, nullptr);
  if (err) return core::Error::internal(std::string("soxr: ") + err);
  out.resize(done);
  out.resize(out_len, 0.0f);  // soxr may deliver a sample less at the very end
  return out;
}

core::Result<std::vector<std::int16_t>> resample(std::span<const std::int16_t> samples,
                                                 int from_rate, int to_rate) {
  if (from_rate == to_rate && from_rate > 0 && from_rate <= kMaxSampleRate) {
    return std::vector<std::int16_t>(samples.begin(), samples.end());
  }
  const std::vector<float> f = toFloat(samples);
  auto r = resample(std::span<const float>(f), from_rate, to_rate);
  if (!r.ok()) return r.error();
  return toInt16(*r);
}

double rms(std::span<const std::int16_t> samples) {
  if (samples.empty()) return 0.0;
  double sum = 0;
  for (std::int16_t s : samples) sum += static_cast<double>(s) * s;
  return std::sqrt(sum / static_cast<double>(samples.size())) / 32768.0;
}

double rmsDbfs(std::span<const std::int16_t> samples) {
  const double r = rms(samples);
  return r > 1e-6 ? 20.0 * std::log10(r) : -120.0;
}

std::vector<float> toFloat(std::span<const std::int16_t> samples) {
  std::vector<float> out(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i)
    out[i] = static_cast<float>(samples[i]) / 32768.0f;
  return out;
}

std::vector<std::int16_t> toInt16(std::span<const float> samples) {
  std::vector<std::int16_t> out(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    double v = std::nearbyint(static_cast<double>(samples[i]) * 32768.0);
    if (std::isnan(v)) v = 0;  // a NaN sample (float WAV data) is silence; casting it is UB
    out[i] = static_cast<std::int16_t>(std::clamp(v, -32768.0, 32767.0));
  }
  return out;
}

}  // namespace parley::audio
